// Does the same face work as lightbox/jobs/face with @vladmandic/human on
// the tfjs WASM backend, on the photos bench/face (main.go) prepared, and
// prints one JSON line with the timings. See run.sh.
//
//   node human.mjs --dir DIR --models DIR --task embed|index [--n 3] [--workers 2] [--out FILE]
//
// DIR holds manifest.json and, per photo, its pixels as raw RGB (photo-N.rgb)
// at the size main.go rescaled it to, so both engines see the same pixels
// and neither's time includes JPEG decoding. Human loads the same model
// files as the Go engine (blazeface.json and faceres.json from --models) and
// runs nothing else: no mesh, iris, emotion, body, hand, object, gesture,
// segmentation, antispoof or liveness, and no frame caching.
//
// --task embed describes every face in the manifest, one at a time, the
// way human does after detection: the detector's box enlarged 1.4× and
// squared, cropped to 256×256, resized to FaceRes's 224×224 input, run,
// descriptor read back. --task index runs human.detect on every photo: one
// BlazeFace pass and one FaceRes pass per face found, in --workers worker
// threads, each with its own Human and WASM instance.
//
// tfjs-backend-wasm turns WASM threads off under Node (its
// WASM_HAS_MULTITHREAD_SUPPORT flag is false there), so each Human runs its
// kernels on one thread, with SIMD where the CPU has it.
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
// The package's "exports" map lacks the "./" prefixes Node requires, so the
// Node WASM bundle is loaded by its path.
const { Human } = require('./node_modules/@vladmandic/human/dist/human.node-wasm.js');
const wasmBackend = require('@tensorflow/tfjs-backend-wasm');

const here = fileURLToPath(new URL('.', import.meta.url));
const pkg = (name) => JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8')).version;

function config(models) {
  return {
    backend: 'wasm',
    wasmPath: join(here, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'),
    modelBasePath: pathToFileURL(resolve(models)).href + '/',
    debug: false,
    async: false,
    warmup: 'none',
    cacheSensitivity: 0,
    skipAllowed: false,
    cacheModels: false,
    filter: { enabled: false },
    gesture: { enabled: false },
    face: {
      enabled: true,
      detector: {
        modelPath: 'blazeface.json',
        rotation: false,
        maxDetected: 50,
        skipFrames: 0,
        skipTime: 0,
        minConfidence: 0.7, // the Go engine's MinScore
        iouThreshold: 0.3, // and its NMS overlap
        return: false,
      },
      mesh: { enabled: false },
      attention: { enabled: false },
      iris: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: true, modelPath: 'faceres.json', skipFrames: 0, skipTime: 0 },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
  };
}

// fileRouter lets tfjs load file:// models in Node without tfjs-node: the
// model JSON and its weight files are read from disk.
function fileRouter(tf) {
  tf.io.registerLoadRouter((url) => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    const path = fileURLToPath(url);
    return {
      load: async () => {
        const json = JSON.parse(await readFile(path, 'utf8'));
        const dir = resolve(path, '..');
        const specs = [];
        const bufs = [];
        for (const group of json.weightsManifest) {
          specs.push(...group.weights);
          for (const p of group.paths) bufs.push(await readFile(join(dir, p)));
        }
        const all = Buffer.concat(bufs);
        return {
          modelTopology: json.modelTopology,
          format: json.format,
          generatedBy: json.generatedBy,
          convertedBy: json.convertedBy,
          userDefinedMetadata: json.userDefinedMetadata,
          signature: json.signature,
          weightSpecs: specs,
          weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
        };
      },
    };
  });
}

async function newHuman(models) {
  const human = new Human(config(models));
  fileRouter(human.tf);
  await human.init();
  if (human.tf.getBackend() !== 'wasm') throw new Error(`backend is ${human.tf.getBackend()}, not wasm`);
  await human.load();
  for (const m of ['blazeface', 'faceres']) {
    if (!human.models.models[m]) throw new Error(`model ${m} did not load from ${models}`);
  }
  return human;
}

async function readManifest(dir) {
  const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  for (const p of m.photos) p.rgb = new Uint8Array(await readFile(join(dir, p.rgb)));
  return m;
}

const photoTensor = (tf, p) => tf.tensor4d(p.rgb, [1, p.height, p.width, 3], 'int32');

