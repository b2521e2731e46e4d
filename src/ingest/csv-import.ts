import { parse, type CsvError } from 'csv-parse';
import type { Readable } from 'node:stream';
import { SENSOR_KINDS, ValidationError, isSensorKind } from '../domain/index.js';
import type { Ingestor } from './ingestor.js';
import { VALIDATION_CODES } from './validate.js';

/**
 * CSV layout (documented for `plantwatch import --csv`):
 * - a header row; column names are case-sensitive;
 * - `tsMs` (epoch milliseconds) or `ts` (ISO-8601 with a zone, e.g. 2026-01-01T00:00:00Z);
 * - `machineId`, unless every row is one machine given with `--machine`;
 * - optional `seq`;
 * - one column per sensor kind (temperature, humidity, vibration, speed, current, gas,
 *   coolant_pressure, supply_voltage), any subset, any order; an empty cell is a missing value (null).
 * Rows are validated like live telemetry except that old timestamps are allowed (history);
 * a bad row is dead-lettered as `file:line` and the import goes on.
 */
export const CSV_COLUMNS_HELP = `columns: tsMs|ts, machineId (or --machine), [seq], then any of ${SENSOR_KINDS.join(', ')}`;

export interface CsvProgress {
  /** Data rows read so far. */
  rows: number;
  /** Bytes read so far. */
  bytes: number;
}

export interface CsvImportOptions {
  /** Name used in dead-letter origins (`name:line`). */
  fileName: string;
  /** Every row belongs to this machine (no machineId column needed). */
  machineId?: string;
  /** Called at most every `progressIntervalMs` while importing. */
  onProgress?: (progress: CsvProgress) => void;
  /** Default 250. */
  progressIntervalMs?: number;
}

export interface CsvImportSummary {
  file: string;
  rows: number;
  /** Rows stored (some possibly with single fields refused). */
  stored: number;
  /** Rows refused whole (including duplicates). */
  rejected: number;
  duplicates: number;
  /** Single values refused inside stored rows. */
  fieldsRejected: number;
  /** Dead letters by code. */
  rejectedByCode: Record<string, number>;
  elapsedMs: number;
  rowsPerSecond: number;
}

const META_COLUMNS = new Set(['tsMs', 'ts', 'machineId', 'seq']);

/**
 * Streams a CSV of history into the store through the ingestor, waiting whenever the writer is
 * saturated, and resolves with a summary once every row is committed.
 * @example const summary = await importCsv(createReadStream('history.csv'), ingestor, { fileName: 'history.csv' });
 */
