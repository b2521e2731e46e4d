import { ValidationError } from '../../domain/index.js';

/** Counts of a binary detector against binary labels. */
export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export function emptyConfusion(): Confusion {
  return { tp: 0, fp: 0, tn: 0, fn: 0 };
}

/** Point-wise confusion counts; any non-zero value counts as 1. */
export function confusion(predicted: readonly number[], labels: readonly number[]): Confusion {
  if (predicted.length !== labels.length) throw new ValidationError('PW_ERR_VALIDATION_LENGTH', `confusion: ${predicted.length} predictions for ${labels.length} labels`);
  const c = emptyConfusion();
  for (let i = 0; i < labels.length; i++) {
    const p = predicted[i] ? 1 : 0;
    const l = labels[i] ? 1 : 0;
    if (p && l) c.tp++;
    else if (p) c.fp++;
    else if (l) c.fn++;
    else c.tn++;
  }
  return c;
}

/** Sums confusions (micro-averaging over files, as SKAB does). */
export function addConfusion(a: Confusion, b: Confusion): Confusion {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, tn: a.tn + b.tn, fn: a.fn + b.fn };
}

export interface PointMetrics extends Confusion {
  precision: number;
  recall: number;
  f1: number;
  /** False positive rate FP / (FP + TN). */
  fpr: number;
  /** Positive predictive value; the same number as precision, named as the paper does. */
  ppv: number;
}

const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);

/** Precision, recall, F1, FPR and PPV from counts. An empty denominator gives 0. */
export function pointMetrics(c: Confusion): PointMetrics {
  const precision = ratio(c.tp, c.tp + c.fp);
  const recall = ratio(c.tp, c.tp + c.fn);
  const f1 = ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
  return { ...c, precision, recall, f1, fpr: ratio(c.fp, c.fp + c.tn), ppv: precision };
}

/** SKAB's outlier-detection figures (SOURCE.md protocol step 2). */
export interface SkabOutlierScore {
  f1: number;
  /** False alarm rate, %. */
  far: number;
  /** Missing alarm rate, %. */
  mar: number;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * SKAB's F1 / FAR / MAR from micro-averaged counts, exactly as SKAB's `core/metrics.py` does:
 * F1 = TP / (TP + (FP + FN) / 2), FAR = 100 FP / (FP + TN), MAR = 100 FN / (FN + TP), each
 * rounded to 2 decimals.
 */
export function skabOutlierScore(c: Confusion, round = true): SkabOutlierScore {
  const r = round ? round2 : (x: number) => x;
  return {
    f1: r(ratio(c.tp, c.tp + (c.fp + c.fn) / 2)),
    far: r(100 * ratio(c.fp, c.fp + c.tn)),
    mar: r(100 * ratio(c.fn, c.fn + c.tp)),
  };
}