// describe is human's description step for one detector box [x1, y1, x2,
// y2] (see its face/facemesh.ts, facemeshutil.ts and faceres.ts): enlarge
// 1.4×, make square, crop to 256×256 in 0..1, resize to the model's input
// in 0..255, run FaceRes and read the 1024 values back.
async function describe(human, input, box) {
  const { tf } = human;
  const model = human.models.models.faceres;
  const [x1, y1, x2, y2] = box;
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  const half = (1.4 * Math.max(x2 - x1, y2 - y1)) / 2;
  const [h, w] = [input.shape[1], input.shape[2]];
  const sq = [Math.round(cx - half), Math.round(cy - half), Math.round(cx + half), Math.round(cy + half)];
  const size = model.inputs[0].shape[2];
  const out = tf.tidy(() => {
    const crop = tf.div(tf.image.cropAndResize(input, [[sq[1] / h, sq[0] / w, sq[3] / h, sq[2] / w]], [0], [256, 256]), 255);
    const norm = tf.mul(tf.image.resizeBilinear(crop, [size, size], false), 255);
    return model.execute(norm);
  });
  const desc = out.find((t) => t.shape[1] === 1024);
  const v = await desc.data();
  tf.dispose(out);
  return Array.from(v);
}

function peakRSSMiB() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

const cpuSeconds = (u) => (u.user + u.system) / 1e6;

async function runEmbed(args) {
  const human = await newHuman(args.models);
  const { tf } = human;
  const m = await readManifest(args.dir);
  const jobs = [];
  for (const p of m.photos) for (const f of p.faces) jobs.push({ p, box: f.box });
  const inputs = new Map(m.photos.map((p) => [p, photoTensor(tf, p)]));
  const first = [];
  for (const j of jobs) first.push(await describe(human, inputs.get(j.p), j.box)); // untimed
  const n = Number(args.n);
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let r = 0; r < n; r++) for (const j of jobs) await describe(human, inputs.get(j.p), j.box);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = cpuSeconds(process.cpuUsage(cpu0));
  if (args.out) await writeFile(args.out, JSON.stringify(first));
  return { ops: jobs.length * n, seconds, cpuSeconds: cpu, warmups: jobs.length };
}

// indexWorker runs human.detect on its share of the photos when told to.
async function indexWorker({ models, dir, share }) {
  const human = await newHuman(models);
  const m = await readManifest(dir);
  const inputs = m.photos.map((p) => photoTensor(human.tf, p));
  const faces = [];
  for (const t of inputs) faces.push((await human.detect(t)).face.length); // untimed
  parentPort.postMessage({ ready: true, faces });
  parentPort.once('message', async () => {
    for (const i of share) {
      const res = await human.detect(inputs[i]);
      if (res.error) throw new Error(res.error);
    }
    parentPort.postMessage({ done: true });
  });
}

async function runIndex(args) {
  const m = JSON.parse(await readFile(join(args.dir, 'manifest.json'), 'utf8'));
  const n = Number(args.n);
  const k = Number(args.workers);
  const shares = Array.from({ length: k }, () => []);
  for (let j = 0; j < n * m.photos.length; j++) shares[j % k].push(j % m.photos.length);
  const workers = shares.map(
    (share) => new Worker(fileURLToPath(import.meta.url), { workerData: { models: args.models, dir: args.dir, share } }),
  );
  const wait = (w, key) =>
    new Promise((ok, fail) => {
      const onMsg = (msg) => {
        if (msg[key]) {
          w.off('message', onMsg);
          ok(msg);
        }
      };
      w.on('message', onMsg);
      w.once('error', fail);
    });
  const ready = await Promise.all(workers.map((w) => wait(w, 'ready')));
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const done = workers.map((w) => wait(w, 'done'));
  for (const w of workers) w.postMessage('go');
  await Promise.all(done);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = cpuSeconds(process.cpuUsage(cpu0));
  await Promise.all(workers.map((w) => w.terminate()));
  return { ops: n * m.photos.length, seconds, cpuSeconds: cpu, warmups: m.photos.length, facesPerPhoto: ready[0].faces };
}

if (!isMainThread) {
  await indexWorker(workerData);
} else {
  const { values: args } = parseArgs({
    options: {
      dir: { type: 'string' },
      models: { type: 'string' },
      task: { type: 'string', default: 'index' },
      n: { type: 'string', default: '3' },
      workers: { type: 'string', default: '1' },
      out: { type: 'string' },
    },
  });
  if (!args.dir || !args.models || !['embed', 'index'].includes(args.task)) {
    console.error('usage: node human.mjs --dir DIR --models DIR --task embed|index [--n N] [--workers K] [--out FILE]');
    process.exit(2);
  }
  const r = args.task === 'embed' ? await runEmbed(args) : await runIndex(args);
  const probe = new Human(config(args.models));
  await probe.init();
  const simd = await probe.tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  console.log(
    JSON.stringify({
      ...r,
      opsPerSec: r.ops / r.seconds,
      peakRSSMiB: peakRSSMiB(),
      threads: wasmBackend.getThreadsCount(),
      simd,
      versions: {
        human: pkg('@vladmandic/human'),
        tfjs: pkg('@tensorflow/tfjs-core'),
        wasm: pkg('@tensorflow/tfjs-backend-wasm'),
        node: process.versions.node,
      },
    }),
  );
  process.exit(0);
}
