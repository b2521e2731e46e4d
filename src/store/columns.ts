import { SENSOR_KINDS, SENSOR_SPECS, type SensorKind } from '../domain/index.js';

/**
 * Telemetry is stored wide: one row per machine per tick, one column per sensor kind (the SENSOR_KINDS
 * names are valid SQL identifiers), so a tick costs one B-tree insert instead of eight.
 * A `mask` column keeps which keys the reading carried, so `null` (sensor sent no value) and an
 * absent key (no such sensor) survive the round trip.
 */
export const SENSOR_COLUMNS: readonly SensorKind[] = SENSOR_KINDS;

/** Bit of each sensor kind in the `mask` (and SQLite `raw_mask`) columns. */
export const SENSOR_BITS: Readonly<Record<SensorKind, number>> = Object.freeze(
  Object.fromEntries(SENSOR_KINDS.map((k, i) => [k, 1 << i])) as Record<SensorKind, number>,
);

/**
 * Integer scale per sensor (1 / device resolution): the SQLite adapter stores a value v as the
 * integer v * scale when that is exact, which SQLite keeps in 1 to 3 bytes instead of 8.
 */
export const SENSOR_SCALES: Readonly<Record<SensorKind, number>> = Object.freeze(
  Object.fromEntries(SENSOR_KINDS.map((k) => [k, Math.round(1 / SENSOR_SPECS[k].resolution)])) as Record<SensorKind, number>,
);

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** Floors an epoch-ms timestamp to its bucket start (correct for negative times too). */
export function bucketStart(tsMs: number, bucketMs: number): number {
  return Math.floor(tsMs / bucketMs) * bucketMs;
}

/** The same floor in SQL (SQLite and PostgreSQL both truncate `%` toward zero). */
export function sqlBucketStart(column: string, bucketMs: number): string {
  return `(${column} - ((${column} % ${bucketMs}) + ${bucketMs}) % ${bucketMs})`;
}

/** Stands for "no bound" in range predicates bound as parameters. */
export const MIN_TS_MS = Number.MIN_SAFE_INTEGER;
export const MAX_TS_MS = Number.MAX_SAFE_INTEGER;
