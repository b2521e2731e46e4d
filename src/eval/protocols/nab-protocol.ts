import { ValidationError } from '../../domain/index.js';
import { applyThreshold } from '../../detect/index.js';
import type { NabFile } from '../datasets/nab.js';
import { DEFAULT_NAB_PROBATIONARY_PERCENT, nabScoreAllProfiles, prCurve, rocCurve, type Curve, type NabProfileName, type NabScore } from '../metrics/index.js';
import { fitWindowDetector } from '../pipeline/window-detector.js';
import type { DetectorSpec } from './skab-protocol.js';

export interface NabFileResult {
  name: string;
  tsMs: number[];
  values: number[];
  windows: [number, number][];
  /** Score per row (NaN in the training part). */
  score: number[];
  /** Detections handed to the scorer: rows where the score crosses above the threshold. */
  detections: number[];
  threshold: number;
  predicted: (number | null)[];
}

export interface NabModelResult {
  name: string;
  scores: Record<NabProfileName, NabScore>;
  roc: Curve;
  pr: Curve;
  fitMs: number;
  files: NabFileResult[];
}

export interface NabRunOptions {
  /** Probationary fraction: the detector trains on it and it is not scored (NAB: 0.15). */
  probationaryPercent?: number;
  onProgress?: (done: number, total: number, file: string) => void;
}

/**
 * NAB protocol for a univariate detector: per file, fit on the probationary period only
 * (NAB's first 15 %), score the rest, hand the scorer one detection per threshold crossing
 * (an alert per excursion, as a plant alert would be raised). The threshold is fixed on the
 * probationary rows; NAB's own threshold optimisation over the corpus is not used, since it
 * tunes on the scored data.
 */
export async function evaluateNab(files: readonly NabFile[], spec: DetectorSpec, options: NabRunOptions = {}): Promise<NabModelResult> {
  const p = options.probationaryPercent ?? DEFAULT_NAB_PROBATIONARY_PERCENT;
  const results: NabFileResult[] = [];
  let fitMs = 0;
  let done = 0;
  for (const f of files) {
    const rows = f.values.map((v) => [v]);
    const train = Math.min(Math.floor(p * rows.length), Math.floor(p * 5000));
    if (train < spec.pipeline.windowSize + 12) throw new ValidationError('PW_ERR_VALIDATION_DATASET', `${f.name}: probationary period of ${train} rows is too short for windows of ${spec.pipeline.windowSize}`);
    const t0 = performance.now();
    const det = await fitWindowDetector(spec.build(), rows.slice(0, train), spec.pipeline);
    fitMs += performance.now() - t0;
    const scored = det.score(rows, train);
    const score = [...new Array<number>(train).fill(Number.NaN), ...scored.score];
    const alarms = applyThreshold(score, det.threshold);
    const detections = alarms.map((a, i) => (a && !alarms[i - 1] ? 1 : 0));
    const predicted = [...new Array<number | null>(train).fill(null), ...(scored.predicted ? scored.predicted.map((r) => r[0]!) : new Array<number | null>(scored.score.length).fill(null))];
    results.push({ name: f.name, tsMs: f.tsMs, values: f.values, windows: f.windows, score, detections, threshold: det.threshold, predicted });
    options.onProgress?.(++done, files.length, f.name);
  }
  const allS: number[] = [];
  const allL: number[] = [];
  for (const r of results) {
    r.score.forEach((s, i) => {
      if (Number.isNaN(s)) return;
      allS.push(s / (r.threshold > 0 ? r.threshold : 1));
      const t = r.tsMs[i]!;
      allL.push(r.windows.some(([a, b]) => t >= a && t <= b) ? 1 : 0);
    });
  }
  return {
    name: spec.name,
    scores: nabScoreAllProfiles(results.map((r) => ({ tsMs: r.tsMs, alarms: r.detections, windows: r.windows })), { probationaryPercent: p }),
    roc: rocCurve(allS, allL),
    pr: prCurve(allS, allL),
    fitMs,
    files: results,
  };
}
