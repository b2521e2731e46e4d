import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
  StoreError,
  type AuthRepository,
  type DeadLetter,
  type FaultLabel,
  type Machine,
  type Plant,
  type RollupPoint,
  type SensorKind,
  type SeriesPoint,
  type Telemetry,
} from '../../domain/index.js';
import { createLogger, type Logger } from '../../logging/index.js';
import { bucketStart, HOUR_MS, MINUTE_MS, SENSOR_BITS, SENSOR_COLUMNS, SENSOR_SCALES, sqlBucketStart } from '../columns.js';
import { SQLITE_MIGRATIONS } from '../migrations/sqlite.js';
import { planRetention, planRollup, type RollupState } from '../rollup-plan.js';
import type {
  DeadLetterQuery,
  LabelQuery,
  RetentionPolicy,
  RetentionResult,
  RollupQuery,
  SeriesQuery,
  Store,
  StoreStats,
  TelemetryQuery,
  WriteResult,
} from '../store.js';
import { assertRange, assertTelemetryRow, checkLimit, checkUntil, DEFAULT_DEAD_LETTER_LIMIT } from '../validate.js';
import { encodeScaled } from '../value-codec.js';
import { SqlAuthRepository, sqliteExecutor } from '../auth/sql-auth-repository.js';
import { sqliteModelRegistry, sqliteRespondRepositories } from '../records/sqlite-records.js';
import type { ModelRegistry, StoreRespondRepositories } from '../records/types.js';

/** Default wait for another connection's write lock before giving up with PW_ERR_STORE_BUSY. */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 5000;
/** Longest stretch of time one roll-up transaction covers (see rollUpInSteps). */
export const ROLLUP_STEP_MS = HOUR_MS;
/**
 * WAL pages before an automatic checkpoint (SQLite's default is 1000). Live batches spread over
 * thousands of machines dirty one page per row, so at 1000 pages nearly every commit would also
 * checkpoint (and fsync twice); 10,000 pages (about 40 MB of WAL) makes that one commit in ten.
 */
export const DEFAULT_SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000;
/** The WAL file is truncated back to this after a checkpoint, so it does not keep its peak size. */
export const SQLITE_WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/** Page cache of a normal connection (KiB). */
export const DEFAULT_SQLITE_CACHE_KIB = 64 * 1024;
/** Page cache while bulk loading (KiB): big enough to keep the B-tree's right edge and interior pages hot. */
export const BULK_SQLITE_CACHE_KIB = 256 * 1024;

export interface SqliteStoreOptions {
  /** Database file path, or ':memory:' for a throwaway in-memory database. */
  file: string;
  /**
   * Writes a fresh history file as fast as possible (the simulator's fast mode): one exclusive
   * connection, rollback journal in memory and synchronous=OFF, so a commit does not wait for the
   * disk. Not crash-safe while loading: the file is marked "bulk load in progress" until close(),
   * and opening a file whose loader died refuses with PW_ERR_STORE_INCOMPLETE_BULK_LOAD instead of
   * serving a possibly torn history. close() turns WAL back on. Default false.
   */
  bulkLoad?: boolean;
  /** Parent logger; the store logs through a child `{ component: 'store' }`. Default: silent. */
  logger?: Logger;
  /** How long to wait for another connection's lock. Default {@link DEFAULT_SQLITE_BUSY_TIMEOUT_MS}. */
  busyTimeoutMs?: number;
  /** WAL pages between automatic checkpoints. Default {@link DEFAULT_SQLITE_WAL_AUTOCHECKPOINT_PAGES}. */
  walAutocheckpointPages?: number;
}

const SQLITE_CODES: Record<string, `PW_ERR_STORE_${string}`> = {
  SQLITE_BUSY: 'PW_ERR_STORE_BUSY',
  SQLITE_LOCKED: 'PW_ERR_STORE_BUSY',
  SQLITE_FULL: 'PW_ERR_STORE_DISK_FULL',
  SQLITE_CORRUPT: 'PW_ERR_STORE_CORRUPT',
  SQLITE_NOTADB: 'PW_ERR_STORE_NOT_A_DATABASE',
  SQLITE_CANTOPEN: 'PW_ERR_STORE_OPEN',
  SQLITE_READONLY: 'PW_ERR_STORE_READ_ONLY',
  SQLITE_PERM: 'PW_ERR_STORE_READ_ONLY',
  SQLITE_IOERR: 'PW_ERR_STORE_IO',
};

