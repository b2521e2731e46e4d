import { ValidationError } from '../domain/index.js';

/** A value range a column can physically take (a device's spec range). */
export interface ColumnRange {
  min: number;
  max: number;
}

/** Options for {@link cleanTrainingRows}. */
export interface CleanOptions {
  /** Physical range per column; a value outside is impossible and its row is dropped. `undefined` = no check. */
  ranges?: readonly (ColumnRange | undefined)[];
  /**
   * Robust outlier cut: a value further than `madK` scaled MADs from its column median drops the row.
   * 0 or Infinity disables it. Default {@link DEFAULT_MAD_K}.
   */
  madK?: number;
}

/** 6 scaled MADs: far enough that normal operating changes survive, while spikes and glitches go. */
export const DEFAULT_MAD_K = 6;
/** Makes the MAD a consistent estimator of the standard deviation for normal data. */
const MAD_TO_SD = 1.4826;

export type DropReason = 'incomplete' | 'out_of_range' | 'outlier';

export interface DroppedRow {
  /** Index of the row in the input. */
  index: number;
  column: number;
  reason: DropReason;
  value: number | null;
}

export interface CleanResult {
  rows: number[][];
  /** For each kept row, its index in the input (so labels and timestamps can follow). */
  keptIndex: number[];
  /** Every dropped row with the first reason found; nothing is dropped silently (SPEC 2). */
  dropped: DroppedRow[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Cleans training data (SPEC 4, paper 3.5): drops incomplete records (null / NaN / missing
 * column), values outside the physical range, and robust outliers (median +- k * scaled MAD,
 * computed on the complete in-range rows). Pure: the input is not modified.
 *
 * @example
 * const { rows, dropped } = cleanTrainingRows([[1, 2], [null, 3], [1, 2.1]]);
 * // rows = [[1, 2], [1, 2.1]], dropped[0].reason === 'incomplete'
 */
export function cleanTrainingRows(input: readonly (readonly (number | null | undefined)[])[], options: CleanOptions = {}): CleanResult {
  const madK = options.madK ?? DEFAULT_MAD_K;
  const width = input.reduce((w, r) => Math.max(w, r.length), 0);
  if (options.ranges && options.ranges.length > width && input.length > 0) {
    throw new ValidationError('PW_ERR_VALIDATION_COLUMNS', `ranges has ${options.ranges.length} columns, rows have ${width}`);
  }
  const dropped: DroppedRow[] = [];
  const candidates: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const row = input[i]!;
    let bad: DroppedRow | undefined;
    for (let c = 0; c < width && !bad; c++) {
      const v = row[c];
      if (v === null || v === undefined || !Number.isFinite(v)) bad = { index: i, column: c, reason: 'incomplete', value: v ?? null };
      else {
        const r = options.ranges?.[c];
        if (r && (v < r.min || v > r.max)) bad = { index: i, column: c, reason: 'out_of_range', value: v };
      }
    }
    if (bad) dropped.push(bad);
    else candidates.push(i);
  }
  const keptIndex: number[] = [];
  if (madK > 0 && Number.isFinite(madK) && candidates.length > 0) {
    const centre: number[] = [];
    const spread: number[] = [];
    for (let c = 0; c < width; c++) {
      const col = candidates.map((i) => input[i]![c] as number);
      const m = median(col);
      centre.push(m);
      spread.push(MAD_TO_SD * median(col.map((v) => Math.abs(v - m))));
    }
    for (const i of candidates) {
      const row = input[i]!;
      let bad: DroppedRow | undefined;
      for (let c = 0; c < width && !bad; c++) {
        const v = row[c] as number;
        // A zero MAD (quantised or constant column) would flag every other value; skip that column.
        if (spread[c]! > 0 && Math.abs(v - centre[c]!) > madK * spread[c]!) bad = { index: i, column: c, reason: 'outlier', value: v };
      }
      if (bad) dropped.push(bad);
      else keptIndex.push(i);
    }
    dropped.sort((a, b) => a.index - b.index);
  } else keptIndex.push(...candidates);
  return { rows: keptIndex.map((i) => input[i]!.slice(0, width) as number[]), keptIndex, dropped };
}
