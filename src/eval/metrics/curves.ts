import { ValidationError } from '../../domain/index.js';

export interface CurvePoint {
  x: number;
  y: number;
  /** Score threshold at this point (alarm when score >= threshold). */
  threshold: number;
}

export interface Curve {
  points: CurvePoint[];
  auc: number;
}

/** Distinct thresholds in descending order with the cumulative TP/FP counts above each. */
function sweep(scores: readonly number[], labels: readonly number[]): { thr: number[]; tp: number[]; fp: number[]; pos: number; neg: number } {
  if (scores.length !== labels.length) throw new ValidationError('PW_ERR_VALIDATION_LENGTH', `curve: ${scores.length} scores for ${labels.length} labels`);
  scores.forEach((s, i) => {
    if (Number.isNaN(s)) throw new ValidationError('PW_ERR_VALIDATION_VALUE', `curve: score ${i} is NaN`);
  });
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const thr: number[] = [];
  const tp: number[] = [];
  const fp: number[] = [];
  let t = 0;
  let f = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (labels[i]) t++;
    else f++;
    // Ties share one threshold: emit only after the last item with this score.
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i]) {
      thr.push(scores[i]!);
      tp.push(t);
      fp.push(f);
    }
  }
  return { thr, tp, fp, pos: t, neg: f };
}

/** ROC curve (x = FPR, y = TPR) and its area by the trapezoid rule; 0.5 = chance. */
export function rocCurve(scores: readonly number[], labels: readonly number[]): Curve {
  const { thr, tp, fp, pos, neg } = sweep(scores, labels);
  const points: CurvePoint[] = [{ x: 0, y: 0, threshold: Infinity }];
  thr.forEach((th, k) => points.push({ x: neg ? fp[k]! / neg : 0, y: pos ? tp[k]! / pos : 0, threshold: th }));
  let auc = 0;
  for (let k = 1; k < points.length; k++) auc += ((points[k]!.x - points[k - 1]!.x) * (points[k]!.y + points[k - 1]!.y)) / 2;
  return { points, auc: pos && neg ? auc : Number.NaN };
}

/**
 * Precision-recall curve (x = recall, y = precision) and AUC-PR as average precision
 * (sum over thresholds of (R_k - R_k-1) * P_k, as scikit-learn does: no optimistic interpolation).
 */
export function prCurve(scores: readonly number[], labels: readonly number[]): Curve {
  const { thr, tp, fp, pos } = sweep(scores, labels);
  const points: CurvePoint[] = [{ x: 0, y: 1, threshold: Infinity }];
  let auc = 0;
  let prevR = 0;
  thr.forEach((th, k) => {
    const r = pos ? tp[k]! / pos : 0;
    const p = tp[k]! + fp[k]! ? tp[k]! / (tp[k]! + fp[k]!) : 1;
    auc += (r - prevR) * p;
    prevR = r;
    points.push({ x: r, y: p, threshold: th });
  });
  return { points, auc: pos ? auc : Number.NaN };
}
