import { describe, expect, it } from 'vitest';
import type { LstmArchitecture } from '../presets.js';
import { PRESETS } from '../presets.js';
import type { BackendConfig, LstmBackend } from './backend.js';
import { LstmForecaster } from './forecaster.js';
import { NativeBackend, loadNativeAddon } from './native-backend.js';
import { initialWeights } from './params.js';
import { PortableBackend } from './portable-backend.js';
import { mulberry32 } from './rng.js';

// Odd sizes on purpose: exercise the SIMD kernels' tails and the small-batch GEMM path.
const ARCH: LstmArchitecture = { ...PRESETS.tiny, lstmUnits: [20, 12], denseUnits: [6], dropout: 0.25 };
const F = 3;
const W = 7;
const CFG: BackendConfig = { ...ARCH, inputSize: F, windowSize: W };

const loaded = loadNativeAddon();
const requireNative = process.env.PLANTWATCH_REQUIRE_SERVICES === '1';
if (!loaded.addon && !requireNative) {
  console.warn(`skipping native-engine tests: ${loaded.error}`);
}
const describeNative = loaded.addon || requireNative ? describe : describe.skip;

function data(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const r = mulberry32(seed);
  return { x: new Float32Array(n * W * F).map(() => r()), y: new Float32Array(n * F).map(() => r()) };
}

function native(threads = 1, cfg = CFG): NativeBackend {
  if (!loaded.addon) throw new Error(`native addon is required in CI (PLANTWATCH_REQUIRE_SERVICES=1) but did not load: ${loaded.error}`);
  return new NativeBackend(loaded.addon, cfg, threads);
}

/** Central finite differences of the backend's loss (float64 sums), on a sample of weights. */
function gradCheck(be: LstmBackend, x: Float32Array, y: Float32Array, n: number, eps: number): { worst: number; checked: number } {
  const w0 = be.getWeights();
  const { grads } = be.gradients(x, y, n, null);
  const r = mulberry32(3);
  let worst = 0;
  let checked = 0;
  const scale = grads.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
  for (let s = 0; s < 60; s++) {
    const i = Math.floor(r() * w0.length);
    const w = Float32Array.from(w0);
    w[i] = w0[i]! + eps;
    be.setWeights(w);
    const lp = be.gradients(x, y, n, null).loss;
    w[i] = w0[i]! - eps;
    be.setWeights(w);
    const lm = be.gradients(x, y, n, null).loss;
    // The perturbation actually applied in float32.
    const h = Math.fround(w0[i]! + eps) - Math.fround(w0[i]! - eps);
    const fd = (lp - lm) / h;
    worst = Math.max(worst, Math.abs(fd - grads[i]!) / (Math.abs(grads[i]!) + 0.05 * scale));
    checked++;
  }
  be.setWeights(w0);
  return { worst, checked };
}

describe('portable engine', () => {
  it('passes a finite-difference gradient check', () => {
    const be = new PortableBackend(CFG);
    be.setWeights(initialWeights(ARCH, F, 1));
    const { x, y } = data(4, 2);
    expect(gradCheck(be, x, y, 4, 1e-3).worst).toBeLessThan(1e-3);
  });

  it('learns: training loss falls on a smooth series', async () => {
    const f = new LstmForecaster({ preset: 'tiny', architecture: PRESETS.tiny, inputSize: 2, windowSize: 8, seed: 1, engine: 'portable', threads: 1 });
    const N = 120;
    const x = new Float32Array(N * 8 * 2);
    const y = new Float32Array(N * 2);
    const s = (i: number, k: number): number => 0.5 + 0.4 * Math.sin(i * 0.2 + k);
    for (let n = 0; n < N; n++) {
      for (let t = 0; t < 8; t++) for (let k = 0; k < 2; k++) x[(n * 8 + t) * 2 + k] = s(n + t, k);
      for (let k = 0; k < 2; k++) y[n * 2 + k] = s(n + 8, k);
    }
    const h = await f.fit({ x, y }, { epochs: 8, batchSize: 16 });
    expect(h.epochs.at(-1)!.loss).toBeLessThan(h.epochs[0]!.loss / 4);
  });
});

