/**
 * The engine-independent weights layout, shared by every engine and the saved-model format.
 * In order, all row-major float32:
 *   per LSTM layer (input size I, units H): Wx [I, 4H], Wh [H, 4H], b [4H]; gate order i, f, g, o (Keras);
 *   per ReLU dense layer: W [in, out], b [out];
 *   linear output: W [in, F], b [F].
 */
import type { LstmArchitecture } from '../presets.js';
import { mulberry32 } from './rng.js';

export interface LayerShapes {
  lstm: { inputSize: number; units: number; wx: number; wh: number; b: number }[];
  dense: { inputSize: number; units: number; w: number; b: number; relu: boolean }[];
  total: number;
}

/** Offsets of every tensor in the flat weights array. */
export function layerShapes(arch: LstmArchitecture, inputSize: number): LayerShapes {
  let off = 0;
  let prev = inputSize;
  const lstm: LayerShapes['lstm'] = [];
  for (const h of arch.lstmUnits) {
    const wx = off;
    off += prev * 4 * h;
    const wh = off;
    off += h * 4 * h;
    const b = off;
    off += 4 * h;
    lstm.push({ inputSize: prev, units: h, wx, wh, b });
    prev = h;
  }
  const dense: LayerShapes['dense'] = [];
  const outs = [...arch.denseUnits.map((u) => ({ u, relu: true })), { u: inputSize, relu: false }];
  for (const { u, relu } of outs) {
    const w = off;
    off += prev * u;
    const b = off;
    off += u;
    dense.push({ inputSize: prev, units: u, w, b, relu });
    prev = u;
  }
  return { lstm, dense, total: off };
}

/**
 * Seeded initial weights: Glorot-uniform kernels (Keras default), zero biases, LSTM forget-gate
 * bias 1 (Keras `unit_forget_bias`). Done here, not in an engine, so every engine starts identical.
 */
export function initialWeights(arch: LstmArchitecture, inputSize: number, seed: number): Float32Array {
  const s = layerShapes(arch, inputSize);
  const w = new Float32Array(s.total);
  const rand = mulberry32(seed);
  const glorot = (off: number, fanIn: number, fanOut: number): void => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < fanIn * fanOut; i++) w[off + i] = (rand() * 2 - 1) * limit;
  };
  for (const l of s.lstm) {
    glorot(l.wx, l.inputSize, 4 * l.units);
    glorot(l.wh, l.units, 4 * l.units);
    for (let j = 0; j < l.units; j++) w[l.b + l.units + j] = 1;
  }
  for (const d of s.dense) glorot(d.w, d.inputSize, d.units);
  return w;
}
