// Makes the same derivatives as lightbox/jobs/photo with sharp (libvips), for
// every photo-*.jpg in a directory, N times, and prints one JSON line with the
// throughput. Run by bench/photo (main.go); see run.sh.
//
//   node sharp.mjs --dir DIR [--n 3] [--inflight 2] [--threads 1] [--watermark TEXT]
//                  [--overlay svg|cached] [--out DIR]
//
// Per photo, like Derive: decode with EXIF rotation, one resize to 2048 px on
// the long edge (libvips shrinks on load), then from that intermediate an
// 800 px and a 400 px wide thumbnail at quality 82 and a 2048 px preview with
// a tiled diagonal text watermark (SVG composite) at quality 85. sharp drops
// all metadata unless asked to keep it. With --overlay svg (the default) the
// SVG is rasterised for every photo, as Derive draws its text every time;
// with --overlay cached it is rasterised once per preview size and reused,
// which is what a tuned sharp service would do.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string' },
    n: { type: 'string', default: '3' },
    inflight: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
    watermark: { type: 'string', default: '© Jane Photographer' },
    overlay: { type: 'string', default: 'svg' },
    out: { type: 'string' },
  },
});
if (!args.dir || !['svg', 'cached'].includes(args.overlay)) {
  console.error('usage: node sharp.mjs --dir DIR [--n N] [--inflight K] [--threads T] [--overlay svg|cached]');
  process.exit(2);
}
sharp.concurrency(Number(args.threads)); // libvips threads per image
sharp.cache(false); // every run decodes its input, as a job would

const escapeXML = (s) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

// The watermark as SVG: bold white text with a dark outline, about a third
// opaque, repeated along lines rising at 30°, sized to 1/26 of the long edge.
function watermarkSVG(w, h, text) {
  const size = Math.max(9, Math.max(w, h) / 26);
  const tileW = Math.round(text.length * size * 0.62 + size * 2.5);
  const tileH = Math.round(size * 3.4);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">` +
      `<defs><pattern id="wm" width="${tileW}" height="${tileH}" patternUnits="userSpaceOnUse" patternTransform="rotate(-30)">` +
      `<text x="0" y="${size}" font-family="sans-serif" font-weight="bold" font-size="${size}" ` +
      `fill="#fff" fill-opacity="0.32" stroke="#000" stroke-opacity="0.30" stroke-width="${(size / 14).toFixed(1)}">` +
      `${escapeXML(text)}</text></pattern></defs>` +
      `<rect width="100%" height="100%" fill="url(#wm)"/></svg>`,
  );
}

// Rasterised overlays by preview size, for --overlay cached.
const overlays = new Map();
async function overlay(w, h, text) {
  if (args.overlay !== 'cached') return { input: watermarkSVG(w, h, text) };
  const key = `${w}x${h}`;
  if (!overlays.has(key)) {
    const { data, info } = await sharp(watermarkSVG(w, h, text))
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    overlays.set(key, { input: data, raw: { width: info.width, height: info.height, channels: 4 } });
  }
  return overlays.get(key);
}

async function derive(input, text) {
  const { data, info } = await sharp(input)
    .rotate()
    .resize({ width: 2048, height: 2048, fit: 'inside', withoutEnlargement: true, kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const mark = await overlay(info.width, info.height, text);
  const [thumb800, thumb400, watermarked] = await Promise.all([
    sharp(data, raw).resize({ width: 800, withoutEnlargement: true, kernel: 'cubic' }).jpeg({ quality: 82 }).toBuffer(),
    sharp(data, raw).resize({ width: 400, withoutEnlargement: true, kernel: 'cubic' }).jpeg({ quality: 82 }).toBuffer(),
    sharp(data, raw)
      .composite([{ ...mark, top: 0, left: 0 }])
      .jpeg({ quality: 85 })
      .toBuffer(),
  ]);
  return { thumb800, thumb400, watermarked };
}

const names = (await readdir(args.dir)).filter((f) => /^photo-.*\.jpg$/.test(f)).sort();
const files = await Promise.all(names.map((f) => readFile(join(args.dir, f))));
if (files.length === 0) {
  console.error(`no photo-*.jpg files in ${args.dir}`);
  process.exit(1);
}

// One untimed run per file warms up libvips and the SVG renderer; with
// --out it also keeps the outputs of the first photo for a visual check.
for (const [i, f] of files.entries()) {
  const d = await derive(f, args.watermark);
  if (args.out && i === 0) {
    for (const [k, v] of Object.entries(d)) await writeFile(join(args.out, `sharp-${args.overlay}-${k}.jpg`), v);
  }
}

const jobs = [];
for (let r = 0; r < Number(args.n); r++) jobs.push(...files);
const total = jobs.length;
let next = 0;
let outBytes = 0;
const start = process.hrtime.bigint();
async function worker() {
  while (next < jobs.length) {
    const d = await derive(jobs[next++], args.watermark);
    outBytes += d.thumb800.length + d.thumb400.length + d.watermarked.length;
  }
}
await Promise.all(Array.from({ length: Number(args.inflight) }, worker));
const seconds = Number(process.hrtime.bigint() - start) / 1e9;

console.log(
  JSON.stringify({
    ops: total,
    seconds,
    opsPerSec: total / seconds,
    warmups: files.length,
    outBytes,
    versions: { sharp: sharp.versions.sharp, vips: sharp.versions.vips, node: process.versions.node },
  }),
);
