import { ValidationError } from '../domain/index.js';

/** Paper 3.5: 80 % of the history trains, the most recent 20 % validates. */
export const DEFAULT_TRAIN_FRACTION = 0.8;

export interface Split<T> {
  train: T[];
  validation: T[];
  /** Index of the first validation item in the input. */
  splitIndex: number;
}

/**
 * Chronological split: the first `trainFraction` of the (time-ordered) items train, the rest
 * validate. Never shuffled, so the validation part lies strictly after the training part.
 */
export function chronologicalSplit<T>(items: readonly T[], trainFraction = DEFAULT_TRAIN_FRACTION): Split<T> {
  if (!(trainFraction > 0 && trainFraction < 1)) throw new ValidationError('PW_ERR_VALIDATION_SPLIT', `trainFraction must be in (0, 1), got ${trainFraction}`);
  const splitIndex = Math.floor(items.length * trainFraction);
  return { train: items.slice(0, splitIndex), validation: items.slice(splitIndex), splitIndex };
}
