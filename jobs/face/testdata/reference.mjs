// Writes reference outputs of the face models computed by TensorFlow.js
// (pure-JS CPU backend) for a deterministic synthetic input, so the Go
// executor can be checked against them (reference.json).
//
// With a folder of the candidate descriptors (make face-descriptors) and a
// second output file, it writes their outputs for the same input there
// (descriptors.json), to check the operations only they use.
//
// Usage: testdata/make-reference.sh (installs @tensorflow/tfjs into a temp folder).
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

const [models, out, candidates, candidatesOut] = process.argv.slice(2);

// pattern is the synthetic image both sides generate: value i of an
// n-element NHWC tensor is ((i*7919) % 256) * scale + offset.
function pattern(shape, scale, offset) {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = ((i * 7919) % 256) * scale + offset;
  return tf.tensor(v, shape);
}

async function load(name, dir = models) {
  const json = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
  const specs = [];
  const bufs = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) bufs.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(bufs);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }));
}

await tf.setBackend('cpu');
const round = (a) => Array.from(a, (x) => Number(x.toPrecision(7)));
const result = { tfjs: tf.version.tfjs, pattern: '((i*7919) % 256) * scale + offset' };

const det = await load('blazeface');
const detOut = det.execute(pattern([1, 256, 256, 3], 2 / 255, -1));
result.blazeface = { scale: 2 / 255, offset: -1, outputs: {} };
for (const t of detOut) {
  const d = await t.data();
  result.blazeface.outputs[`${t.shape.join('x')}`] = { first: round(d.slice(0, 32)), sum: Number(d.reduce((a, b) => a + b, 0).toPrecision(7)) };
}

const desc = await load('faceres');
const descOut = desc.execute(pattern([1, 224, 224, 3], 1, 0), ['global_pooling/Mean']);
result.faceres = { scale: 1, offset: 0, output: 'global_pooling/Mean', values: round(await descOut.data()) };

fs.writeFileSync(out, JSON.stringify(result) + '\n');
console.log(`wrote ${out}`);

if (candidates) {
  const more = { tfjs: tf.version.tfjs, pattern: result.pattern };
  for (const [name, size, scale, offset, output] of [
    ['faceres-deep', 224, 1, 0, 'global_pooling/Mean'],
    ['mobilefacenet', 112, 1 / 127.5, -1, 'MobileFaceNet/Logits/SpatialSqueeze'],
    ['mobileface', 112, 1, 0, 'batchnorm0/add_1'],
  ]) {
    const m = await load(name, candidates);
    const o = m.execute(pattern([1, size, size, 3], scale, offset), [output]);
    more[name] = { size, scale, offset, output, values: round(await o.data()) };
  }
  fs.writeFileSync(candidatesOut, JSON.stringify(more) + '\n');
  console.log(`wrote ${candidatesOut}`);
}
