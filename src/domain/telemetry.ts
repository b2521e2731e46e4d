import type { SensorKind } from './sensors.js';

/**
 * One machine's readings at one tick: the unit of ingestion, storage and detection
 * ("one message" in the ingest benchmark). A `null` value means the sensor reported no value
 * (disconnected, unpowered); an absent key means the machine has no such sensor.
 */
export interface Telemetry {
  machineId: string;
  /** Device timestamp, Unix epoch milliseconds. */
  tsMs: number;
  /** Per-machine message counter; lets duplicates and gaps be told apart from clock skew. */
  seq?: number;
  values: Partial<Record<SensorKind, number | null>>;
}

/** One sensor's value at one time, as returned by series queries. */
export interface SeriesPoint {
  tsMs: number;
  value: number | null;
}

/** An aggregated bucket of a roll-up (1 minute or 1 hour). */
export interface RollupPoint {
  /** Bucket start, epoch ms. */
  tsMs: number;
  count: number;
  min: number;
  max: number;
  mean: number;
}

export type Resolution = 'raw' | '1m' | '1h';
export const ROLLUP_BUCKET_MS: Readonly<Record<Exclude<Resolution, 'raw'>, number>> = Object.freeze({ '1m': 60_000, '1h': 3_600_000 });

/** A rejected input kept with the reason it was refused (SPEC 2: nothing is dropped silently). */
export interface DeadLetter {
  /** Where it came from: `mqtt`, `http`, `csv`. */
  source: string;
  /** MQTT topic, HTTP route or file:line. */
  origin: string;
  receivedAtMs: number;
  /** Stable error code, e.g. PW_ERR_VALIDATION_RANGE. */
  code: string;
  /** Human-readable reason naming the field and the rule. */
  reason: string;
  /** The raw payload, truncated to a bounded size for storage. */
  payload: string;
  machineId?: string;
}
