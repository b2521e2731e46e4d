import { ValidationError } from '../../domain/index.js';

function sameLength(a: readonly unknown[], b: readonly unknown[], what: string): void {
  if (a.length !== b.length) throw new ValidationError('PW_ERR_VALIDATION_LENGTH', `${what}: predicted has ${a.length} items, actual has ${b.length}`);
  if (a.length === 0) throw new ValidationError('PW_ERR_VALIDATION_EMPTY', `${what}: needs at least one item, got 0`);
}

/** Mean absolute error over all values (rows x columns, or a flat series). */
export function mae(predicted: readonly (number | readonly number[])[], actual: readonly (number | readonly number[])[]): number {
  sameLength(predicted, actual, 'mae');
  let sum = 0;
  let n = 0;
  predicted.forEach((p, i) => {
    const a = actual[i]!;
    const ps = typeof p === 'number' ? [p] : p;
    const as = typeof a === 'number' ? [a] : a;
    ps.forEach((v, c) => {
      sum += Math.abs(v - as[c]!);
      n++;
    });
  });
  return sum / n;
}

/** Root mean squared error over all values. */
export function rmse(predicted: readonly (number | readonly number[])[], actual: readonly (number | readonly number[])[]): number {
  sameLength(predicted, actual, 'rmse');
  let sum = 0;
  let n = 0;
  predicted.forEach((p, i) => {
    const a = actual[i]!;
    const ps = typeof p === 'number' ? [p] : p;
    const as = typeof a === 'number' ? [a] : a;
    ps.forEach((v, c) => {
      sum += (v - as[c]!) ** 2;
      n++;
    });
  });
  return Math.sqrt(sum / n);
}
