/**
 * The portable engine: the LSTM stack in plain TypeScript, float64 throughout. Slow but exact; it
 * is the numerical reference the native engine is tested against.
 *
 * Forward per layer and step (Keras LSTM, gate order i, f, g, o):
 *   z = x_t Wx + h_{t-1} Wh + b;  i,f,o = sigmoid;  g = tanh;  c_t = f c_{t-1} + i g;  h_t = o tanh(c_t).
 * Backward is BPTT over the whole window.
 */
import type { EngineInfo } from '../engine.js';
import type { BackendConfig, LstmBackend } from './backend.js';
import { layerShapes, type LayerShapes } from './params.js';
import { dropoutKeep, dropoutKey, dropoutThreshold } from './rng.js';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** The [rows, cols] block at `off` of `w`, transposed to [cols, rows]. */
function transpose(w: Float64Array, off: number, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[off + r * cols + c]!;
  return t;
}

interface LayerCache {
  /** Input sequence [T][B][I] (after the previous layer's dropout). */
  x: Float64Array;
  /** Gate activations [T][B][4H]. */
  act: Float64Array;
  /** Cell states [T][B][H]. */
  c: Float64Array;
  /** Hidden states [T][B][H] (before dropout). */
  h: Float64Array;
}

export class PortableBackend implements LstmBackend {
  readonly info: EngineInfo;
  private readonly cfg: BackendConfig;
  private readonly s: LayerShapes;
  private w: Float64Array;
  private m: Float64Array;
  private v: Float64Array;
  private t = 0;

  constructor(cfg: BackendConfig, fallbackReason?: string) {
    this.cfg = cfg;
    this.s = layerShapes({ lstmUnits: cfg.lstmUnits, denseUnits: cfg.denseUnits } as never, cfg.inputSize);
    this.w = new Float64Array(this.s.total);
    this.m = new Float64Array(this.s.total);
    this.v = new Float64Array(this.s.total);
    this.info = fallbackReason === undefined ? { name: 'portable', simd: 'js', threads: 1 } : { name: 'portable', simd: 'js', threads: 1, fallbackReason };
  }

  setWeights(weights: Float32Array): void {
    this.w = Float64Array.from(weights);
  }

  getWeights(): Float32Array {
    return Float32Array.from(this.w);
  }

  resetOptimizer(): void {
    this.m.fill(0);
    this.v.fill(0);
    this.t = 0;
  }