function toStoreError(err: unknown, action: string, file: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: unknown }).code;
  // Extended result codes (SQLITE_IOERR_WRITE) map through their primary code (SQLITE_IOERR).
  const mapped = typeof code === 'string' ? SQLITE_CODES[code.split('_').slice(0, 2).join('_')] : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return new StoreError(mapped ?? 'PW_ERR_STORE_QUERY', `${action} failed on SQLite file "${file}": ${message}${typeof code === 'string' ? ` (${code})` : ''}`, {
    cause: err,
    details: { file, sqliteCode: code },
  });
}

const N_SENSORS = SENSOR_COLUMNS.length;
const BITS = SENSOR_COLUMNS.map((s) => SENSOR_BITS[s]);
const SCALES = SENSOR_COLUMNS.map((s) => SENSOR_SCALES[s]);

/** SQL that decodes a stored value back to its unit (see value-codec.ts). */
function decodedSql(sensor: SensorKind): string {
  return `CASE WHEN raw_mask & ${SENSOR_BITS[sensor]} THEN ${sensor} ELSE ${sensor} / ${SENSOR_SCALES[sensor]}.0 END`;
}

type Row = unknown[];

/** The hand-written order RowEncoder reads; checked against SENSOR_COLUMNS at load. */
const ENCODER_ORDER = ['temperature', 'humidity', 'vibration', 'speed', 'current', 'gas', 'coolant_pressure', 'supply_voltage'] as const;
const ENCODER_MATCHES = ENCODER_ORDER.length === N_SENSORS && ENCODER_ORDER.every((k, i) => SENSOR_COLUMNS[i] === k);

/**
 * Fills the parameters of one telemetry INSERT: [mid, ts, seq, mask, raw_mask, ...8 values].
 * The bulk path runs this 11.5 million times for a week of the default plant, so it reads each
 * sensor by name (monomorphic property loads) instead of looping over kinds (megamorphic keyed
 * loads), about twice as fast. A new sensor kind falls back to the generic loop.
 */
class RowEncoder {
  readonly params: unknown[] = new Array(5 + N_SENSORS).fill(null);
  private mask = 0;
  private rawMask = 0;

  encode(values: Telemetry['values']): void {
    this.mask = 0;
    this.rawMask = 0;
    if (ENCODER_MATCHES) {
      this.put(0, values.temperature, SCALES[0]!);
      this.put(1, values.humidity, SCALES[1]!);
      this.put(2, values.vibration, SCALES[2]!);
      this.put(3, values.speed, SCALES[3]!);
      this.put(4, values.current, SCALES[4]!);
      this.put(5, values.gas, SCALES[5]!);
      this.put(6, values.coolant_pressure, SCALES[6]!);
      this.put(7, values.supply_voltage, SCALES[7]!);
    } else {
      for (let i = 0; i < N_SENSORS; i++) this.put(i, values[SENSOR_COLUMNS[i]!], SCALES[i]!);
    }
    this.params[3] = this.mask;
    this.params[4] = this.rawMask;
  }

  private put(i: number, v: number | null | undefined, scale: number): void {
    if (v === undefined) {
      this.params[5 + i] = null;
      return;
    }
    this.mask |= 1 << i;
    if (v === null) {
      this.params[5 + i] = null;
      return;
    }
    const k = encodeScaled(v, scale);
    if (k === undefined) {
      this.rawMask |= 1 << i;
      this.params[5 + i] = v;
    } else this.params[5 + i] = k;
  }
}

