import { ValidationError } from '../domain/index.js';
import { quantile } from './static-threshold.js';

/**
 * Dual-rate per-sensor scoring (shared by the streaming detector and the evaluation).
 *
 * Input per tick: each sensor's scale-normalised error (actual - predicted) / scale; the fast
 * rate averages its magnitude. The fast
 * EWMA (`alpha`, the detector's long-standing score) sees steps within a tick or two; the slow
 * EWMA (`slowAlpha`, e.g. 0.03: about 65 ticks of memory) averages the same errors so a small
 * sustained shift of the mean error (a slowly rising current draw, a coolant pressure a little
 * low) stands out from the noise that the fast score must tolerate (telemanom smooths its errors
 * for the same reason). Each rate has its own per-sensor threshold, fitted on fault-free
 * validation errors only; the sensor's ratio is the larger of the two, the machine's the largest.
 * After a break the fast EWMA restarts at the first error and the slow one at the validation
 * mean (`slowStart`), so a single restart reading cannot carry the slow score.
 */

/** Threshold fitting of {@link fitDualRateThresholds}. */
export interface DualRateFitOptions {
  /** Fast EWMA factor. */
  alpha: number;
  /** Slow EWMA factor; null: fast score only (the single-rate rule). */
  slowAlpha: number | null;
  /** Threshold = max(floor, factor x quantile(validation smoothed errors)). */
  quantile: number;
  factor: number;
  /** Floor of a fast threshold in normal-error units. */
  minThreshold: number;
  /** Factor of the slow thresholds (the slow score is smoother). Default: `factor`. */
  slowFactor?: number;
  /** Floor of a slow threshold in normal-error units. Default {@link DEFAULT_SLOW_MIN_THRESHOLD}. */
  slowMinThreshold?: number;
  /**
   * The slow rate averages the SIGNED normalised errors (an EWMA control chart: a sustained bias
   * of the forecast shows linearly, where the mean of |error| grows only slowly with a small
   * shift) and its ratio is |slow| / threshold. Default false: the slow rate averages |error|.
   */
  slowSigned?: boolean;
  /**
   * Feed the slow rate each error capped at its sensor's fast threshold (large errors are the fast
   * rate's; the slow rate is for small shifts), so it does not hold an alert open for hours after a
   * large fault while it decays. Default false.
   */
  slowCapAtFast?: boolean;
}

/**
 * Slow rate of the streaming detector and the evaluation (about 65 one-minute ticks of memory).
 * Chosen on development test seeds of the simulated plant (eval simulated-protocol.ts).
 */
export const DEFAULT_SLOW_ALPHA = 0.03;

/** Slow floor: a sustained mean normalised error 1.5x the noise's (|N(0,1)| averages 0.8). */
export const DEFAULT_SLOW_MIN_THRESHOLD = 1.5;

export interface DualRateThresholds {
  fast: number[];
  /** Cap of the slow rate's input per sensor (slowCapAtFast: the fast thresholds); absent: none. */
  slowCap?: number[] | null;
  /** Null when the slow rate is off. */
  slow: number[] | null;
  /** Slow EWMA value after a restart: the validation mean of each sensor's normalised error. */
  slowStart: number[] | null;
}

/** Per-sensor EWMA state of one machine at two rates. */
export class DualRateScorer {
  readonly fast: Float64Array;
  readonly slow: Float64Array | null;
  private warm = false;

