import { StoreError } from '../domain/index.js';
import type { RetentionPolicy } from './store.js';
import { bucketStart, HOUR_MS, MAX_TS_MS, MIN_TS_MS, MINUTE_MS } from './columns.js';

/** Persistent progress of one roll-up resolution (table `rollup_state`). */
export interface RollupState {
  /** Every bucket that starts before it has been computed; null before the first roll-up. */
  watermarkMs: number | null;
  /** Earliest source row written below the watermark since the last roll-up (late data). */
  dirtyFromMs: number | null;
  /** Source rows before it were deleted by retention: buckets there are final. */
  horizonMs: number | null;
}

export interface TimeRange {
  /** Inclusive. */
  fromMs: number;
  /** Exclusive. */
  toMs: number;
}

export interface RollupPlan {
  /** 1 min buckets to recompute from raw readings, if any. */
  minute: TimeRange | undefined;
  /** 1 h buckets to recompute from 1 min buckets, if any. */
  hour: TimeRange | undefined;
  minuteWatermarkMs: number;
  hourWatermarkMs: number;
}

function floorOrMin(tsMs: number, bucketMs: number): number {
  return tsMs <= MIN_TS_MS ? MIN_TS_MS : bucketStart(tsMs, bucketMs);
}

/**
 * What `rollUp(untilMs)` recomputes: complete buckets (ending at or before `untilMs`) past the
 * watermark, plus any bucket that late data touched. Recomputing a bucket from its source rows
 * gives the same result every time, so calling it twice is harmless (idempotent). Hour buckets are
 * built from minute buckets, which retention keeps longer than raw readings.
 */
export function planRollup(minute: RollupState, hour: RollupState, untilMs: number): RollupPlan {
  const minuteUntil = bucketStart(untilMs, MINUTE_MS);
  const hourUntil = bucketStart(untilMs, HOUR_MS);
  const minuteWm = minute.watermarkMs ?? MIN_TS_MS;
  const hourWm = hour.watermarkMs ?? MIN_TS_MS;

  const mFrom = floorOrMin(Math.max(Math.min(minute.dirtyFromMs ?? MAX_TS_MS, minuteWm), minute.horizonMs ?? MIN_TS_MS), MINUTE_MS);
  const mTo = Math.max(minuteUntil, minuteWm);
  const minuteRange = mFrom < mTo ? { fromMs: mFrom, toMs: mTo } : undefined;

  const hStart = Math.min(minuteRange ? minuteRange.fromMs : MAX_TS_MS, hourWm);
  const hFrom = floorOrMin(Math.max(hStart, hour.horizonMs ?? MIN_TS_MS), HOUR_MS);
  const hTo = Math.max(hourUntil, hourWm);
  const hourRange = hFrom < hTo ? { fromMs: hFrom, toMs: hTo } : undefined;

  return { minute: minuteRange, hour: hourRange, minuteWatermarkMs: Math.max(minuteWm, minuteUntil), hourWatermarkMs: Math.max(hourWm, hourUntil) };
}

export interface RetentionPlan {
  /** Roll up to here before deleting anything. */
  rollUpUntilMs: number;
  /** Raw readings before it are deleted (a minute boundary, so no minute bucket loses part of its rows). */
  rawCutMs: number;
  /** Minute buckets before it are deleted (an hour boundary). */
  minuteCutMs: number;
  hourCutMs: number;
}

export function planRetention(policy: RetentionPolicy): RetentionPlan {
  for (const key of ['nowMs', 'rawMaxAgeMs', 'minuteMaxAgeMs', 'hourMaxAgeMs'] as const) {
    const value = policy[key];
    if (!Number.isFinite(value) || (key !== 'nowMs' && value < 0)) {
      throw new StoreError('PW_ERR_STORE_INVALID_QUERY', `retention policy ${key} must be a finite${key === 'nowMs' ? '' : ', non-negative'} number of ms, got ${String(value)}`);
    }
  }
  const rawCutMs = bucketStart(policy.nowMs - policy.rawMaxAgeMs, MINUTE_MS);
  const minuteCutMs = bucketStart(policy.nowMs - policy.minuteMaxAgeMs, HOUR_MS);
  const hourCutMs = bucketStart(policy.nowMs - policy.hourMaxAgeMs, HOUR_MS);
  return { rollUpUntilMs: Math.max(rawCutMs, minuteCutMs), rawCutMs, minuteCutMs, hourCutMs };
}
