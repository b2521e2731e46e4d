/**
 * The low-level contract an engine implements. The training loop, batching, shuffling, early
 * stopping, validation and checks live once in forecaster.ts; engines only do the numerics.
 * All tensors are flat row-major; weights use the layout of params.ts.
 */
import type { EngineInfo } from '../engine.js';

export interface LstmBackend {
  readonly info: EngineInfo;
  setWeights(weights: Float32Array): void;
  getWeights(): Float32Array;
  /** Zeroes Adam's moments and step count. */
  resetOptimizer(): void;
  /**
   * One Adam step on a batch `x [batch, W, F]`, `y [batch, F]` with dropout drawn from
   * `dropoutSeed`; `learningRate` is already decayed. Returns the batch MSE before the update.
   */
  trainBatch(x: Float32Array, y: Float32Array, batch: number, dropoutSeed: number, learningRate: number): number;
  /** MSE and its gradient for the current weights; `dropoutSeed` null disables dropout. */
  gradients(x: Float32Array, y: Float32Array, batch: number, dropoutSeed: number | null): { loss: number; grads: Float32Array };
  /** `[n, W, F]` -> `[n, F]`, no dropout. */
  predict(x: Float32Array, n: number): Float32Array;
  /** One step of `batch` series; updates `h`/`c` per layer in place; returns `[batch, F]`. */
  step(h: Float32Array[], c: Float32Array[], x: Float32Array, batch: number): Float32Array;
  dispose(): void;
}

export interface BackendConfig {
  lstmUnits: readonly number[];
  denseUnits: readonly number[];
  dropout: number;
  inputSize: number;
  windowSize: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}