/**
 * The embedded default store: one SQLite file in WAL mode with synchronous=NORMAL, so a committed
 * batch survives a killed process (SQLite docs, "WAL mode": commits are durable against
 * application crashes at NORMAL; only a power loss can roll back the last commits).
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly log: Logger;
  private readonly file: string;
  private readonly bulkLoad: boolean;
  private readonly walAutocheckpointPages: number;
  private readonly mids = new Map<string, number>();
  private closed = false;
  private authRepo: AuthRepository | undefined;
  private maintenance: Promise<unknown> = Promise.resolve();
  private prepared: ReturnType<SqliteStore['prepareAll']> | undefined;
  private respondRepos: StoreRespondRepositories | undefined;
  private registry: ModelRegistry | undefined;

  private constructor(db: Database.Database, options: SqliteStoreOptions, log: Logger) {
    this.db = db;
    this.file = options.file;
    this.bulkLoad = options.bulkLoad ?? false;
    this.walAutocheckpointPages = options.walAutocheckpointPages ?? DEFAULT_SQLITE_WAL_AUTOCHECKPOINT_PAGES;
    this.log = log;
  }

  /** Opens (creating if needed) and migrates. Prefer {@link openSqliteStore}. */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const log = (options.logger ?? createLogger({ level: 'silent', pretty: false })).child({ component: 'store', store: 'sqlite' });
    if (typeof options.file !== 'string' || options.file.length === 0) {
      throw new StoreError('PW_ERR_STORE_OPEN', `SQLite file must be a non-empty path or ':memory:', got ${JSON.stringify(options.file)}`);
    }
    if (options.file !== ':memory:' && existsSync(options.file) && statSync(options.file).isDirectory()) {
      throw new StoreError('PW_ERR_STORE_OPEN', `SQLite file "${options.file}" is a directory, expected a database file`);
    }
    if (options.file !== ':memory:' && !existsSync(dirname(resolve(options.file)))) {
      throw new StoreError('PW_ERR_STORE_OPEN', `cannot create SQLite file "${options.file}": folder "${dirname(resolve(options.file))}" does not exist`);
    }
    for (const key of ['busyTimeoutMs', 'walAutocheckpointPages'] as const) {
      const v = options[key];
      if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) {
        throw new StoreError('PW_ERR_STORE_CONFIG', `SQLite option ${key} must be a non-negative integer, got ${String(v)}`);
      }
    }
    let db: Database.Database;
    try {
      db = new Database(options.file, { timeout: options.busyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS });
    } catch (err) {
      throw toStoreError(err, 'opening', options.file);
    }
    const store = new SqliteStore(db, options, log);
    try {
      store.configure();
      store.migrateSync();
      store.checkBulkLoadMark();
      store.prepared = store.prepareAll();
      store.markBulkLoad();
    } catch (err) {
      db.close();
      throw toStoreError(err, 'opening', options.file);
    }
    log.info({ file: options.file, bulkLoad: store.bulkLoad }, 'SQLite store open');
    return store;
  }

  private configure(): void {
    // The first read fails here on a file that is not a SQLite database (SQLITE_NOTADB).
    this.db.prepare('SELECT count(*) FROM sqlite_master').get();
    if (this.bulkLoad) {
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = MEMORY');
      this.db.pragma('synchronous = OFF');
      this.db.pragma(`cache_size = -${BULK_SQLITE_CACHE_KIB}`);
      this.db.pragma('temp_store = MEMORY');
    } else {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma(`cache_size = -${DEFAULT_SQLITE_CACHE_KIB}`);
      this.db.pragma(`wal_autocheckpoint = ${this.walAutocheckpointPages}`);
      this.db.pragma(`journal_size_limit = ${SQLITE_WAL_SIZE_LIMIT_BYTES}`);
    }
  }

  private migrateSync(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)');
    const current = (this.db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
    const latest = SQLITE_MIGRATIONS.length;
    if (current > latest) {
      throw new StoreError('PW_ERR_STORE_SCHEMA_TOO_NEW', `SQLite file "${this.file}" has schema version ${current}, this plantwatch knows up to ${latest}; upgrade plantwatch`);
    }
    for (const m of SQLITE_MIGRATIONS.slice(current)) {
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      })();
      this.log.info({ version: m.version, name: m.name }, 'migration applied');
    }
  }

  private checkBulkLoadMark(): void {
    const state = this.db.prepare("SELECT value FROM store_meta WHERE key = 'bulk_load'").get() as { value: string } | undefined;
    if (state?.value === 'in_progress') {
      throw new StoreError(
        'PW_ERR_STORE_INCOMPLETE_BULK_LOAD',
        `SQLite file "${this.file}" was being bulk-loaded when its writer stopped, so it may be incomplete or torn; delete it and generate it again`,
      );
    }
  }

  private markBulkLoad(): void {
    if (this.bulkLoad) this.db.prepare("INSERT OR REPLACE INTO store_meta (key, value) VALUES ('bulk_load', 'in_progress')").run();
  }

  private prepareAll() {
    const db = this.db;
    const cols = SENSOR_COLUMNS.join(', ');
    const rollupCols = SENSOR_COLUMNS.map((s) => `${s}_n, ${s}_min, ${s}_max, ${s}_sum`).join(', ');
    const aggFromRaw = SENSOR_COLUMNS.map((s) => `COUNT(${s}), MIN(${s}), MAX(${s}), SUM(${s})`).join(', ');
    const decoded = SENSOR_COLUMNS.map((s) => `${decodedSql(s)} AS ${s}`).join(', ');
    const aggFromMinute = SENSOR_COLUMNS.map((s) => `SUM(${s}_n), MIN(${s}_min), MAX(${s}_max), SUM(${s}_sum)`).join(', ');
    const placeholders = Array(5 + N_SENSORS).fill('?').join(', ');
    return {
      insertTelemetry: db.prepare(`INSERT INTO telemetry (mid, ts_ms, seq, mask, raw_mask, ${cols}) VALUES (${placeholders}) ON CONFLICT (mid, ts_ms) DO NOTHING`),
      selectMid: db.prepare('SELECT mid FROM machine_keys WHERE machine_id = ?').pluck(),
      insertMid: db.prepare('INSERT INTO machine_keys (machine_id) VALUES (?) ON CONFLICT (machine_id) DO NOTHING'),
      allMids: db.prepare('SELECT mid FROM machine_keys ORDER BY mid').pluck(),
      queryTelemetry: db.prepare(`SELECT ts_ms, seq, mask, raw_mask, ${cols} FROM telemetry WHERE mid = ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms LIMIT ?`).raw(),
      querySeries: Object.fromEntries(
        SENSOR_COLUMNS.map((s) => [
          s,
          db.prepare(`SELECT ts_ms, ${decodedSql(s)} FROM telemetry WHERE mid = ? AND ts_ms >= ? AND ts_ms < ? AND (mask & ${SENSOR_BITS[s]}) != 0 ORDER BY ts_ms`).raw(),
        ]),
      ) as Record<SensorKind, Database.Statement>,
      queryRollup: Object.fromEntries(
        (['1m', '1h'] as const).flatMap((res) =>
          SENSOR_COLUMNS.map((s) => [
            `${res}:${s}`,
            db.prepare(`SELECT bucket_ms, ${s}_n, ${s}_min, ${s}_max, ${s}_sum FROM rollup_${res} WHERE mid = ? AND bucket_ms >= ? AND bucket_ms < ? AND ${s}_n > 0 ORDER BY bucket_ms`).raw(),
          ]),
        ),
      ) as Record<string, Database.Statement>,
      readState: db.prepare('SELECT resolution, watermark_ms, dirty_from_ms, horizon_ms FROM rollup_state'),
      markDirty: db.prepare(
        "UPDATE rollup_state SET dirty_from_ms = MIN(COALESCE(dirty_from_ms, @ts), @ts) WHERE resolution = '1m' AND watermark_ms IS NOT NULL AND watermark_ms > @ts",
      ),
      writeState: db.prepare('UPDATE rollup_state SET watermark_ms = ?, dirty_from_ms = NULL WHERE resolution = ?'),
      lowerWatermarks: db.prepare(
        "UPDATE rollup_state SET watermark_ms = MIN(watermark_ms, CASE resolution WHEN '1m' THEN @m ELSE @h END) WHERE watermark_ms IS NOT NULL",
      ),
      earliestTs: db.prepare('SELECT MIN((SELECT ts_ms FROM telemetry t WHERE t.mid = k.mid ORDER BY ts_ms LIMIT 1)) FROM machine_keys k').pluck(),
      nextTsFrom: db.prepare('SELECT MIN((SELECT ts_ms FROM telemetry t WHERE t.mid = k.mid AND t.ts_ms >= ? ORDER BY ts_ms LIMIT 1)) FROM machine_keys k').pluck(),
      addTelemetryCount: db.prepare("UPDATE row_counts SET n = n + ? WHERE name = 'telemetry'"),
      telemetryCount: db.prepare("SELECT n FROM row_counts WHERE name = 'telemetry'").pluck(),
      raiseHorizon: db.prepare('UPDATE rollup_state SET horizon_ms = MAX(COALESCE(horizon_ms, @ts), @ts) WHERE resolution = @res'),
      rollupMinute: db.prepare(
        `INSERT OR REPLACE INTO rollup_1m (mid, bucket_ms, ${rollupCols})
         SELECT mid, b, ${aggFromRaw} FROM (
           SELECT mid, ${sqlBucketStart('ts_ms', MINUTE_MS)} AS b, ${decoded} FROM telemetry WHERE mid = ? AND ts_ms >= ? AND ts_ms < ?
         ) GROUP BY mid, b`,
      ),
      rollupHour: db.prepare(
        `INSERT OR REPLACE INTO rollup_1h (mid, bucket_ms, ${rollupCols})
         SELECT mid, hb, ${aggFromMinute} FROM (
           SELECT *, ${sqlBucketStart('bucket_ms', HOUR_MS)} AS hb FROM rollup_1m WHERE mid = ? AND bucket_ms >= ? AND bucket_ms < ?
         ) GROUP BY mid, hb`,
      ),
      deleteRaw: db.prepare('DELETE FROM telemetry WHERE mid = ? AND ts_ms < ?'),
      deleteMinute: db.prepare('DELETE FROM rollup_1m WHERE mid = ? AND bucket_ms < ?'),
      deleteHour: db.prepare('DELETE FROM rollup_1h WHERE mid = ? AND bucket_ms < ?'),
      upsertLabel: db.prepare(
        'INSERT OR REPLACE INTO fault_labels (id, machine_id, type, sensors, start_ms, end_ms, severity) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      insertDeadLetter: db.prepare(
        'INSERT INTO dead_letters (source, origin, received_at_ms, code, reason, payload, machine_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  private get s(): NonNullable<SqliteStore['prepared']> {
    if (this.closed || !this.prepared) throw new StoreError('PW_ERR_STORE_CLOSED', `SQLite store "${this.file}" is closed`);
    return this.prepared;
  }

  /** Runs `fn`, turning driver errors into StoreErrors that name the action and the file. */
  private guard<T>(action: string, fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(toStoreError(err, action, this.file));
    }
  }

  migrate(): Promise<void> {
    return this.guard('migrating', () => {
      void this.s;
      this.migrateSync();
    });
  }

  schemaVersion(): Promise<number> {
    return this.guard('reading schema version', () => {
      void this.s;
      return this.db.prepare('SELECT COALESCE(MAX(version), 0) FROM schema_migrations').pluck().get() as number;
    });
  }

  savePlant(plant: Plant): Promise<void> {
    return this.guard('saving plant', () => {
      void this.s;
      const db = this.db;
      db.transaction(() => {
        db.prepare('INSERT INTO plants (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name').run(plant.id, plant.name);
        // Saving replaces the plant's areas and machines, so loadPlant returns exactly what was saved.
        db.prepare('DELETE FROM areas WHERE plant_id = ?').run(plant.id);
        db.prepare('DELETE FROM machines WHERE plant_id = ?').run(plant.id);
        const area = db.prepare('INSERT INTO areas (plant_id, id, name, position) VALUES (?, ?, ?, ?)');
        plant.areas.forEach((a, i) => area.run(plant.id, a.id, a.name, i));
        const machine = db.prepare(
          `INSERT INTO machines (id, plant_id, area_id, type, criticality, sensors, position) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET plant_id = excluded.plant_id, area_id = excluded.area_id, type = excluded.type,
             criticality = excluded.criticality, sensors = excluded.sensors, position = excluded.position`,
        );
        plant.machines.forEach((m, i) => {
          machine.run(m.id, plant.id, m.areaId, m.type, m.criticality, JSON.stringify(m.sensors), i);
          this.s.insertMid.run(m.id);
        });
      })();
    });
  }

  loadPlant(plantId: string): Promise<Plant | undefined> {
    return this.guard('loading plant', () => {
      void this.s;
      const row = this.db.prepare('SELECT id, name FROM plants WHERE id = ?').get(plantId) as { id: string; name: string } | undefined;
      if (!row) return undefined;
      const areas = this.db.prepare('SELECT id, name FROM areas WHERE plant_id = ? ORDER BY position').all(plantId) as Array<{ id: string; name: string }>;
      const machines = this.machineRows('WHERE plant_id = ?', plantId);
      return { id: row.id, name: row.name, areas, machines };
    });
  }

  listMachines(): Promise<Machine[]> {
    return this.guard('listing machines', () => {
      void this.s;
      return this.machineRows('');
    });
  }

  private machineRows(where: string, ...params: unknown[]): Machine[] {
    const rows = this.db.prepare(`SELECT id, area_id, type, criticality, sensors FROM machines ${where} ORDER BY plant_id, position`).all(...params) as Array<{
      id: string;
      area_id: string;
      type: Machine['type'];
      criticality: Machine['criticality'];
      sensors: string;
    }>;
    return rows.map((r) => ({ id: r.id, areaId: r.area_id, type: r.type, criticality: r.criticality, sensors: JSON.parse(r.sensors) as SensorKind[] }));
  }

  /** Integer keys for machine ids, registering new ones in their own committed transaction. */
  private resolveMids(batch: readonly Telemetry[]): void {
    let missing: string[] | undefined;
    for (const row of batch) {
      if (!this.mids.has(row.machineId)) (missing ??= []).push(row.machineId);
    }
    if (!missing) return;
    const s = this.s;
    // Cached only after commit, so a rolled-back transaction can never leave a stale key in memory.
    const found = this.db.transaction((ids: string[]) => {
      const out: Array<[string, number]> = [];
      for (const id of new Set(ids)) {
        s.insertMid.run(id);
        out.push([id, s.selectMid.get(id) as number]);
      }
      return out;
    })(missing);
    for (const [id, mid] of found) this.mids.set(id, mid);
  }

  private midOf(machineId: string): number | undefined {
    const cached = this.mids.get(machineId);
    if (cached !== undefined) return cached;
    const mid = this.s.selectMid.get(machineId) as number | undefined;
    if (mid !== undefined) this.mids.set(machineId, mid);
    return mid;
  }

  writeTelemetry(batch: readonly Telemetry[]): Promise<WriteResult> {
    return this.guard('writing telemetry', () => {
      const s = this.s;
      if (batch.length === 0) return { inserted: 0, duplicates: [] };
      batch.forEach(assertTelemetryRow);
      this.resolveMids(batch);
      const duplicates: Telemetry[] = [];
      const mids = this.mids;
      const insert = s.insertTelemetry;
      const encoder = new RowEncoder();
      const params = encoder.params;
      let inserted = 0;
      let minTsMs = Number.POSITIVE_INFINITY;
      this.db.transaction(() => {
        for (let r = 0; r < batch.length; r++) {
          const row = batch[r]!;
          encoder.encode(row.values);
          params[0] = mids.get(row.machineId);
          params[1] = row.tsMs;
          params[2] = row.seq ?? null;
          if (insert.run(params).changes === 0) duplicates.push(row);
          else {
            inserted++;
            if (row.tsMs < minTsMs) minTsMs = row.tsMs;
          }
        }
        // Late data below the roll-up watermark: remember where roll-ups must be recomputed.
        if (inserted > 0) {
          s.markDirty.run({ ts: minTsMs });
          s.addTelemetryCount.run(inserted);
        }
      })();
      return { inserted, duplicates };
    });
  }

  queryTelemetry(query: TelemetryQuery): Promise<Telemetry[]> {
    return this.guard('querying telemetry', () => {
      const s = this.s;
      assertRange('queryTelemetry', query.fromMs, query.toMs);
      const limit = checkLimit('queryTelemetry', query.limit) ?? -1;
      const mid = this.midOf(query.machineId);
      if (mid === undefined) return [];
      const rows = s.queryTelemetry.all(mid, query.fromMs, query.toMs, limit) as Row[];
      return rows.map((r) => decodeTelemetry(query.machineId, r));
    });
  }

  querySeries(query: SeriesQuery): Promise<SeriesPoint[]> {
    return this.guard('querying series', () => {
      const s = this.s;
      assertRange('querySeries', query.fromMs, query.toMs);
      const stmt = s.querySeries[query.sensor];
      if (!stmt) throw new StoreError('PW_ERR_STORE_INVALID_QUERY', `querySeries: unknown sensor ${JSON.stringify(query.sensor)}, expected one of ${SENSOR_COLUMNS.join(', ')}`);
      const mid = this.midOf(query.machineId);
      if (mid === undefined) return [];
      return (stmt.all(mid, query.fromMs, query.toMs) as Array<[number, number | null]>).map(([tsMs, value]) => ({ tsMs, value }));
    });
  }

  queryRollup(query: RollupQuery): Promise<RollupPoint[]> {
    return this.guard('querying roll-ups', () => {
      const s = this.s;
      assertRange('queryRollup', query.fromMs, query.toMs);
      const stmt = s.queryRollup[`${query.resolution}:${query.sensor}`];
      if (!stmt) {
        throw new StoreError('PW_ERR_STORE_INVALID_QUERY', `queryRollup: unknown resolution ${JSON.stringify(query.resolution)} or sensor ${JSON.stringify(query.sensor)}`);
      }
      const mid = this.midOf(query.machineId);
      if (mid === undefined) return [];
      return (stmt.all(mid, query.fromMs, query.toMs) as Array<[number, number, number, number, number]>).map(([tsMs, count, min, max, sum]) => ({
        tsMs,
        count,
        min,
        max,
        mean: sum / count,
      }));
    });
  }

  private readStates(): { minute: RollupState; hour: RollupState } {
    const rows = this.s.readState.all() as Array<{ resolution: string; watermark_ms: number | null; dirty_from_ms: number | null; horizon_ms: number | null }>;
    const get = (res: string): RollupState => {
      const r = rows.find((x) => x.resolution === res);
      return { watermarkMs: r?.watermark_ms ?? null, dirtyFromMs: r?.dirty_from_ms ?? null, horizonMs: r?.horizon_ms ?? null };
    };
    return { minute: get('1m'), hour: get('1h') };
  }

  /** One roll-up transaction's work; returns the minute buckets written. */
  private rollUpSync(untilMs: number): number {
    const s = this.s;
    const started = performance.now();
    const { minute, hour } = this.readStates();
    const plan = planRollup(minute, hour, untilMs);
    const mids = s.allMids.all() as number[];
    let minuteRows = 0;
    let hourRows = 0;
    for (const mid of mids) {
      if (plan.minute) minuteRows += s.rollupMinute.run(mid, plan.minute.fromMs, plan.minute.toMs).changes;
      if (plan.hour) hourRows += s.rollupHour.run(mid, plan.hour.fromMs, plan.hour.toMs).changes;
    }
    s.writeState.run(plan.minuteWatermarkMs, '1m');
    s.writeState.run(plan.hourWatermarkMs, '1h');
    this.log.debug({ untilMs, machines: mids.length, minuteRows, hourRows, ms: Math.round(performance.now() - started) }, 'rolled up');
    return minuteRows;
  }

  /** Runs roll-up and retention one at a time: their steps interleave with writes, never with each other. */
  private exclusive<T>(action: string, fn: () => Promise<T>): Promise<T> {
    const run = this.maintenance.then(async () => {
      try {
        void this.s;
        return await fn();
      } catch (err) {
        throw toStoreError(err, action, this.file);
      }
    });
    this.maintenance = run.catch(() => undefined);
    return run;
  }

  /**
   * Rolls up in steps of at most {@link ROLLUP_STEP_MS}, each a complete `rollUp(step)` in its own
   * transaction, yielding to the event loop between steps: better-sqlite3 is synchronous, and a
   * week of history in one transaction would stall ingestion for seconds. Late data is handled
   * by lowering the watermarks to it first, so it is recomputed in steps too.
   */
  private async rollUpInSteps(untilMs: number): Promise<void> {
    const s = this.s;
    const startedMs = performance.now();
    let { minute } = this.readStates();
    if (minute.dirtyFromMs !== null && minute.watermarkMs !== null && minute.dirtyFromMs < minute.watermarkMs) {
      s.lowerWatermarks.run({ m: bucketStart(minute.dirtyFromMs, MINUTE_MS), h: bucketStart(minute.dirtyFromMs, HOUR_MS) });
      minute = this.readStates().minute;
    }
    const first = minute.watermarkMs ?? (s.earliestTs.get() as number | null);
    let steps = 0;
    if (first !== null) {
      let step = bucketStart(first, HOUR_MS) + ROLLUP_STEP_MS;
      while (step < untilMs) {
        const stepUntil = step;
        const rows = this.db.transaction(() => this.rollUpSync(stepUntil))();
        steps++;
        await new Promise<void>((resolve) => setImmediate(resolve));
        void this.s;
        step += ROLLUP_STEP_MS;
        if (rows === 0) {
          // Skip a quiet stretch in one go instead of hour by hour (sparse or imported history).
          const next = s.nextTsFrom.get(stepUntil) as number | null;
          if (next === null) break;
          step = Math.max(step, bucketStart(next, HOUR_MS) + ROLLUP_STEP_MS);
        }
      }
    }
    this.db.transaction(() => this.rollUpSync(untilMs))();
    if (steps > 0) this.log.info({ untilMs, steps: steps + 1, ms: Math.round(performance.now() - startedMs) }, 'rolled up a backlog');
  }

  rollUp(untilMs: number): Promise<void> {
    return this.exclusive('rolling up', async () => {
      checkUntil(untilMs);
      await this.rollUpInSteps(untilMs);
    });
  }

  applyRetention(policy: RetentionPolicy): Promise<RetentionResult> {
    return this.exclusive('applying retention', async () => {
      const s = this.s;
      const plan = planRetention(policy);
      await this.rollUpInSteps(plan.rollUpUntilMs);
      // Horizons first: were the process to die half-way, no roll-up would rebuild a bucket from part of its rows.
      this.db.transaction(() => {
        s.raiseHorizon.run({ ts: plan.rawCutMs, res: '1m' });
        s.raiseHorizon.run({ ts: plan.minuteCutMs, res: '1h' });
      })();
      const result: RetentionResult = { rawDeleted: 0, minuteDeleted: 0, hourDeleted: 0 };
      // One machine per transaction, yielding in between, for the same reason as roll-ups.
      for (const mid of s.allMids.all() as number[]) {
        this.db.transaction(() => {
          const raw = s.deleteRaw.run(mid, plan.rawCutMs).changes;
          s.addTelemetryCount.run(-raw);
          result.rawDeleted += raw;
          result.minuteDeleted += s.deleteMinute.run(mid, plan.minuteCutMs).changes;
          result.hourDeleted += s.deleteHour.run(mid, plan.hourCutMs).changes;
        })();
        await new Promise<void>((resolve) => setImmediate(resolve));
        void this.s;
      }
      this.log.info({ ...result, rawCutMs: plan.rawCutMs }, 'retention applied');
      return result;
    });
  }

  writeFaultLabels(labels: readonly FaultLabel[]): Promise<void> {
    return this.guard('writing fault labels', () => {
      const s = this.s;
      this.db.transaction(() => {
        for (const l of labels) s.upsertLabel.run(l.id, l.machineId, l.type, JSON.stringify(l.sensors), l.startMs, l.endMs, l.severity);
      })();
    });
  }

  queryFaultLabels(query: LabelQuery): Promise<FaultLabel[]> {
    return this.guard('querying fault labels', () => {
      void this.s;
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.machineId !== undefined) {
        where.push('machine_id = ?');
        params.push(query.machineId);
      }
      // A label overlaps [fromMs, toMs) when it starts before toMs and ends after fromMs.
      if (query.toMs !== undefined) {
        where.push('start_ms < ?');
        params.push(query.toMs);
      }
      if (query.fromMs !== undefined) {
        where.push('end_ms > ?');
        params.push(query.fromMs);
      }
      const sql = `SELECT id, machine_id, type, sensors, start_ms, end_ms, severity FROM fault_labels ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY start_ms, id`;
      return (this.db.prepare(sql).all(...params) as LabelRow[]).map(decodeLabel);
    });
  }

  writeDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    return this.guard('writing dead letters', () => {
      const s = this.s;
      this.db.transaction(() => {
        for (const d of letters) s.insertDeadLetter.run(d.source, d.origin, d.receivedAtMs, d.code, d.reason, d.payload, d.machineId ?? null);
      })();
    });
  }

  queryDeadLetters(query: DeadLetterQuery): Promise<DeadLetter[]> {
    return this.guard('querying dead letters', () => {
      void this.s;
      const limit = checkLimit('queryDeadLetters', query.limit) ?? DEFAULT_DEAD_LETTER_LIMIT;
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.fromMs !== undefined) {
        where.push('received_at_ms >= ?');
        params.push(query.fromMs);
      }
      if (query.source !== undefined) {
        where.push('source = ?');
        params.push(query.source);
      }
      const sql = `SELECT source, origin, received_at_ms, code, reason, payload, machine_id FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at_ms, id LIMIT ?`;
      return (this.db.prepare(sql).all(...params, limit) as DeadLetterRow[]).map(decodeDeadLetter);
    });
  }

  stats(): Promise<StoreStats> {
    return this.guard('reading stats', () => {
      void this.s;
      const count = (table: string): number => this.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
      return { telemetryRows: this.s.telemetryCount.get() as number, labelRows: count('fault_labels'), deadLetterRows: count('dead_letters') };
    });
  }

  respondRepositories(): StoreRespondRepositories {
    return (this.respondRepos ??= sqliteRespondRepositories(this.db, (action, fn) => this.guard(action, () => (void this.s, fn()))));
  }

  modelRegistry(): ModelRegistry {
    return (this.registry ??= sqliteModelRegistry(this.db, (action, fn) => this.guard(action, () => (void this.s, fn()))));
  }

  authRepository(): AuthRepository {
    return (this.authRepo ??= new SqlAuthRepository(sqliteExecutor(this.db)));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.guard('closing', () => {
      if (this.bulkLoad) {
        this.db.prepare("DELETE FROM store_meta WHERE key = 'bulk_load'").run();
        // Leave the file as a normal store opens it: WAL, so readers never block the writer.
        this.db.pragma('locking_mode = NORMAL');
        this.db.pragma('journal_mode = WAL');
      }
      this.db.pragma('optimize');
      this.closed = true;
      this.db.close();
      this.log.info({ file: this.file }, 'SQLite store closed');
    });
  }
}

