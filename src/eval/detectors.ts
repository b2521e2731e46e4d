import { BASELINE_NAMES, type BaselineName } from '../model/baselines/index.js';
import type { EpochRecord, PresetName } from '../model/index.js';
import { baselineWindowModel, lstmWindowModel } from './pipeline/model-adapters.js';
import type { WindowDetectorOptions } from './pipeline/window-detector.js';
import type { DetectorSpec } from './protocols/skab-protocol.js';

export const EVAL_MODEL_NAMES = [...BASELINE_NAMES, 'lstm'] as const;
export type EvalModelName = (typeof EVAL_MODEL_NAMES)[number];

export function isEvalModelName(v: string): v is EvalModelName {
  return (EVAL_MODEL_NAMES as readonly string[]).includes(v);
}

/**
 * Threshold rule of SKAB's own notebooks, fixed before looking at any test row: UCL = the 0.99
 * quantile of the in-sample training scores, alarm above 3/2 UCL (SKAB `notebooks/*.ipynb`,
 * e.g. Vanilla AE: `prediction = ae > 3/2*UCL`).
 */
export const SKAB_THRESHOLD_RULE: Readonly<Pick<WindowDetectorOptions, 'threshold' | 'thresholdOn'>> = Object.freeze({
  thresholdOn: 'train' as const,
  threshold: { method: 'quantile' as const, quantile: 0.99, factor: 1.5 },
});

/** Options of {@link detectorSpec}. */
export interface DetectorSpecOptions {
  seed?: number;
  /** Rows per window for the windowed models (PCA uses single rows, as SKAB's T2+Q). Default 10. */
  windowSize?: number;
  /** LSTM preset. Default 'small' (the 34 SKAB files in about 15 s with the native engine). */
  lstmPreset?: PresetName;
  lstmEpochs?: number;
  /** EWMA factor of the score. Default 0.1. */
  alpha?: number;
  /** Pipeline threshold options; default {@link SKAB_THRESHOLD_RULE}. */
  threshold?: Pick<WindowDetectorOptions, 'threshold' | 'thresholdOn'>;
  onEpoch?: (e: EpochRecord) => void;
}

export const DEFAULT_EVAL_WINDOW = 10;

/** The evaluation preset of each model (fixed a priori; see the report notes). */
export function detectorSpec(name: EvalModelName, options: DetectorSpecOptions = {}): DetectorSpec {
  const seed = options.seed ?? 42;
  const W = options.windowSize ?? DEFAULT_EVAL_WINDOW;
  const base = { alpha: options.alpha ?? 0.1, ...(options.threshold ?? SKAB_THRESHOLD_RULE) };
  if (name === 'lstm') {
    const preset = options.lstmPreset ?? 'small';
    return {
      name: `lstm-${preset}`,
      build: () => lstmWindowModel({ preset, seed, ...(options.lstmEpochs ? { epochs: options.lstmEpochs } : {}), ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}) }),
      pipeline: { windowSize: W, ...base },
    };
  }
  const b: BaselineName = name;
  switch (b) {
    case 'pca':
      return { name: 'pca-t2q', build: () => baselineWindowModel('pca'), pipeline: { windowSize: 1, ...base } };
    case 'rf':
      return { name: 'random-forest', build: () => baselineWindowModel('rf', { seed }), pipeline: { windowSize: W, ...base } };
    case 'svm':
      return { name: 'linear-svr', build: () => baselineWindowModel('svm', { seed }), pipeline: { windowSize: W, ...base } };
    case 'mlp':
      return { name: 'mlp', build: () => baselineWindowModel('mlp', { seed }), pipeline: { windowSize: W, ...base } };
  }
}