  /** Forward over a batch; returns output [B][F] plus what backward needs. */
  private forward(x: Float32Array, B: number, dropoutSeed: number | null): { out: Float64Array; caches: LayerCache[]; masks: (Float64Array | null)[]; dense: Float64Array[] } {
    const { windowSize: T, inputSize: F, dropout } = this.cfg;
    const w = this.w;
    let seq: Float64Array = Float64Array.from(x); // [B][T][F] -> reorder to [T][B][F]
    {
      const r = new Float64Array(T * B * F);
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let f = 0; f < F; f++) r[(t * B + b) * F + f] = x[(b * T + t) * F + f]!;
      seq = r;
    }
    const caches: LayerCache[] = [];
    const masks: (Float64Array | null)[] = [];
    const L = this.s.lstm.length;
    for (let l = 0; l < L; l++) {
      const { inputSize: I, units: H, wx, wh, b: bo } = this.s.lstm[l]!;
      const G = 4 * H;
      const act = new Float64Array(T * B * G);
      const c = new Float64Array(T * B * H);
      const h = new Float64Array(T * B * H);
      const z = new Float64Array(G);
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < G; j++) z[j] = w[bo + j]!;
          const xo = (t * B + b) * I;
          for (let k = 0; k < I; k++) {
            const xv = seq[xo + k]!;
            if (xv === 0) continue;
            const ro = wx + k * G;
            for (let j = 0; j < G; j++) z[j]! += xv * w[ro + j]!;
          }
          if (t > 0) {
            const ho = ((t - 1) * B + b) * H;
            for (let k = 0; k < H; k++) {
              const hv = h[ho + k]!;
              const ro = wh + k * G;
              for (let j = 0; j < G; j++) z[j]! += hv * w[ro + j]!;
            }
          }
          const ao = (t * B + b) * G;
          const co = (t * B + b) * H;
          const cp = ((t - 1) * B + b) * H;
          for (let j = 0; j < H; j++) {
            const ig = sigmoid(z[j]!);
            const fg = sigmoid(z[H + j]!);
            const gg = Math.tanh(z[2 * H + j]!);
            const og = sigmoid(z[3 * H + j]!);
            act[ao + j] = ig;
            act[ao + H + j] = fg;
            act[ao + 2 * H + j] = gg;
            act[ao + 3 * H + j] = og;
            const cv = fg * (t > 0 ? c[cp + j]! : 0) + ig * gg;
            c[co + j] = cv;
            h[co + j] = og * Math.tanh(cv);
          }
        }
      }
      caches.push({ x: seq, act, c, h });
      if (l < L - 1) {
        if (dropoutSeed !== null && dropout > 0) {
          const key = dropoutKey(dropoutSeed, l);
          const thr = dropoutThreshold(dropout);
          const scale = 1 / (1 - dropout);
          const mask = new Float64Array(T * B * H);
          const next = new Float64Array(T * B * H);
          for (let e = 0; e < mask.length; e++) {
            mask[e] = dropoutKeep(key, e, thr) ? scale : 0;
            next[e] = h[e]! * mask[e]!;
          }
          masks.push(mask);
          seq = next;
        } else {
          masks.push(null);
          seq = h;
        }
      }
    }
    // Dense head on the last layer's final hidden state.
    const Hl = this.s.lstm[L - 1]!.units;
    let a: Float64Array = caches[L - 1]!.h.slice((T - 1) * B * Hl, T * B * Hl);
    const dense: Float64Array[] = [a];
    for (const d of this.s.dense) {
      const o = new Float64Array(B * d.units);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < d.units; j++) o[b * d.units + j] = w[d.b + j]!;
        for (let k = 0; k < d.inputSize; k++) {
          const av = a[b * d.inputSize + k]!;
          const ro = d.w + k * d.units;
          for (let j = 0; j < d.units; j++) o[b * d.units + j]! += av * w[ro + j]!;
        }
        if (d.relu) for (let j = 0; j < d.units; j++) if (o[b * d.units + j]! < 0) o[b * d.units + j] = 0;
      }
      a = o;
      dense.push(a);
    }
    void F;
    return { out: a, caches, masks, dense };
  }

  gradients(x: Float32Array, y: Float32Array, B: number, dropoutSeed: number | null): { loss: number; grads: Float32Array } {
    const g = this.grad(x, y, B, dropoutSeed);
    return { loss: g.loss, grads: Float32Array.from(g.grads) };
  }

  private grad(x: Float32Array, y: Float32Array, B: number, dropoutSeed: number | null): { loss: number; grads: Float64Array } {
    const { windowSize: T, inputSize: F } = this.cfg;
    const w = this.w;
    const { out, caches, masks, dense } = this.forward(x, B, dropoutSeed);
    const grads = new Float64Array(this.s.total);
    let loss = 0;
    let dA = new Float64Array(B * F);
    for (let i = 0; i < B * F; i++) {
      const d = out[i]! - y[i]!;
      loss += d * d;
      dA[i] = (2 * d) / (B * F);
    }
    loss /= B * F;
    // Dense layers, last to first.
    for (let di = this.s.dense.length - 1; di >= 0; di--) {
      const d = this.s.dense[di]!;
      const aOut = dense[di + 1]!;
      const aIn = dense[di]!;
      if (d.relu) for (let i = 0; i < dA.length; i++) if (aOut[i]! <= 0) dA[i] = 0;
      const dIn = new Float64Array(B * d.inputSize);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < d.units; j++) grads[d.b + j]! += dA[b * d.units + j]!;
        for (let k = 0; k < d.inputSize; k++) {
          const av = aIn[b * d.inputSize + k]!;
          const ro = d.w + k * d.units;
          let s = 0;
          for (let j = 0; j < d.units; j++) {
            const gv = dA[b * d.units + j]!;
            grads[ro + j]! += av * gv;
            s += gv * w[ro + j]!;
          }
          dIn[b * d.inputSize + k] = s;
        }
      }
      dA = dIn;
    }
    // LSTM layers, last to first; dH holds dLoss/dh_t [T][B][H] of the current layer.
    const L = this.s.lstm.length;
    let dH = new Float64Array(T * B * this.s.lstm[L - 1]!.units);
    dH.set(dA, (T - 1) * B * this.s.lstm[L - 1]!.units);
    for (let l = L - 1; l >= 0; l--) {
      const { inputSize: I, units: H, wx, wh, b: bo } = this.s.lstm[l]!;
      const G = 4 * H;
      const { x: xs, act, c, h } = caches[l]!;
      const dZ = new Float64Array(T * B * G);
      const dhNext = new Float64Array(B * H);
      const dcNext = new Float64Array(B * H);
      // Transposed copies turn the dot products below into contiguous multiply-adds (V8 runs
      // those several times faster than a reduction with its loop-carried dependency).
      const whT = transpose(w, wh, H, G);
      const wxT = l > 0 ? transpose(w, wx, I, G) : null;
      for (let t = T - 1; t >= 0; t--) {
        for (let b = 0; b < B; b++) {
          const ao = (t * B + b) * G;
          const co = (t * B + b) * H;
          const cp = ((t - 1) * B + b) * H;
          for (let j = 0; j < H; j++) {
            const ig = act[ao + j]!;
            const fg = act[ao + H + j]!;
            const gg = act[ao + 2 * H + j]!;
            const og = act[ao + 3 * H + j]!;
            const dh = dH[co + j]! + dhNext[b * H + j]!;
            const tc = Math.tanh(c[co + j]!);
            const dc = dh * og * (1 - tc * tc) + dcNext[b * H + j]!;
            const cPrev = t > 0 ? c[cp + j]! : 0;
            dZ[ao + j] = dc * gg * ig * (1 - ig);
            dZ[ao + H + j] = dc * cPrev * fg * (1 - fg);
            dZ[ao + 2 * H + j] = dc * ig * (1 - gg * gg);
            dZ[ao + 3 * H + j] = dh * tc * og * (1 - og);
            dcNext[b * H + j] = dc * fg;
          }
          // dh_{t-1} = dZ_t Wh^T
          const ho = b * H;
          dhNext.fill(0, ho, ho + H);
          for (let j = 0; j < G; j++) {
            const dz = dZ[ao + j]!;
            if (dz === 0) continue;
            const ro = j * H;
            for (let k = 0; k < H; k++) dhNext[ho + k]! += dz * whT[ro + k]!;
          }
        }
      }
      // Weight gradients summed over time.
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const ao = (t * B + b) * G;
          for (let j = 0; j < G; j++) grads[bo + j]! += dZ[ao + j]!;
          const xo = (t * B + b) * I;
          for (let k = 0; k < I; k++) {
            const xv = xs[xo + k]!;
            if (xv === 0) continue;
            const ro = wx + k * G;
            for (let j = 0; j < G; j++) grads[ro + j]! += xv * dZ[ao + j]!;
          }
          if (t > 0) {
            const ho = ((t - 1) * B + b) * H;
            for (let k = 0; k < H; k++) {
              const hv = h[ho + k]!;
              const ro = wh + k * G;
              for (let j = 0; j < G; j++) grads[ro + j]! += hv * dZ[ao + j]!;
            }
          }
        }
      }
      if (l > 0) {
        // dX = dZ Wx^T, then through the previous layer's dropout mask.
        const dX = new Float64Array(T * B * I);
        for (let r = 0; r < T * B; r++) {
          for (let j = 0; j < G; j++) {
            const dz = dZ[r * G + j]!;
            if (dz === 0) continue;
            const ro = j * I;
            for (let k = 0; k < I; k++) dX[r * I + k]! += dz * wxT![ro + k]!;
          }
        }
        const mask = masks[l - 1];
        if (mask) for (let e = 0; e < dX.length; e++) dX[e]! *= mask[e]!;
        dH = dX;
      }
    }
    return { loss, grads };
  }

  trainBatch(x: Float32Array, y: Float32Array, B: number, dropoutSeed: number, learningRate: number): number {
    const { loss, grads } = this.grad(x, y, B, dropoutSeed);
    const { beta1, beta2, epsilon } = this.cfg;
    this.t++;
    const lrT = (learningRate * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
    const { w, m, v } = this;
    for (let i = 0; i < w.length; i++) {
      const gi = grads[i]!;
      m[i] = beta1 * m[i]! + (1 - beta1) * gi;
      v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
      w[i]! -= (lrT * m[i]!) / (Math.sqrt(v[i]!) + epsilon);
    }
    return loss;
  }

  predict(x: Float32Array, n: number): Float32Array {
    return Float32Array.from(this.forward(x, n, null).out);
  }

  step(hs: Float32Array[], cs: Float32Array[], x: Float32Array, B: number): Float32Array {
    const w = this.w;
    let inp: Float64Array = Float64Array.from(x);
    for (let l = 0; l < this.s.lstm.length; l++) {
      const { inputSize: I, units: H, wx, wh, b: bo } = this.s.lstm[l]!;
      const G = 4 * H;
      const hPrev = hs[l]!;
      const cPrev = cs[l]!;
      const hNew = new Float64Array(B * H);
      const z = new Float64Array(G);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < G; j++) z[j] = w[bo + j]!;
        for (let k = 0; k < I; k++) {
          const xv = inp[b * I + k]!;
          const ro = wx + k * G;
          for (let j = 0; j < G; j++) z[j]! += xv * w[ro + j]!;
        }
        for (let k = 0; k < H; k++) {
          const hv = hPrev[b * H + k]!;
          const ro = wh + k * G;
          for (let j = 0; j < G; j++) z[j]! += hv * w[ro + j]!;
        }
        for (let j = 0; j < H; j++) {
          const cv = sigmoid(z[H + j]!) * cPrev[b * H + j]! + sigmoid(z[j]!) * Math.tanh(z[2 * H + j]!);
          cPrev[b * H + j] = cv;
          hNew[b * H + j] = sigmoid(z[3 * H + j]!) * Math.tanh(cv);
        }
      }
      hPrev.set(hNew);
      inp = hNew;
    }
    let a = inp;
    for (const d of this.s.dense) {
      const o = new Float64Array(B * d.units);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < d.units; j++) o[b * d.units + j] = w[d.b + j]!;
        for (let k = 0; k < d.inputSize; k++) {
          const av = a[b * d.inputSize + k]!;
          const ro = d.w + k * d.units;
          for (let j = 0; j < d.units; j++) o[b * d.units + j]! += av * w[ro + j]!;
        }
        if (d.relu) for (let j = 0; j < d.units; j++) if (o[b * d.units + j]! < 0) o[b * d.units + j] = 0;
      }
      a = o;
    }
    return Float32Array.from(a);
  }

  dispose(): void {
    this.w = new Float64Array(0);
  }
}
