import { ValidationError } from '../domain/index.js';

/** Options for {@link slidingWindows}. */
export interface WindowOptions {
  /** Steps per input window (W). */
  windowSize: number;
  /** Steps between the window's last row and the target row. Default 1 (next step). */
  horizon?: number;
  /** Steps between consecutive window starts. Default 1 (fully overlapping, paper 3.5). */
  stride?: number;
}

export interface Windows {
  /** X[k] = rows[start_k .. start_k + W - 1] (copies). */
  X: number[][][];
  /** y[k] = rows[start_k + W - 1 + horizon]. */
  y: number[][];
  /** Index of y[k] in the input rows, so predictions can be laid back on the time axis. */
  targetIndex: number[];
}

/** Number of windows {@link slidingWindows} makes from `n` rows. */
export function windowCount(n: number, windowSize: number, horizon = 1, stride = 1): number {
  const last = n - windowSize - horizon; // last valid start
  return last < 0 ? 0 : Math.floor(last / stride) + 1;
}

/**
 * Overlapping sliding windows: W steps in, the step `horizon` later out (SPEC 4).
 *
 * @example
 * slidingWindows([[1], [2], [3], [4]], { windowSize: 2 });
 * // X = [[[1],[2]], [[2],[3]]], y = [[3], [4]], targetIndex = [2, 3]
 */
export function slidingWindows(rows: readonly (readonly number[])[], options: WindowOptions): Windows {
  const { windowSize } = options;
  const horizon = options.horizon ?? 1;
  const stride = options.stride ?? 1;
  if (!Number.isInteger(windowSize) || windowSize < 1) throw new ValidationError('PW_ERR_VALIDATION_WINDOW', `windowSize must be an integer >= 1, got ${windowSize}`);
  if (!Number.isInteger(horizon) || horizon < 0) throw new ValidationError('PW_ERR_VALIDATION_WINDOW', `horizon must be an integer >= 0, got ${horizon}`);
  if (!Number.isInteger(stride) || stride < 1) throw new ValidationError('PW_ERR_VALIDATION_WINDOW', `stride must be an integer >= 1, got ${stride}`);
  const count = windowCount(rows.length, windowSize, horizon, stride);
  const X: number[][][] = [];
  const y: number[][] = [];
  const targetIndex: number[] = [];
  for (let k = 0; k < count; k++) {
    const start = k * stride;
    X.push(rows.slice(start, start + windowSize).map((r) => [...r]));
    const t = start + windowSize - 1 + horizon;
    y.push([...rows[t]!]);
    targetIndex.push(t);
  }
  return { X, y, targetIndex };
}

/** Row-major flattening of one window (W x F -> W*F) for models that take feature vectors. */
export function flattenWindow(window: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (const row of window) for (const v of row) out.push(v);
  return out;
}

/** Flattens every window. */
export function flattenWindows(windows: readonly (readonly (readonly number[])[])[]): number[][] {
  return windows.map(flattenWindow);
}

/** All windows in one row-major Float32Array (N x W x F), the LSTM engine's input layout. */
export function windowsToFloat32(windows: readonly (readonly (readonly number[])[])[]): Float32Array {
  const W = windows[0]?.length ?? 0;
  const F = windows[0]?.[0]?.length ?? 0;
  const out = new Float32Array(windows.length * W * F);
  let k = 0;
  for (const w of windows) for (const row of w) for (const v of row) out[k++] = v;
  return out;
}