function decodeTelemetry(machineId: string, r: Row): Telemetry {
  const mask = r[2] as number;
  const rawMask = r[3] as number;
  const values: Telemetry['values'] = {};
  for (let i = 0; i < N_SENSORS; i++) {
    const bit = BITS[i]!;
    if ((mask & bit) === 0) continue;
    const stored = r[4 + i] as number | null;
    values[SENSOR_COLUMNS[i]!] = stored === null ? null : rawMask & bit ? stored : stored / SCALES[i]!;
  }
  const out: Telemetry = { machineId, tsMs: r[0] as number, values };
  if (r[1] !== null) out.seq = r[1] as number;
  return out;
}

interface LabelRow {
  id: string;
  machine_id: string;
  type: FaultLabel['type'];
  sensors: string;
  start_ms: number;
  end_ms: number;
  severity: number;
}

function decodeLabel(r: LabelRow): FaultLabel {
  return { id: r.id, machineId: r.machine_id, type: r.type, sensors: JSON.parse(r.sensors) as SensorKind[], startMs: r.start_ms, endMs: r.end_ms, severity: r.severity };
}

interface DeadLetterRow {
  source: string;
  origin: string;
  received_at_ms: number;
  code: string;
  reason: string;
  payload: string;
  machine_id: string | null;
}

function decodeDeadLetter(r: DeadLetterRow): DeadLetter {
  const d: DeadLetter = { source: r.source, origin: r.origin, receivedAtMs: r.received_at_ms, code: r.code, reason: r.reason, payload: r.payload };
  if (r.machine_id !== null) d.machineId = r.machine_id;
  return d;
}

/**
 * Opens a SQLite store and applies pending migrations.
 * @example const store = await openSqliteStore({ file: 'data/plantwatch.db' });
 */
export function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  return SqliteStore.open(options);
}
