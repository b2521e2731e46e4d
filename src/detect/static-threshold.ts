import { ValidationError } from '../domain/index.js';

/** Options for {@link fitStaticThreshold}. Fit on training or validation errors only. */
export type StaticThresholdOptions =
  /** threshold = factor * quantile(errors, q). */
  | { method: 'quantile'; quantile?: number; factor?: number }
  /** threshold = mean + k * std of the errors. */
  | { method: 'mean-std'; k?: number };

export const DEFAULT_THRESHOLD_QUANTILE = 0.99;
export const DEFAULT_THRESHOLD_K = 3;

/** Linear-interpolation quantile (numpy's default), q in [0, 1]. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new ValidationError('PW_ERR_VALIDATION_EMPTY', 'quantile of an empty list');
  if (!(q >= 0 && q <= 1)) throw new ValidationError('PW_ERR_VALIDATION_QUANTILE', `quantile must be in [0, 1], got ${q}`);
  const s = [...values].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/**
 * A static alarm threshold from errors the model saw in training or validation (SPEC 5).
 * The caller must never pass test errors here; `evaluate` proves it in a test.
 */
export function fitStaticThreshold(errors: readonly number[], options: StaticThresholdOptions = { method: 'quantile' }): number {
  const finite = errors.filter((e) => Number.isFinite(e));
  if (finite.length === 0) throw new ValidationError('PW_ERR_VALIDATION_EMPTY', `static threshold needs finite errors, got ${errors.length} values and none finite`);
  if (options.method === 'quantile') return (options.factor ?? 1) * quantile(finite, options.quantile ?? DEFAULT_THRESHOLD_QUANTILE);
  const m = finite.reduce((a, b) => a + b, 0) / finite.length;
  const sd = Math.sqrt(finite.reduce((a, b) => a + (b - m) ** 2, 0) / finite.length);
  return m + (options.k ?? DEFAULT_THRESHOLD_K) * sd;
}

/** 1 where score >= threshold. */
export function applyThreshold(scores: readonly number[], threshold: number): number[] {
  return scores.map((s) => (s >= threshold ? 1 : 0));
}