describeNative('native engine', () => {
  it('passes a finite-difference gradient check (float32 forward, float64 loss sum)', () => {
    const be = native();
    be.setWeights(initialWeights(ARCH, F, 1));
    const { x, y } = data(6, 2);
    expect(gradCheck(be, x, y, 6, 1e-2).worst).toBeLessThan(2e-2);
    be.dispose();
  });

  for (const [n, threads] of [
    [3, 1],
    [9, 2],
  ] as const) {
    it(`agrees with the portable engine on the same weights (batch ${n}, ${threads} thread(s), with dropout)`, () => {
      const p = new PortableBackend(CFG);
      const q = native(threads);
      const w = initialWeights(ARCH, F, 5);
      p.setWeights(w);
      q.setWeights(w);
      const { x, y } = data(n, 9);
      const po = p.predict(x, n);
      const qo = q.predict(x, n);
      for (let i = 0; i < po.length; i++) expect(Math.abs(po[i]! - qo[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(po[i]!)));
      for (const seed of [null, 77]) {
        const pg = p.gradients(x, y, n, seed);
        const qg = q.gradients(x, y, n, seed);
        expect(Math.abs(pg.loss - qg.loss)).toBeLessThan(1e-4 * pg.loss);
        const gmax = pg.grads.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
        let worst = 0;
        for (let i = 0; i < pg.grads.length; i++) worst = Math.max(worst, Math.abs(pg.grads[i]! - qg.grads[i]!) / (Math.abs(pg.grads[i]!) + 1e-2 * gmax));
        expect(worst).toBeLessThan(1e-3);
      }
      q.dispose();
    });
  }

  // Large enough per step for the native engine to actually use its threads (lstm.cpp threadsFor).
  const BIG: LstmArchitecture = { ...ARCH, lstmUnits: [64, 48], denseUnits: [16] };
  const BIG_CFG: BackendConfig = { ...BIG, inputSize: F, windowSize: W };

  it('agrees with the portable engine at a size that runs on two threads', () => {
    const p = new PortableBackend(BIG_CFG);
    const q = native(2, BIG_CFG);
    const w = initialWeights(BIG, F, 8);
    p.setWeights(w);
    q.setWeights(w);
    const n = 24;
    const { x, y } = data(n, 10);
    const pg = p.gradients(x, y, n, 5);
    const qg = q.gradients(x, y, n, 5);
    const gmax = pg.grads.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
    let worst = 0;
    for (let i = 0; i < pg.grads.length; i++) worst = Math.max(worst, Math.abs(pg.grads[i]! - qg.grads[i]!) / (Math.abs(pg.grads[i]!) + 1e-2 * gmax));
    expect(worst).toBeLessThan(1e-3);
    q.dispose();
  });

  it('predicts with new weights after setWeights (no stale packed copies)', () => {
    const q = native(2, BIG_CFG);
    const p = new PortableBackend(BIG_CFG);
    const { x } = data(24, 13);
    q.setWeights(initialWeights(BIG, F, 1));
    q.predict(x, 24);
    const w2 = initialWeights(BIG, F, 2);
    q.setWeights(w2);
    p.setWeights(w2);
    const qo = q.predict(x, 24);
    const po = p.predict(x, 24);
    for (let i = 0; i < po.length; i++) expect(Math.abs(po[i]! - qo[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(po[i]!)));
    q.dispose();
  });

  it('gives the same weights bit for bit on one and on two threads', () => {
    const w = initialWeights(BIG, F, 8);
    const { x, y } = data(24, 12);
    const trained = (threads: number): Buffer => {
      const q = native(threads, BIG_CFG);
      q.setWeights(w);
      for (let i = 0; i < 3; i++) q.trainBatch(x, y, 24, i, 1e-3);
      const out = Buffer.from(q.getWeights().buffer);
      q.dispose();
      return out;
    };
    expect(trained(1).equals(trained(2))).toBe(true);
  });

  it('gives bit-identical trained weights for the same seed on one thread', async () => {
    const train = async (): Promise<Float32Array> => {
      const f = new LstmForecaster({ preset: 'tiny', architecture: ARCH, inputSize: F, windowSize: W, seed: 11, engine: 'native', threads: 1 });
      const { x, y } = data(40, 4);
      await f.fit({ x, y }, { epochs: 2, batchSize: 8 });
      const w = f.getWeights();
      f.dispose();
      return w;
    };
    const a = await train();
    const b = await train();
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    const init = initialWeights(ARCH, F, 11);
    expect(Buffer.from(a.buffer).equals(Buffer.from(init.buffer))).toBe(false);
  });

  it('trains like the portable engine over several Adam steps', async () => {
    const mk = (engine: 'native' | 'portable'): LstmForecaster =>
      new LstmForecaster({ preset: 'tiny', architecture: ARCH, inputSize: F, windowSize: W, seed: 3, engine, threads: 2 });
    const { x, y } = data(32, 6);
    const a = mk('native');
    const b = mk('portable');
    const ha = await a.fit({ x, y }, { epochs: 2, batchSize: 8 });
    const hb = await b.fit({ x, y }, { epochs: 2, batchSize: 8 });
    for (let e = 0; e < 2; e++) expect(Math.abs(ha.epochs[e]!.loss - hb.epochs[e]!.loss)).toBeLessThan(1e-4);
    const pa = a.predict(x);
    const pb = b.predict(x);
    for (let i = 0; i < pa.length; i++) expect(Math.abs(pa[i]! - pb[i]!)).toBeLessThan(1e-3);
  });
});
