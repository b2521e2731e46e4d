import { ValidationError } from '../domain/index.js';

/** Smoothing of prediction errors (SPEC 5; telemanom smooths with an EWMA). */
export const DEFAULT_EWMA_ALPHA = 0.1;

/**
 * Exponentially weighted moving average: s_0 = x_0, s_t = alpha x_t + (1 - alpha) s_t-1.
 * alpha = 1 returns the input unchanged. Causal: s_t uses only x_0..x_t.
 */
export function ewma(values: readonly number[], alpha = DEFAULT_EWMA_ALPHA): number[] {
  if (!(alpha > 0 && alpha <= 1)) throw new ValidationError('PW_ERR_VALIDATION_ALPHA', `EWMA alpha must be in (0, 1], got ${alpha}`);
  const out: number[] = [];
  let s = 0;
  values.forEach((v, i) => {
    s = i === 0 ? v : alpha * v + (1 - alpha) * s;
    out.push(s);
  });
  return out;
}

/** Options for {@link scoreForecastErrors}. */
export interface ErrorScoreOptions {
  /** EWMA smoothing factor per sensor. Default {@link DEFAULT_EWMA_ALPHA}. */
  alpha?: number;
  /**
   * Per-sensor divisor so sensors with different noise weigh alike (e.g. the training error
   * std per sensor). Default 1 for every sensor.
   */
  sensorScale?: readonly number[];
  /** How per-sensor smoothed errors become one score: mean (default) or max. */
  aggregate?: 'mean' | 'max';
}

export interface ErrorScores {
  /** actual - predicted, per step and sensor (sign gives the direction). */
  residuals: number[][];
  /** |residual| / scale, EWMA-smoothed, per step and sensor. */
  smoothed: number[][];
  /** One anomaly score per step (higher = more anomalous). */
  score: number[];
}

/**
 * Per-sensor prediction errors, smoothed, and one score per step (SPEC 5: "anomaly score from
 * the prediction error per sensor, smoothed").
 *
 * @example
 * scoreForecastErrors([[1, 1]], [[1, 3]], { alpha: 1 }).score; // [1]
 */
export function scoreForecastErrors(predicted: readonly (readonly number[])[], actual: readonly (readonly number[])[], options: ErrorScoreOptions = {}): ErrorScores {
  if (predicted.length !== actual.length) throw new ValidationError('PW_ERR_VALIDATION_LENGTH', `${predicted.length} predictions for ${actual.length} actual rows`);
  const width = actual[0]?.length ?? 0;
  const scale = options.sensorScale ?? new Array<number>(width).fill(1);
  if (scale.length !== width) throw new ValidationError('PW_ERR_VALIDATION_COLUMNS', `sensorScale has ${scale.length} entries, rows have ${width} sensors`);
  const residuals = actual.map((row, i) => {
    const p = predicted[i]!;
    if (p.length !== row.length) throw new ValidationError('PW_ERR_VALIDATION_COLUMNS', `row ${i}: prediction has ${p.length} sensors, actual ${row.length}`);
    return row.map((v, c) => v - p[c]!);
  });
  const alpha = options.alpha ?? DEFAULT_EWMA_ALPHA;
  const columns: number[][] = [];
  for (let c = 0; c < width; c++) {
    const s = scale[c]! > 0 ? scale[c]! : 1;
    columns.push(ewma(residuals.map((r) => Math.abs(r[c]!) / s), alpha));
  }
  const smoothed = residuals.map((_, i) => columns.map((col) => col[i]!));
  const score = smoothed.map((row) => (row.length === 0 ? 0 : options.aggregate === 'max' ? Math.max(...row) : row.reduce((a, b) => a + b, 0) / row.length));
  return { residuals, smoothed, score };
}

/** Standard deviation per column (population). Used as the per-sensor error scale. */
export function columnStd(rows: readonly (readonly number[])[]): number[] {
  const width = rows[0]?.length ?? 0;
  const out: number[] = [];
  for (let c = 0; c < width; c++) {
    const m = rows.reduce((s, r) => s + r[c]!, 0) / rows.length;
    out.push(Math.sqrt(rows.reduce((s, r) => s + (r[c]! - m) ** 2, 0) / rows.length));
  }
  return out;
}
