import { describe, expect, it } from 'vitest';
import { ModelError } from '../../domain/index.js';
import { createForecaster, decodeSavedModel, encodeSavedModel, loadForecaster, type EngineName } from '../index.js';
import { loadNativeAddon } from './native-backend.js';
import { mulberry32 } from './rng.js';

const F = 3;
const W = 6;
const nativeOk = loadNativeAddon().addon !== undefined || process.env.PLANTWATCH_REQUIRE_SERVICES === '1';
if (!nativeOk) console.warn(`skipping native cases: ${loadNativeAddon().error}`);
const engines: EngineName[] = nativeOk ? ['portable', 'native'] : ['portable'];

function windows(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const r = mulberry32(seed);
  return { x: new Float32Array(n * W * F).map(() => r()), y: new Float32Array(n * F).map(() => r()) };
}

function expectModelError(fn: () => unknown, code: string, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ModelError);
  expect((caught as ModelError).code).toBe(code);
  expect((caught as ModelError).message).toMatch(message);
}

describe.each(engines)('forecaster on the %s engine', (engine) => {
  it('reports its engine', () => {
    const f = createForecaster({ preset: 'tiny', inputSize: F, windowSize: W, seed: 1, engine });
    expect(f.engine.name).toBe(engine);
    f.dispose();
  });

  it('stateful single-step inference equals whole-window predict', () => {
    const f = createForecaster({ preset: 'small', inputSize: F, windowSize: W, seed: 2, engine });
    const { x } = windows(5, 3);
    const whole = f.predict(x);
    const state = f.createState(5);
    let last: Float32Array = new Float32Array(0);
    for (let t = 0; t < W; t++) {
      const xt = new Float32Array(5 * F);
      for (let b = 0; b < 5; b++) xt.set(x.subarray((b * W + t) * F, (b * W + t + 1) * F), b * F);
      last = f.step(state, xt);
    }
    expect(state.steps).toBe(W);
    for (let i = 0; i < whole.length; i++) expect(Math.abs(last[i]! - whole[i]!)).toBeLessThan(1e-5);
    f.dispose();
  });

  it('predicting many windows equals predicting each alone', () => {
    const f = createForecaster({ preset: 'tiny', inputSize: F, windowSize: W, seed: 4, engine });
    const { x } = windows(7, 5);
    const all = f.predict(x);
    for (let n = 0; n < 7; n++) {
      const one = f.predict(x.slice(n * W * F, (n + 1) * W * F));
      for (let k = 0; k < F; k++) expect(Math.abs(one[k]! - all[n * F + k]!)).toBeLessThan(1e-5);
    }
    f.dispose();
  });

  it('rejects bad shapes and non-finite values with PW_ERR_MODEL_* codes', async () => {
    const f = createForecaster({ preset: 'tiny', inputSize: F, windowSize: W, seed: 1, engine });
    expectModelError(() => f.predict(new Float32Array(W * F + 1)), 'PW_ERR_MODEL_SHAPE', /expected a positive multiple of windowSize x inputSize = 6 x 3 = 18/);
    const bad = new Float32Array(W * F);
    bad[4] = Number.NaN;
    expectModelError(() => f.predict(bad), 'PW_ERR_MODEL_NAN', /x\[4\] is NaN/);
    const { x, y } = windows(4, 1);
    await expect(f.fit({ x, y: y.subarray(1) })).rejects.toMatchObject({ code: 'PW_ERR_MODEL_SHAPE', message: expect.stringMatching(/data\.y has 11 values; expected N x inputSize = 4 x 3 = 12/) });
    const yInf = Float32Array.from(y);
    yInf[2] = Infinity;
    await expect(f.fit({ x, y: yInf })).rejects.toMatchObject({ code: 'PW_ERR_MODEL_NAN' });
    expectModelError(() => f.step(f.createState(2), new Float32Array(F)), 'PW_ERR_MODEL_SHAPE', /expected batch x inputSize = 2 x 3/);
    expectModelError(() => f.setWeights(new Float32Array(3)), 'PW_ERR_MODEL_WEIGHTS', /expected \d+ float32 weights/);
    f.dispose();
    expectModelError(() => f.predict(x), 'PW_ERR_MODEL_DISPOSED', /disposed/);
  });

  it('fits with early stopping on validation loss and restores the best weights', async () => {
    const f = createForecaster({ preset: 'tiny', inputSize: F, windowSize: W, seed: 9, engine });
    const { x, y } = windows(48, 8);
    // Validation targets far below the training ones: the better the fit, the worse validation.
    const val = { x: windows(12, 3).x, y: new Float32Array(12 * F).fill(-3) };
    const seen: number[] = [];
    const h = await f.fit({ x, y }, { epochs: 30, patience: 2, validation: val, onEpoch: (e) => seen.push(e.valLoss) });
    expect(seen.length).toBe(h.epochs.length);
    expect(h.stoppedEarly).toBe(true);
    expect(h.epochs.length).toBe(h.bestEpoch + 2);
    expect(h.restoredBestWeights).toBe(true);
    expect(Math.abs(f.evaluate(val) - h.bestLoss)).toBeLessThan(1e-6 * h.bestLoss);
    f.dispose();
  });

  it('holds out the last windows with validationSplit', async () => {
    const f = createForecaster({ preset: 'tiny', inputSize: F, windowSize: W, seed: 9, engine });
    const { x, y } = windows(40, 8);
    const h = await f.fit({ x, y }, { epochs: 1, validationSplit: 0.25 });
    expect(h.epochs[0]!.samplesPerSec).toBeGreaterThan(0);
    expect(Math.abs(h.epochs[0]!.valLoss - f.evaluate({ x: x.subarray(30 * W * F), y: y.subarray(30 * F) }))).toBeLessThan(1e-7);
    f.dispose();
  });
});

