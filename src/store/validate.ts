import { StoreError, type Telemetry } from '../domain/index.js';

/**
 * Cheap checks on what reaches the store. Ingestion validates readings fully (SPEC 2); these only
 * stop a programming error from writing rows that could not be read back, with a message that
 * names the field.
 */
export function assertTelemetryRow(row: Telemetry, index: number): void {
  if (typeof row.machineId !== 'string' || row.machineId.length === 0) {
    throw new StoreError('PW_ERR_STORE_INVALID_ROW', `telemetry[${index}].machineId must be a non-empty string, got ${JSON.stringify(row.machineId)}`);
  }
  if (!Number.isSafeInteger(row.tsMs)) {
    throw new StoreError('PW_ERR_STORE_INVALID_ROW', `telemetry[${index}].tsMs must be an integer epoch ms, got ${String(row.tsMs)}`);
  }
  if (row.seq !== undefined && row.seq !== null && !Number.isSafeInteger(row.seq)) {
    throw new StoreError('PW_ERR_STORE_INVALID_ROW', `telemetry[${index}].seq must be an integer or absent, got ${String(row.seq)}`);
  }
  if (typeof row.values !== 'object' || row.values === null) {
    throw new StoreError('PW_ERR_STORE_INVALID_ROW', `telemetry[${index}].values must be an object, got ${String(row.values)}`);
  }
}

export function assertRange(what: string, fromMs: number, toMs: number): void {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) {
    throw new StoreError('PW_ERR_STORE_INVALID_QUERY', `${what}: fromMs and toMs must be finite epoch ms, got ${fromMs} and ${toMs}`);
  }
}

/** Returns the limit, or undefined for none. */
export function checkLimit(what: string, limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new StoreError('PW_ERR_STORE_INVALID_QUERY', `${what}: limit must be a non-negative integer, got ${String(limit)}`);
  }
  return limit;
}

export function checkUntil(untilMs: number): void {
  if (!Number.isFinite(untilMs)) throw new StoreError('PW_ERR_STORE_INVALID_QUERY', `rollUp: untilMs must be a finite epoch ms, got ${String(untilMs)}`);
}

export const DEFAULT_DEAD_LETTER_LIMIT = 1000;
