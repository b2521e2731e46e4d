import { flattenWindows, windowsToFloat32 } from '../../preprocess/index.js';
import { ModelError } from '../../domain/index.js';
import { createForecaster, type EpochRecord, type Forecaster, type PresetName } from '../../model/index.js';
import { createBaseline, type BaselineName, type BaselineOptionsByName } from '../../model/baselines/index.js';
import type { WindowModel } from './window-detector.js';

/** Adapts a baseline (flat feature vectors) to the window pipeline. */
export function baselineWindowModel<N extends BaselineName>(name: N, options?: BaselineOptionsByName[N]): WindowModel {
  const m = createBaseline(name, options);
  return {
    kind: m.kind,
    async fit(windows, targets) {
      if (m.kind === 'forecast') m.fit(flattenWindows(windows), targets);
      else m.fit(flattenWindows(windows));
    },
    predict: (windows) => m.predict(flattenWindows(windows)),
    score: (windows) => m.score(flattenWindows(windows)),
  };
}

/** Options of {@link lstmWindowModel}. */
export interface LstmWindowModelOptions {
  preset: PresetName;
  seed?: number;
  /** Overrides the preset's epoch count. */
  epochs?: number;
  /** Fraction of training windows (from the end) held out for early stopping. Default 0.2. */
  validationSplit?: number;
  /** Engine threads; 1 avoids thread spin contention on a busy machine. Default 1. */
  threads?: number;
  /** Called after each epoch (progress). */
  onEpoch?: (e: EpochRecord) => void;
}

/**
 * Adapts the LSTM forecaster (issue 3's engine, SPEC 5) to the window pipeline: windows in, next
 * step out; the pipeline turns its per-sensor errors into scores and thresholds.
 */
export function lstmWindowModel(options: LstmWindowModelOptions): WindowModel {
  let f: Forecaster | undefined;
  let F = 0;
  return {
    kind: 'forecast',
    async fit(windows, targets) {
      const W = windows[0]!.length;
      F = windows[0]![0]!.length;
      f?.dispose();
      f = createForecaster({ preset: options.preset, inputSize: F, windowSize: W, seed: options.seed, threads: options.threads ?? 1 });
      await f.fit(
        { x: windowsToFloat32(windows), y: Float32Array.from(targets.flat()) },
        { validationSplit: options.validationSplit ?? 0.2, ...(options.epochs ? { epochs: options.epochs } : {}), ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}) },
      );
    },
    predict(windows) {
      if (!f) throw new ModelError('PW_ERR_MODEL_NOT_FITTED', 'lstm: predict called before fit()');
      const flat = f.predict(windowsToFloat32(windows));
      return windows.map((_, i) => Array.from(flat.subarray(i * F, (i + 1) * F)));
    },
    score() {
      throw new ModelError('PW_ERR_MODEL_KIND', 'lstm is a forecast model; the pipeline scores its prediction errors');
    },
  };
}
