import { BASELINE_NAMES, type BaselineName } from '../model/baselines/index.js';
import type { EpochRecord, PresetName } from '../model/index.js';
import { baselineWindowModel, lstmWindowModel } from './pipeline/model-adapters.js';
import type { WindowDetectorOptions } from './pipeline/window-detector.js';
import type { DetectorSpec } from './protocols/skab-protocol.js';
import { SKAB_SENSOR_COLUMNS } from './datasets/skab.js';

/**
 * `lstm` is the LSTM forecaster pipeline; on SKAB it runs the variant selected on the valve1 files
 * ({@link SKAB_LSTM_PIPELINE}). `lstm-plain` is the generic LSTM pipeline on every dataset (SKAB's
 * threshold rule, all sensors scored, windows of {@link DEFAULT_EVAL_WINDOW} rows).
 */
export const EVAL_MODEL_NAMES = [...BASELINE_NAMES, 'lstm', 'lstm-plain'] as const;
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
  if (name === 'lstm' || name === 'lstm-plain') {
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

/** The SKAB sensors that are thermal states: motor body and fluid temperature. */
export const SKAB_THERMAL_COLUMNS: readonly number[] = Object.freeze(['Temperature', 'Thermocouple'].map((c) => SKAB_SENSOR_COLUMNS.indexOf(c as (typeof SKAB_SENSOR_COLUMNS)[number])));

/**
 * The SKAB LSTM pipeline (issue 4), chosen on the 16 valve1 files only (criterion: highest F1 with
 * FAR at most 13.55 %, Conv-AE's published FAR) over a grid declared before the search: windows
 * 10 | 30, all sensors | thermal sensors as context only, mean | max of the per-sensor errors,
 * EWMA 0.05 | 0.1, threshold 1.1 | 1.25 | 1.5 x the 0.99 training quantile, alarm hold 0 | 30 rows.
 * The thermal candidate was motivated physically: both temperatures drift for the whole experiment
 * and their 400-row training range is narrow, so their level says little about a fault (it was
 * spotted in per-sensor level shifts over all 34 files, so the held-out files are not fully blind).
 * The other 18 files were not used by the choice and are reported separately (report notes).
 */
export const SKAB_LSTM_PIPELINE = Object.freeze({
  windowSize: 30,
  alpha: 0.05,
  aggregate: 'max' as const,
  thresholdFactor: 1.1,
  scoreColumns: Object.freeze(SKAB_SENSOR_COLUMNS.map((_, c) => c).filter((c) => !SKAB_THERMAL_COLUMNS.includes(c))),
});

/**
 * The evaluation preset of each model on SKAB: {@link detectorSpec}, except `lstm`, which runs
 * {@link SKAB_LSTM_PIPELINE} (explicit `windowSize` / `alpha` options still win).
 */
export function skabDetectorSpec(name: EvalModelName, options: DetectorSpecOptions = {}): DetectorSpec {
  const spec = detectorSpec(name, options);
  if (name !== 'lstm') return spec;
  const p = SKAB_LSTM_PIPELINE;
  return {
    name: `${spec.name}-skab`,
    build: spec.build,
    pipeline: {
      ...spec.pipeline,
      windowSize: options.windowSize ?? p.windowSize,
      alpha: options.alpha ?? p.alpha,
      aggregate: p.aggregate,
      scoreColumns: p.scoreColumns,
      ...(options.threshold ?? { thresholdOn: 'train' as const, threshold: { method: 'quantile' as const, quantile: 0.99, factor: p.thresholdFactor } }),
    },
  };
}