describe('saved-model format', () => {
  it('round-trips save -> encode -> decode -> load -> predict across engines', () => {
    const src = createForecaster({ preset: 'tiny', inputSize: F, windowSize: W, seed: 21, engine: engines.at(-1)! });
    const { x } = windows(4, 2);
    const expected = src.predict(x);
    const scaler = { min: [0, 1, 2], max: [3, 4, 5] };
    const text = encodeSavedModel(src.toSavedModel({ scaler, metrics: { valLoss: 0.5 } }));
    const saved = decodeSavedModel(text);
    expect(saved.metadata).toMatchObject({ preset: 'tiny', engine: src.engine.name, windowSize: W, inputSize: F, scaler, metrics: { valLoss: 0.5 }, formatVersion: 1 });
    for (const engine of engines) {
      const f = loadForecaster(saved, { engine });
      const got = f.predict(x);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - expected[i]!)).toBeLessThan(1e-5);
      f.dispose();
    }
    src.dispose();
  });

  it('rejects damaged files naming the problem', () => {
    const f = createForecaster({ preset: 'tiny', inputSize: F, windowSize: W, seed: 1, engine: 'portable' });
    const obj = JSON.parse(encodeSavedModel(f.toSavedModel())) as Record<string, unknown>;
    expect(() => decodeSavedModel('{')).toThrow(expect.objectContaining({ code: 'PW_ERR_MODEL_FORMAT', message: 'saved model is not valid JSON' }));
    expect(() => decodeSavedModel(JSON.stringify({ ...obj, formatVersion: 99 }))).toThrow(/unsupported formatVersion 99/);
    expect(() => decodeSavedModel(JSON.stringify({ ...obj, weightsBase64: 'AAAA' }))).toThrow(/weights hold 3 bytes/);
    expect(() => decodeSavedModel(JSON.stringify({ ...obj, inputSize: 4 }))).toThrow(/architecture needs \d+ weights; file has \d+/);
    expect(() => createForecaster({ preset: 'huge' as never, inputSize: F, windowSize: W })).toThrow(expect.objectContaining({ code: 'PW_ERR_MODEL_PRESET' }));
  });
});
