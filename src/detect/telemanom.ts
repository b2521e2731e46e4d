import { ValidationError } from '../domain/index.js';

/**
 * Options of the nonparametric dynamic threshold of Hundman et al. 2018 ("Detecting Spacecraft
 * Anomalies Using LSTMs and Nonparametric Dynamic Thresholding", KDD), following telemanom's
 * `errors.py`. Defaults are telemanom's, with the window in points rather than batches.
 */
export interface TelemanomOptions {
  /** Points per threshold window (telemanom: window_size 30 x batch_size 70). Default 2100. */
  windowSize?: number;
  /** Points between window starts (telemanom: batch_size). Default 70. */
  stepSize?: number;
  /** Smallest z tried (telemanom 2.5). */
  zMin?: number;
  /** z limit, exclusive (telemanom sd_lim 12); also the fallback z when no candidate qualifies. */
  zMax?: number;
  zStep?: number;
  /** Points added either side of each flagged point before grouping (telemanom error_buffer 100). */
  errorBuffer?: number;
  /** Minimum percent decrease between successive sequence maxima; weaker ones are pruned (p = 0.13). */
  minPercentDecrease?: number;
  /** A candidate epsilon giving more sequences than this is rejected (telemanom: 5). */
  maxSequences?: number;
  /** A candidate epsilon flagging this fraction of the window or more is rejected (telemanom: 0.5). */
  maxFlaggedFraction?: number;
  /** Errors below this never flag (telemanom ignores max error <= 0.05 on scaled data). Default 0. */
  minError?: number;
}

export const DEFAULT_TELEMANOM_OPTIONS: Readonly<Required<TelemanomOptions>> = Object.freeze({
  windowSize: 2100,
  stepSize: 70,
  zMin: 2.5,
  zMax: 12,
  zStep: 0.5,
  errorBuffer: 100,
  minPercentDecrease: 0.13,
  maxSequences: 5,
  maxFlaggedFraction: 0.5,
  minError: 0,
});

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
const std = (xs: readonly number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length || 1));
};

function bufferedGroups(flagged: readonly number[], n: number, buffer: number): [number, number][] {
  const on = new Uint8Array(n);
  for (const i of flagged) for (let j = Math.max(0, i - buffer + 1); j <= Math.min(n - 1, i + buffer - 1); j++) on[j] = 1;
  const groups: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= n; i++) {
    if (i < n && on[i] && start < 0) start = i;
    if ((i === n || !on[i]) && start >= 0) {
      groups.push([start, i - 1]);
      start = -1;
    }
  }
  return groups;
}

export interface EpsilonChoice {
  epsilon: number;
  z: number;
  /** The telemanom objective at the chosen z (-Infinity when none qualified). */
  objective: number;
}

/**
 * Chooses epsilon = mean + z std for one window of smoothed errors, z maximising
 * (delta mean / mean + delta std / std) / (|E_seq|^2 + |e_a|), where the deltas are what
 * removing the points at or above epsilon takes off mean and std (Hundman et al. eq. 3).
 */
export function findEpsilon(errors: readonly number[], options: TelemanomOptions = {}): EpsilonChoice {
  const o = { ...DEFAULT_TELEMANOM_OPTIONS, ...options };
  const m = mean(errors);
  const sd = std(errors);
  let best: EpsilonChoice = { epsilon: m + o.zMax * sd, z: o.zMax, objective: -Infinity };
  if (!(sd > 0)) return best;
  for (let z = o.zMin; z < o.zMax; z += o.zStep) {
    const epsilon = m + z * sd;
    const below = errors.filter((e) => e < epsilon);
    const above: number[] = [];
    errors.forEach((e, i) => {
      if (e >= epsilon) above.push(i);
    });
    if (above.length === 0) continue;
    const groups = bufferedGroups(above, errors.length, o.errorBuffer).filter(([a, b]) => a !== b);
    const flagged = groups.reduce((s, [a, b]) => s + b - a + 1, 0);
    const objective = ((m - mean(below)) / m + (sd - std(below)) / sd) / (groups.length ** 2 + flagged);
    if (objective >= best.objective && groups.length <= o.maxSequences && flagged < errors.length * o.maxFlaggedFraction) best = { epsilon, z, objective };
  }
  return best;
}

