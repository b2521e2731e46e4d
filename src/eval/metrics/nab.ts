import { ValidationError } from '../../domain/index.js';

/** NAB cost matrix (NAB `config/profiles.json`). */
export interface NabProfile {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
  tnWeight: number;
}

/** The published NAB profiles with their weights. */
export const NAB_PROFILES = Object.freeze({
  standard: { tpWeight: 1.0, fpWeight: 0.11, fnWeight: 1.0, tnWeight: 1.0 },
  reward_low_FP_rate: { tpWeight: 1.0, fpWeight: 0.22, fnWeight: 1.0, tnWeight: 1.0 },
  reward_low_FN_rate: { tpWeight: 1.0, fpWeight: 0.11, fnWeight: 2.0, tnWeight: 1.0 },
} satisfies Record<string, NabProfile>);
export type NabProfileName = keyof typeof NAB_PROFILES;

/** NAB's probationary period: the first 15 % of a file (at most 750 rows) is not scored. */
export const DEFAULT_NAB_PROBATIONARY_PERCENT = 0.15;

/** NAB's scaled sigmoid (nab/scorer.py): 2 sigmoid(-5 y) - 1, and -1 far (> 3 widths) past a window. */
export function nabScaledSigmoid(relativePosition: number): number {
  if (relativePosition > 3) return -1;
  return 2 / (1 + Math.exp(5 * relativePosition)) - 1;
}

/** One NAB data file: timestamps, binary detections and label windows (inclusive, epoch ms). */
export interface NabSeries {
  tsMs: readonly number[];
  alarms: readonly number[];
  windows: readonly (readonly [number, number])[];
}

export interface NabFileOptions {
  /** Fraction of the file that is probationary (detections there are ignored). Default 0.15. */
  probationaryPercent?: number;
}

export interface NabFileScore {
  raw: number;
  tp: number;
  fp: number;
  fn: number;
  windows: number;
}

function probationLength(n: number, percent: number): number {
  // nab/util.py getProbationPeriod: min(floor(p * n), p * 5000)
  return Math.min(Math.floor(percent * n), Math.floor(percent * 5000));
}

/**
 * NAB's raw score of one file for one profile. Inside a window the first detection earns
 * tpWeight * sigmoid(position) / sigmoid(-1) (tpWeight at the window start, less towards its
 * end); a window without detection costs fnWeight; a detection outside every window costs
 * fpWeight, scaled by its distance past the preceding window (the full fpWeight when no window
 * precedes it or when it is more than 3 window widths past).
 */
export function nabScoreFile(series: NabSeries, profile: NabProfile, options: NabFileOptions = {}): NabFileScore {
  const { tsMs, alarms } = series;
  if (alarms.length !== tsMs.length) throw new ValidationError('PW_ERR_VALIDATION_LENGTH', `NAB: ${tsMs.length} timestamps, ${alarms.length} detections`);
  const probation = probationLength(tsMs.length, options.probationaryPercent ?? DEFAULT_NAB_PROBATIONARY_PERCENT);
  // Window limits as row indices (the rows whose timestamps fall inside).
  const wins = [...series.windows]
    .sort((a, b) => a[0] - b[0])
    .map(([s, e]) => {
      let left = -1;
      let right = -1;
      tsMs.forEach((t, i) => {
        if (t >= s && t <= e) {
          if (left < 0) left = i;
          right = i;
        }
      });
      return { left, right };
    })
    .filter((w) => w.left >= 0);
  const maxTp = nabScaledSigmoid(-1);
  let raw = 0;
  let tp = 0;
  let fp = 0;
  let w = 0;
  let prev: { right: number; width: number } | undefined;
  const detected = new Set<number>();
  for (let i = 0; i < tsMs.length; i++) {
    while (w < wins.length && i > wins[w]!.right) {
      prev = { right: wins[w]!.right, width: wins[w]!.right - wins[w]!.left + 1 };
      w++;
    }
    if (!alarms[i] || i < probation) continue;
    const cur = wins[w];
    if (cur && i >= cur.left) {
      if (detected.has(w)) continue; // only the first detection in a window counts
      detected.add(w);
      const width = cur.right - cur.left + 1;
      raw += (nabScaledSigmoid(-(cur.right - i + 1) / width) * profile.tpWeight) / maxTp;
      tp++;
    } else {
      const u = prev ? nabScaledSigmoid(Math.abs(prev.right - i) / Math.max(1, prev.width - 1)) : -1;
      raw += u * profile.fpWeight;
      fp++;
    }
  }
  const fn = wins.length - detected.size;
  raw -= fn * profile.fnWeight;
  return { raw, tp, fp, fn, windows: wins.length };
}

export interface NabScore {
  /** Normalised score: 0 = null detector (no detections), 100 = perfect detector. */
  score: number;
  raw: number;
  tp: number;
  fp: number;
  fn: number;
  windows: number;
}

/**
 * NAB's normalised score over a corpus: 100 (S - S_null) / (S_perfect - S_null), where the
 * null detector misses every window (S_null = -fnWeight N) and the perfect one catches every
 * window at its start (S_perfect = tpWeight N).
 */
export function nabScore(files: readonly NabSeries[], profile: NabProfile, options: NabFileOptions = {}): NabScore {
  const per = files.map((f) => nabScoreFile(f, profile, options));
  const sum = (k: keyof NabFileScore): number => per.reduce((s, f) => s + f[k], 0);
  const windows = sum('windows');
  const raw = sum('raw');
  const sNull = -profile.fnWeight * windows;
  const sPerfect = profile.tpWeight * windows;
  return { score: windows ? (100 * (raw - sNull)) / (sPerfect - sNull) : Number.NaN, raw, tp: sum('tp'), fp: sum('fp'), fn: sum('fn'), windows };
}

/** Scores every NAB profile. */
export function nabScoreAllProfiles(files: readonly NabSeries[], options: NabFileOptions = {}): Record<NabProfileName, NabScore> {
  const out = {} as Record<NabProfileName, NabScore>;
  for (const n of Object.keys(NAB_PROFILES) as NabProfileName[]) out[n] = nabScore(files, NAB_PROFILES[n], options);
  return out;
}
