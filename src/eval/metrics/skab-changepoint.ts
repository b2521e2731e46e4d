import { ValidationError } from '../../domain/index.js';

/** Reward weights of a NAB-style profile: A_tp, A_fp, A_fn (SKAB / TSAD names). */
export interface ChangepointProfile {
  aTp: number;
  aFp: number;
  aFn: number;
}

/** SKAB's three profiles (SOURCE.md, "Change-point-detection task"). */
export const SKAB_CP_PROFILES = Object.freeze({
  standard: { aTp: 1, aFp: -0.11, aFn: -1 },
  lowFp: { aTp: 1, aFp: -0.22, aFn: -1 },
  lowFn: { aTp: 1, aFp: -0.11, aFn: -2 },
} satisfies Record<string, ChangepointProfile>);
export type SkabCpProfileName = keyof typeof SKAB_CP_PROFILES;

/** SKAB's detection window: 60 s to the right of every true change point. */
export const SKAB_CP_WINDOW_MS = 60_000;

/** One file's test part for the change-point score. */
export interface ChangepointSeries {
  tsMs: readonly number[];
  /** Binary outlier output per row; predicted change points are its edges. */
  predicted: readonly number[];
  /** 1 on rows labelled as change points. */
  changepoints: readonly number[];
}

export interface ChangepointFileScore {
  /** Raw score per profile. */
  raw: Record<SkabCpProfileName, number>;
  windows: number;
  missed: number;
  falsePositives: number;
}

export interface ChangepointScore {
  /** Normalised NAB-style score per profile, 0 = null detector, 100 = perfect, 2 decimals. */
  nab: Record<SkabCpProfileName, number>;
  windows: number;
  missed: number;
  falsePositives: number;
}

const GRID = 1000;
const HALF_PI = Math.PI / 2;

/**
 * SKAB's scaled tanh reward for a detection at relative position r in [0, 1] of its window:
 * x from a 1000-point grid over [-pi/2, pi/2] at index floor(1000 r) (clipped to 999),
 * score = A_fp + (A_tp - A_fp) / 2 * (1 - tanh(x) / tanh(pi/2)). A_tp at the start, A_fp at the end.
 */
export function skabTanhReward(r: number, p: ChangepointProfile): number {
  const idx = Math.min(GRID - 1, Math.max(0, Math.floor(GRID * r)));
  const x = -HALF_PI + (idx * Math.PI) / (GRID - 1); // numpy.linspace(-pi/2, pi/2, 1000)[idx]
  return p.aFp + ((p.aTp - p.aFp) / 2) * (1 - Math.tanh(x) / Math.tanh(HALF_PI));
}

/** cp[t] = |pred[t] - pred[t-1]|, the first row takes pred[0]: both edges of a block count. */
export function predictedChangepoints(predicted: readonly number[]): number[] {
  return predicted.map((p, t) => (t === 0 ? (p ? 1 : 0) : Math.abs((p ? 1 : 0) - (predicted[t - 1] ? 1 : 0))));
}

/** Windows [t_cp, t_cp + windowMs], with SKAB's "cut right window" rule for overlaps. */
export function changepointWindows(tsMs: readonly number[], changepoints: readonly number[], windowMs = SKAB_CP_WINDOW_MS): [number, number][] {
  const windows: [number, number][] = [];
  tsMs.forEach((t, i) => {
    if (changepoints[i]) windows.push([t, t + windowMs]);
  });
  for (let k = 1; k < windows.length; k++) {
    const prev = windows[k - 1]!;
    if (windows[k]![0] < prev[1]) windows[k]![0] = prev[1];
  }
  return windows;
}

/** Raw change-point score of one file (SOURCE.md protocol step 3). */
export function skabChangepointFile(series: ChangepointSeries, windowMs = SKAB_CP_WINDOW_MS): ChangepointFileScore {
  const { tsMs, predicted, changepoints } = series;
  if (predicted.length !== tsMs.length || changepoints.length !== tsMs.length) {
    throw new ValidationError('PW_ERR_VALIDATION_LENGTH', `changepoint score: ${tsMs.length} timestamps, ${predicted.length} predictions, ${changepoints.length} labels`);
  }
  const windows = changepointWindows(tsMs, changepoints, windowMs);
  const cps = predictedChangepoints(predicted);
  const detTimes = tsMs.filter((_, i) => cps[i]);
  const raw = { standard: 0, lowFp: 0, lowFn: 0 } as Record<SkabCpProfileName, number>;
  const names = Object.keys(SKAB_CP_PROFILES) as SkabCpProfileName[];
  let missed = 0;
  for (const [start, end] of windows) {
    const first = detTimes.find((t) => t >= start && t <= end);
    for (const n of names) {
      const p = SKAB_CP_PROFILES[n];
      raw[n] += first === undefined ? p.aFn : skabTanhReward((first - start) / (end - start), p);
    }
    if (first === undefined) missed++;
  }
  const falsePositives = detTimes.filter((t) => !windows.some(([s, e]) => t >= s && t <= e)).length;
  for (const n of names) raw[n] += falsePositives * SKAB_CP_PROFILES[n].aFp;
  return { raw, windows: windows.length, missed, falsePositives };
}

/**
 * SKAB's change-point score over many files: raw scores summed, then
 * 100 (S - S_null) / (S_perfect - S_null) with S_null = N A_fn and S_perfect = N A_tp.
 */
export function skabChangepointScore(files: readonly ChangepointSeries[], windowMs = SKAB_CP_WINDOW_MS): ChangepointScore {
  const per = files.map((f) => skabChangepointFile(f, windowMs));
  const windows = per.reduce((s, f) => s + f.windows, 0);
  const nab = {} as Record<SkabCpProfileName, number>;
  for (const n of Object.keys(SKAB_CP_PROFILES) as SkabCpProfileName[]) {
    const p = SKAB_CP_PROFILES[n];
    const total = per.reduce((s, f) => s + f.raw[n], 0);
    const sNull = windows * p.aFn;
    const sPerfect = windows * p.aTp;
    nab[n] = windows ? Math.round((10000 * (total - sNull)) / (sPerfect - sNull)) / 100 : Number.NaN;
  }
  return {
    nab,
    windows,
    missed: per.reduce((s, f) => s + f.missed, 0),
    falsePositives: per.reduce((s, f) => s + f.falsePositives, 0),
  };
}
