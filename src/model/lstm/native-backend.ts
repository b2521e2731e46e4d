/**
 * The native engine: a thin wrapper over the N-API addon in native/ (float32 kernels, own SGEMM with
 * AVX-512/AVX2 dispatch, OpenMP threads). The addon is optional: when it did not build or does not
 * load, `loadNativeAddon` says why and the factory falls back to the portable engine.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { EngineInfo } from '../engine.js';
import type { BackendConfig, LstmBackend } from './backend.js';
import { layerShapes } from './params.js';

/** Where node-gyp puts the addon (native/binding.gyp, target plantwatch_lstm). */
export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../../../native/build/Release/plantwatch_lstm.node', import.meta.url));

export interface NativeAddon {
  simd(): string;
  maxThreads(): number;
  create(config: BackendConfig & { threads: number }): object;
  destroy(handle: object): void;
  setWeights(handle: object, weights: Float32Array): void;
  getWeights(handle: object, out: Float32Array): void;
  resetOptimizer(handle: object): void;
  trainBatch(handle: object, x: Float32Array, y: Float32Array, batch: number, dropoutSeed: number, learningRate: number): number;
  /** `dropoutSeed` -1 disables dropout. */
  gradients(handle: object, x: Float32Array, y: Float32Array, batch: number, dropoutSeed: number, out: Float32Array): number;
  predict(handle: object, x: Float32Array, n: number, out: Float32Array): void;
  step(handle: object, h: Float32Array[], c: Float32Array[], x: Float32Array, batch: number, out: Float32Array): void;
}

let cached: { addon?: NativeAddon; error?: string } | undefined;

/** Loads the addon once; never throws. */
export function loadNativeAddon(): { addon?: NativeAddon; error?: string } {
  if (cached) return cached;
  try {
    const addon = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as NativeAddon;
    if (typeof addon.create !== 'function') throw new Error('addon lacks create()');
    cached = { addon };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    cached = { error: `${msg} (build it with: npm run build:native)` };
  }
  return cached;
}

export class NativeBackend implements LstmBackend {
  readonly info: EngineInfo;
  private readonly addon: NativeAddon;
  private readonly cfg: BackendConfig;
  private readonly total: number;
  private handle: object | null;

  constructor(addon: NativeAddon, cfg: BackendConfig, threads: number | undefined) {
    this.addon = addon;
    this.cfg = cfg;
    this.total = layerShapes({ lstmUnits: cfg.lstmUnits, denseUnits: cfg.denseUnits } as never, cfg.inputSize).total;
    const t = Math.max(1, Math.min(threads ?? 2, addon.maxThreads()));
    this.handle = addon.create({ ...cfg, lstmUnits: [...cfg.lstmUnits], denseUnits: [...cfg.denseUnits], threads: t });
    this.info = { name: 'native', simd: addon.simd(), threads: t };
  }

  private get h(): object {
    if (!this.handle) throw new Error('native backend disposed');
    return this.handle;
  }

  setWeights(weights: Float32Array): void {
    this.addon.setWeights(this.h, weights);
  }

  getWeights(): Float32Array {
    const out = new Float32Array(this.total);
    this.addon.getWeights(this.h, out);
    return out;
  }

  resetOptimizer(): void {
    this.addon.resetOptimizer(this.h);
  }

  trainBatch(x: Float32Array, y: Float32Array, batch: number, dropoutSeed: number, learningRate: number): number {
    return this.addon.trainBatch(this.h, x, y, batch, dropoutSeed >>> 0, learningRate);
  }

  gradients(x: Float32Array, y: Float32Array, batch: number, dropoutSeed: number | null): { loss: number; grads: Float32Array } {
    const grads = new Float32Array(this.total);
    const loss = this.addon.gradients(this.h, x, y, batch, dropoutSeed === null ? -1 : dropoutSeed >>> 0, grads);
    return { loss, grads };
  }

  predict(x: Float32Array, n: number): Float32Array {
    const out = new Float32Array(n * this.cfg.inputSize);
    this.addon.predict(this.h, x, n, out);
    return out;
  }

  step(h: Float32Array[], c: Float32Array[], x: Float32Array, batch: number): Float32Array {
    const out = new Float32Array(batch * this.cfg.inputSize);
    this.addon.step(this.h, h, c, x, batch, out);
    return out;
  }

  dispose(): void {
    if (this.handle) this.addon.destroy(this.handle);
    this.handle = null;
  }
}
