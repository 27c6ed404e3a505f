// Writes reference outputs of the face models computed by TensorFlow.js
// (pure-JS CPU backend) for a deterministic synthetic input, so the Go
// executor can be checked against them (reference.json).
//
// Usage: testdata/make-reference.sh (installs @tensorflow/tfjs into a temp folder).
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

const models = process.argv[2];
const out = process.argv[3];

// pattern is the synthetic image both sides generate: value i of an
// n-element NHWC tensor is ((i*7919) % 256) * scale + offset.
function pattern(shape, scale, offset) {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = ((i * 7919) % 256) * scale + offset;
  return tf.tensor(v, shape);
}

async function load(name) {
  const json = JSON.parse(fs.readFileSync(path.join(models, `${name}.json`), 'utf8'));
  const specs = [];
  const bufs = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) bufs.push(fs.readFileSync(path.join(models, p)));
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
