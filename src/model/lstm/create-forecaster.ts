/**
 * The factory: builds a forecaster from a preset and a seed on the fastest engine that loads.
 */
import { ModelError } from '../../domain/index.js';
import type { EngineChoice, Forecaster } from '../engine.js';
import { getPreset, type PresetName } from '../presets.js';
import type { SavedModel } from '../saved-model.js';
import { LstmForecaster } from './forecaster.js';
import { loadNativeAddon } from './native-backend.js';

export interface CreateForecasterOptions {
  /** Architecture and training defaults (SPEC 5); see presets.ts. */
  preset: PresetName;
  /** Features per step (F). */
  inputSize: number;
  /** Steps per window (W). */
  windowSize: number;
  /** Seeds initial weights, shuffling and dropout. Default DEFAULT_SEED. */
  seed?: number;
  /** Default 'auto': native when its addon loads, else portable. 'native' throws when it cannot load. */
  engine?: EngineChoice;
  /** Native threads (1 = bit-for-bit deterministic; results are identical for any count anyway). Default: available cores, at most 2. */
  threads?: number;
}

export const DEFAULT_SEED = 42;

/** Whether the native engine can load here, and why not. */
export function nativeEngineStatus(): { available: boolean; reason?: string; simd?: string } {
  const r = loadNativeAddon();
  return r.addon ? { available: true, simd: r.addon.simd() } : { available: false, reason: r.error };
}

/**
 * @example
 * const f = createForecaster({ preset: 'paper', inputSize: 8, windowSize: 50, seed: 7 });
 * log.info({ engine: f.engine }, 'forecaster engine');
 */
export function createForecaster(options: CreateForecasterOptions): Forecaster {
  const arch = getPreset(options.preset);
  for (const k of ['inputSize', 'windowSize'] as const) {
    const v = options[k];
    if (!Number.isInteger(v) || v < 1) throw new ModelError('PW_ERR_MODEL_SHAPE', `${k} must be a positive integer, got ${String(v)}`);
  }
  return new LstmForecaster({
    preset: options.preset,
    architecture: arch,
    inputSize: options.inputSize,
    windowSize: options.windowSize,
    seed: options.seed ?? DEFAULT_SEED,
    engine: options.engine ?? 'auto',
    threads: options.threads,
  });
}

/** Rebuilds a forecaster from a saved model on any engine. */
export function loadForecaster(saved: SavedModel, options: { engine?: EngineChoice; threads?: number } = {}): Forecaster {
  const m = saved.metadata;
  const f = new LstmForecaster({
    preset: m.preset,
    architecture: m.architecture,
    inputSize: m.inputSize,
    windowSize: m.windowSize,
    seed: m.seed,
    engine: options.engine ?? 'auto',
    threads: options.threads,
  });
  f.setWeights(saved.weights);
  return f;
}