/**
 * Prunes weak sequences: sort the sequences' maxima descending, append the largest error outside
 * every sequence; while the percent decrease to the next value is below p, the sequence is a
 * candidate for removal, and everything from the last big drop onward is removed.
 */
export function pruneSequences(errors: readonly number[], sequences: readonly [number, number][], p: number): [number, number][] {
  if (sequences.length === 0) return [];
  const inSeq = new Uint8Array(errors.length);
  for (const [a, b] of sequences) for (let i = a; i <= b; i++) inSeq[i] = 1;
  let nonAnomMax = 0;
  errors.forEach((e, i) => {
    if (!inSeq[i] && e > nonAnomMax) nonAnomMax = e;
  });
  const maxima = sequences.map(([a, b]) => Math.max(...errors.slice(a, b + 1)));
  const order = maxima.map((_, i) => i).sort((a, b) => maxima[b]! - maxima[a]!);
  const sorted = [...order.map((i) => maxima[i]!), nonAnomMax];
  let remove: number[] = [];
  for (let k = 0; k < sorted.length - 1; k++) {
    if (sorted[k]! > 0 && (sorted[k]! - sorted[k + 1]!) / sorted[k]! < p) remove.push(order[k]!);
    else remove = [];
  }
  const gone = new Set(remove);
  return sequences.filter((_, i) => !gone.has(i));
}

export interface TelemanomResult {
  /** 1 for points inside a kept anomaly sequence. */
  flags: number[];
  /** Kept sequences, inclusive indices into the errors. */
  sequences: [number, number][];
  /** Epsilon per window start. */
  epsilons: { start: number; epsilon: number; z: number }[];
}

/**
 * telemanom's dynamic threshold over a series of smoothed errors: per sliding window choose
 * epsilon, flag points at or above it (buffered, grouped), prune weak sequences, and take the
 * union over windows. Unsupervised: it reads errors, never labels.
 */
export function telemanomThreshold(smoothedErrors: readonly number[], options: TelemanomOptions = {}): TelemanomResult {
  const o = { ...DEFAULT_TELEMANOM_OPTIONS, ...options };
  if (!(o.windowSize >= 1 && o.stepSize >= 1)) throw new ValidationError('PW_ERR_VALIDATION_WINDOW', `telemanom windowSize and stepSize must be >= 1, got ${o.windowSize}, ${o.stepSize}`);
  const n = smoothedErrors.length;
  const flags = new Array<number>(n).fill(0);
  const epsilons: TelemanomResult['epsilons'] = [];
  const starts: number[] = [];
  if (n <= o.windowSize) starts.push(0);
  else {
    for (let s = 0; s + o.windowSize <= n; s += o.stepSize) starts.push(s);
    if (starts[starts.length - 1]! + o.windowSize < n) starts.push(n - o.windowSize);
  }
  for (const start of starts) {
    const win = smoothedErrors.slice(start, start + o.windowSize);
    const { epsilon, z } = findEpsilon(win, o);
    epsilons.push({ start, epsilon, z });
    const above: number[] = [];
    win.forEach((e, i) => {
      if (e >= epsilon && e > o.minError) above.push(i);
    });
    if (above.length === 0) continue;
    const groups = bufferedGroups(above, win.length, o.errorBuffer);
    for (const [a, b] of pruneSequences(win, groups, o.minPercentDecrease)) for (let i = a; i <= b; i++) flags[start + i] = 1;
  }
  const sequences: [number, number][] = [];
  let s = -1;
  for (let i = 0; i <= n; i++) {
    if (i < n && flags[i] && s < 0) s = i;
    if ((i === n || !flags[i]) && s >= 0) {
      sequences.push([s, i - 1]);
      s = -1;
    }
  }
  return { flags, sequences, epsilons };
}