  constructor(
    readonly width: number,
    readonly alpha: number,
    readonly slowAlpha: number | null,
    private readonly slowStart: readonly number[] | null = null,
    readonly slowSigned = false,
    /** Per-sensor cap of the slow rate's input (null: none). */
    private readonly slowCap: readonly number[] | null = null,
  ) {
    if (!(alpha > 0 && alpha <= 1)) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `alpha must be in (0, 1], got ${alpha}`);
    if (slowAlpha !== null && !(slowAlpha > 0 && slowAlpha <= 1)) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `slowAlpha must be in (0, 1] or null, got ${slowAlpha}`);
    this.fast = new Float64Array(width);
    this.slow = slowAlpha === null ? null : new Float64Array(width);
  }

  /** Forget the history (after a data break): the next update restarts both rates. */
  reset(): void {
    this.warm = false;
  }

  /** Folds one tick of signed normalised errors (actual - predicted) / scale in. */
  update(errors: ArrayLike<number>): void {
    const a = this.alpha;
    const sa = this.slowAlpha;
    for (let c = 0; c < this.width; c++) {
      const signed = errors[c]!;
      const v = Math.abs(signed);
      this.fast[c] = this.warm ? a * v + (1 - a) * this.fast[c]! : v;
      if (this.slow && sa !== null) {
        const raw = this.slowSigned ? signed : v;
        const cap = this.slowCap?.[c];
        const x = cap === undefined ? raw : Math.max(-cap, Math.min(cap, raw));
        const prev = this.warm ? this.slow[c]! : (this.slowStart?.[c] ?? x);
        this.slow[c] = sa * x + (1 - sa) * prev;
      }
    }
    this.warm = true;
  }

  /** Ratio of sensor c to its thresholds: the larger of fast/fastThreshold and slow/slowThreshold. */
  sensorRatio(c: number, t: DualRateThresholds): number {
    const f = this.fast[c]! / t.fast[c]!;
    if (!this.slow || !t.slow) return f;
    return Math.max(f, Math.abs(this.slow[c]!) / t.slow[c]!);
  }

  /** The machine's ratio (largest sensor ratio) and that sensor's index. */
  ratio(t: DualRateThresholds): { ratio: number; sensor: number } {
    let r = 0;
    let w = -1;
    for (let c = 0; c < this.width; c++) {
      const x = this.sensorRatio(c, t);
      if (x > r) {
        r = x;
        w = c;
      }
    }
    return { ratio: r, sensor: w };
  }
}

/**
 * Per-sensor thresholds at both rates from fault-free validation errors only. `runs`: the
 * validation's unbroken runs, each a list of ticks of normalised errors (the EWMAs restart at
 * each run, as live after a break).
 */
export function fitDualRateThresholds(runs: readonly (readonly (readonly number[])[])[], width: number, o: DualRateFitOptions): DualRateThresholds {
  const all = runs.flat();
  if (all.length === 0) throw new ValidationError('PW_ERR_VALIDATION_EMPTY', 'dual-rate thresholds need validation errors');
  const signed = o.slowSigned ?? false;
  const slowStart = o.slowAlpha === null ? null : Array.from({ length: width }, (_, c) => all.reduce((s, r) => s + (signed ? r[c]! : Math.abs(r[c]!)), 0) / all.length);
  const ewmas = (cap: readonly number[] | null): { fast: number[][]; slow: number[][] } => {
    const fastCols: number[][] = Array.from({ length: width }, () => []);
    const slowCols: number[][] = Array.from({ length: width }, () => []);
    for (const run of runs) {
      const s = new DualRateScorer(width, o.alpha, o.slowAlpha, slowStart, signed, cap);
      for (const tick of run) {
        s.update(tick);
        for (let c = 0; c < width; c++) {
          fastCols[c]!.push(s.fast[c]!);
          if (s.slow) slowCols[c]!.push(Math.abs(s.slow[c]!));
        }
      }
    }
    return { fast: fastCols, slow: slowCols };
  };
  const first = ewmas(null);
  const fast = first.fast.map((col) => Math.max(o.minThreshold, o.factor * quantile(col, o.quantile)));
  const slowCap = o.slowAlpha !== null && o.slowCapAtFast ? fast : null;
  const slowCols = slowCap ? ewmas(slowCap).slow : first.slow;
  const slow = o.slowAlpha === null ? null : slowCols.map((col) => Math.max(o.slowMinThreshold ?? DEFAULT_SLOW_MIN_THRESHOLD, (o.slowFactor ?? o.factor) * quantile(col, o.quantile)));
  return { fast, slow, slowStart, ...(slowCap ? { slowCap } : {}) };
}