export async function importCsv(input: Readable, ingestor: Ingestor, options: CsvImportOptions): Promise<CsvImportSummary> {
  const started = performance.now();
  const summary: CsvImportSummary = { file: options.fileName, rows: 0, stored: 0, rejected: 0, duplicates: 0, fieldsRejected: 0, rejectedByCode: {}, elapsedMs: 0, rowsPerSecond: 0 };
  const countCode = (code: string): void => {
    summary.rejectedByCode[code] = (summary.rejectedByCode[code] ?? 0) + 1;
  };
  let bytes = 0;
  input.on('data', (chunk: Buffer | string) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  });
  const skipped: Array<{ line: number; message: string; raw: string }> = [];
  const parser = input.pipe(
    parse({
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      skip_records_with_error: true,
      on_skip: (err: CsvError | undefined, raw: string | undefined) => {
        skipped.push({ line: (err as (CsvError & { lines?: number }) | undefined)?.lines ?? 0, message: err?.message ?? 'unparsable row', raw: raw ?? '' });
        return undefined;
      },
    }),
  );

  let header: string[] | undefined;
  let pending = 0;
  let lastProgressMs = 0;
  const progressEveryMs = options.progressIntervalMs ?? 250;
  let failure: unknown;
  const track = (p: Promise<unknown>): void => {
    pending++;
    p.then(
      () => {
        pending--;
      },
      (err: unknown) => {
        pending--;
        failure ??= err;
      },
    );
  };

  const flushSkipped = (): void => {
    for (const s of skipped.splice(0)) {
      summary.rows++;
      summary.rejected++;
      countCode(VALIDATION_CODES.schema);
      track(ingestor.reject({ source: 'csv', origin: `${options.fileName}:${s.line}` }, { code: VALIDATION_CODES.schema, field: 'row', reason: `row: not valid CSV (${s.message})` }, s.raw).committed);
    }
  };

  for await (const entry of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    flushSkipped();
    const { record, info } = entry;
    if (!header) {
      header = record;
      checkHeader(header, options);
      continue;
    }
    summary.rows++;
    const origin = `${options.fileName}:${info.lines}`;
    if (record.length !== header.length) {
      summary.rejected++;
      countCode(VALIDATION_CODES.schema);
      track(ingestor.reject({ source: 'csv', origin }, { code: VALIDATION_CODES.schema, field: 'row', reason: `row: has ${record.length} columns, the header has ${header.length}` }, record.join(',')).committed);
      continue;
    }
    const obj = rowToTelemetry(header, record, options.machineId);
    const outcome = ingestor.ingestObject(obj, { source: 'csv', origin, history: true }, () => record.join(','));
    if (outcome.accepted) {
      summary.fieldsRejected += outcome.rejections.length;
      for (const r of outcome.rejections) countCode(r.code);
      track(
        outcome.committed.then((o) => {
          if (o === 'stored') summary.stored++;
          else if (o === 'duplicate') {
            summary.duplicates++;
            summary.rejected++;
            countCode(VALIDATION_CODES.duplicate);
          } else summary.rejected++;
        }),
      );
    } else {
      summary.rejected++;
      for (const r of outcome.rejections) countCode(r.code);
      if (outcome.rejections[0]?.code === VALIDATION_CODES.duplicate) summary.duplicates++;
      track(outcome.committed);
    }
    if (ingestor.writer.saturated) await ingestor.writer.whenNotSaturated();
    const now = performance.now();
    if (options.onProgress && now - lastProgressMs >= progressEveryMs) {
      lastProgressMs = now;
      options.onProgress({ rows: summary.rows, bytes });
    }
  }
  flushSkipped();
  if (!header) throw new ValidationError('PW_ERR_VALIDATION_CSV_EMPTY', `${options.fileName}: the file is empty; expected a header row (${CSV_COLUMNS_HELP})`);
  // Every row is queued: write them and wait until each commit has been counted.
  while (pending > 0) {
    await ingestor.writer.flush();
    await new Promise((r) => setImmediate(r));
  }
  if (failure !== undefined) throw failure;
  options.onProgress?.({ rows: summary.rows, bytes });
  summary.elapsedMs = Math.round(performance.now() - started);
  summary.rowsPerSecond = summary.elapsedMs > 0 ? Math.round((summary.rows * 1000) / summary.elapsedMs) : summary.rows;
  return summary;
}

/** Fails fast on a header that cannot work, naming the column (no row of such a file could be stored). */
function checkHeader(header: readonly string[], options: CsvImportOptions): void {
  const where = `${options.fileName}:1`;
  const unknown = header.filter((h) => !META_COLUMNS.has(h) && !isSensorKind(h));
  if (unknown.length > 0) {
    throw new ValidationError('PW_ERR_VALIDATION_CSV_HEADER', `${where}: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}; expected ${CSV_COLUMNS_HELP}`);
  }
  if (!header.includes('tsMs') && !header.includes('ts')) {
    throw new ValidationError('PW_ERR_VALIDATION_CSV_HEADER', `${where}: no timestamp column; expected tsMs or ts (${CSV_COLUMNS_HELP})`);
  }
  if (!header.includes('machineId') && options.machineId === undefined) {
    throw new ValidationError('PW_ERR_VALIDATION_CSV_HEADER', `${where}: no machineId column; add one or pass --machine <id>`);
  }
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new ValidationError('PW_ERR_VALIDATION_CSV_HEADER', `${where}: column "${h}" appears twice`);
    seen.add(h);
  }
}

/** Turns a row into the telemetry payload shape; cells stay strings where they are not numbers, so validation can name them. */
function rowToTelemetry(header: readonly string[], record: readonly string[], machineId: string | undefined): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  const values: Record<string, unknown> = {};
  if (machineId !== undefined) obj.machineId = machineId;
  for (let i = 0; i < header.length; i++) {
    const name = header[i]!;
    const cell = record[i]!;
    if (name === 'machineId') {
      if (machineId === undefined || cell !== '') obj.machineId = cell;
    } else if (name === 'ts') {
      obj.ts = cell;
    } else if (name === 'tsMs' || name === 'seq') {
      obj[name] = cell === '' ? undefined : numberOrString(cell);
    } else {
      values[name] = cell === '' ? null : numberOrString(cell);
    }
  }
  obj.values = values;
  return obj;
}

function numberOrString(cell: string): number | string {
  const n = Number(cell);
  return Number.isNaN(n) ? cell : n;
}
