import type { ModelRegistry, StoreRespondRepositories } from './records/types.js';
import type { AuthRepository, DeadLetter, FaultLabel, Plant, Machine, Resolution, RollupPoint, SensorKind, SeriesPoint, Telemetry } from '../domain/index.js';

export interface TelemetryQuery {
  machineId: string;
  /** Inclusive start, epoch ms. */
  fromMs: number;
  /** Exclusive end, epoch ms. */
  toMs: number;
  /** Most rows returned, oldest first. Default: no limit. */
  limit?: number;
}

export interface SeriesQuery {
  machineId: string;
  sensor: SensorKind;
  fromMs: number;
  toMs: number;
}

export interface RollupQuery extends SeriesQuery {
  resolution: Exclude<Resolution, 'raw'>;
}

export interface LabelQuery {
  machineId?: string;
  fromMs?: number;
  toMs?: number;
}

export interface DeadLetterQuery {
  fromMs?: number;
  source?: string;
  /** Default 1000. */
  limit?: number;
}

export interface WriteResult {
  /** Rows newly stored. */
  inserted: number;
  /** Rows refused because a reading for the same machine and timestamp is already stored. */
  duplicates: Telemetry[];
}

export interface RetentionPolicy {
  nowMs: number;
  /** Raw readings older than this are deleted (after being rolled up). */
  rawMaxAgeMs: number;
  minuteMaxAgeMs: number;
  hourMaxAgeMs: number;
}

export interface RetentionResult {
  rawDeleted: number;
  minuteDeleted: number;
  hourDeleted: number;
}

export interface StoreStats {
  telemetryRows: number;
  labelRows: number;
  deadLetterRows: number;
}

/**
 * Persistence port (STYLE 1, 2): every adapter (SQLite, PostgreSQL) implements it and passes the
 * same contract suite. Methods are async so both adapters share one shape.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies pending migrations; safe to call on every start. */
  migrate(): Promise<void>;
  /** The highest migration version applied (schema_migrations). */
  schemaVersion(): Promise<number>;
  /** Inserts or updates the plant, its areas and machines. */
  savePlant(plant: Plant): Promise<void>;
  loadPlant(plantId: string): Promise<Plant | undefined>;
  listMachines(): Promise<Machine[]>;
  /** Writes a batch in one transaction; duplicates (same machine and tsMs) are returned, not stored. */
  writeTelemetry(batch: readonly Telemetry[]): Promise<WriteResult>;
  queryTelemetry(query: TelemetryQuery): Promise<Telemetry[]>;
  querySeries(query: SeriesQuery): Promise<SeriesPoint[]>;
  queryRollup(query: RollupQuery): Promise<RollupPoint[]>;
  /** Computes 1 min and 1 h roll-ups of raw readings up to `untilMs` (idempotent). */
  rollUp(untilMs: number): Promise<void>;
  applyRetention(policy: RetentionPolicy): Promise<RetentionResult>;
  writeFaultLabels(labels: readonly FaultLabel[]): Promise<void>;
  queryFaultLabels(query: LabelQuery): Promise<FaultLabel[]>;
  writeDeadLetters(letters: readonly DeadLetter[]): Promise<void>;
  queryDeadLetters(query: DeadLetterQuery): Promise<DeadLetter[]>;
  stats(): Promise<StoreStats>;
  /** The responder's alert, action and audit repositories on this database (migration 3). */
  respondRepositories(): StoreRespondRepositories;
  /** The model registry on this database (migration 3). */
  modelRegistry(): ModelRegistry;
  /** Users, sessions, API tokens and sign-in attempts on this database (migration 4). */
  authRepository(): AuthRepository;
  close(): Promise<void>;
}
