import pg from 'pg';
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
import { HOUR_MS, MINUTE_MS, SENSOR_BITS, SENSOR_COLUMNS, sqlBucketStart } from '../columns.js';
import { POSTGRES_MIGRATIONS } from '../migrations/postgres.js';
import { SqlAuthRepository, postgresExecutor } from '../auth/sql-auth-repository.js';
import { postgresModelRegistry, postgresRespondRepositories } from '../records/postgres-records.js';
import type { ModelRegistry, StoreRespondRepositories } from '../records/types.js';
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

/** Connections in the pool. */
export const DEFAULT_POSTGRES_POOL_SIZE = 10;
/** How long opening waits for the server before PW_ERR_STORE_CONNECT. */
export const DEFAULT_POSTGRES_CONNECT_TIMEOUT_MS = 10_000;

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database (credentials are never logged). */
  url: string;
  /** Parent logger; the store logs through a child `{ component: 'store' }`. Default: silent. */
  logger?: Logger;
  /** Connections in the pool. Default {@link DEFAULT_POSTGRES_POOL_SIZE}. */
  poolSize?: number;
  /**
   * Schema that holds plantwatch's tables (created if missing; set as search_path). Default: the
   * server's search_path (usually `public`). Tests use a random one each.
   */
  schema?: string;
  /** Default {@link DEFAULT_POSTGRES_CONNECT_TIMEOUT_MS}. */
  connectTimeoutMs?: number;
}

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** postgres://user:secret@host -> postgres://user:***@host, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** SQLSTATE classes and socket errors worth their own code; the rest is PW_ERR_STORE_QUERY. */
function mapPgCode(code: string | undefined): `PW_ERR_STORE_${string}` | undefined {
  if (!code) return undefined;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 'EHOSTUNREACH') {
    return 'PW_ERR_STORE_CONNECT';
  }
  if (code === '28P01' || code === '28000') return 'PW_ERR_STORE_AUTH';
  if (code === '3D000') return 'PW_ERR_STORE_DATABASE_MISSING';
  if (code.startsWith('08') || code === '57P01' || code === '57P03') return 'PW_ERR_STORE_CONNECT';
  if (code === '53100') return 'PW_ERR_STORE_DISK_FULL';
  if (code === '40001' || code === '40P01' || code === '55P03') return 'PW_ERR_STORE_BUSY';
  return undefined;
}

function toStoreError(err: unknown, action: string, url: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  const mapped = mapPgCode(typeof code === 'string' ? code : undefined);
  const connectionLost = mapped === undefined && /Connection terminated|timeout expired/i.test(message) ? 'PW_ERR_STORE_CONNECT' : undefined;
  return new StoreError(mapped ?? connectionLost ?? 'PW_ERR_STORE_QUERY', `${action} failed on PostgreSQL ${redactUrl(url)}: ${message}${typeof code === 'string' ? ` (${code})` : ''}`, {
    cause: err,
    details: { url: redactUrl(url), pgCode: code },
  });
}

/** int8 and numeric as JS numbers: timestamps and counts stay far below 2^53. */
function makeTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(20, (v: string) => Number(v));
  types.setTypeParser(1700, (v: string) => Number(v));
  return types;
}

const rollupCols = SENSOR_COLUMNS.map((s) => `${s}_n, ${s}_min, ${s}_max, ${s}_sum`).join(', ');
const rollupUpdate = SENSOR_COLUMNS.flatMap((s) => [`${s}_n`, `${s}_min`, `${s}_max`, `${s}_sum`].map((c) => `${c} = EXCLUDED.${c}`)).join(', ');
const SQL = {
  // The FOR SHARE lock on the roll-up state orders each batch against a running roll-up (which
  // takes FOR UPDATE) without making batches wait for each other: either the roll-up starts after
  // the batch commits and sees its rows, or the batch sees the roll-up's new watermark and marks
  // its late rows dirty. Without it a batch could commit unseen just behind the watermark.
  insertTelemetry: `WITH state AS (
      SELECT watermark_ms FROM rollup_state WHERE resolution = '1m' FOR SHARE
    ), ins AS (
      INSERT INTO telemetry (mid, ts_ms, seq, mask, ${SENSOR_COLUMNS.join(', ')})
      SELECT * FROM unnest($1::int4[], $2::int8[], $3::int8[], $4::int2[], ${SENSOR_COLUMNS.map((_, i) => `$${i + 5}::float8[]`).join(', ')})
      ON CONFLICT (mid, ts_ms) DO NOTHING
      RETURNING mid, ts_ms
    ), late AS (
      -- Late data below the roll-up watermark: remember where roll-ups must be recomputed.
      UPDATE rollup_state SET dirty_from_ms = LEAST(COALESCE(dirty_from_ms, m.t), m.t)
      FROM (SELECT MIN(ts_ms) AS t FROM ins) m, state
      WHERE resolution = '1m' AND m.t IS NOT NULL AND state.watermark_ms > m.t
    )
    SELECT mid, ts_ms FROM ins`,
  rollupMinute: `INSERT INTO rollup_1m (mid, bucket_ms, ${rollupCols})
    SELECT t.mid, ${sqlBucketStart('t.ts_ms', MINUTE_MS)} AS b, ${SENSOR_COLUMNS.map((s) => `COUNT(t.${s}), MIN(t.${s}), MAX(t.${s}), SUM(t.${s})`).join(', ')}
    FROM machine_keys k CROSS JOIN LATERAL (
      SELECT * FROM telemetry x WHERE x.mid = k.mid AND x.ts_ms >= $1 AND x.ts_ms < $2
    ) t
    GROUP BY t.mid, b
    ON CONFLICT (mid, bucket_ms) DO UPDATE SET ${rollupUpdate}`,
  rollupHour: `INSERT INTO rollup_1h (mid, bucket_ms, ${rollupCols})
    SELECT t.mid, ${sqlBucketStart('t.bucket_ms', HOUR_MS)} AS hb, ${SENSOR_COLUMNS.map((s) => `SUM(t.${s}_n), MIN(t.${s}_min), MAX(t.${s}_max), SUM(t.${s}_sum)`).join(', ')}
    FROM machine_keys k CROSS JOIN LATERAL (
      SELECT * FROM rollup_1m x WHERE x.mid = k.mid AND x.bucket_ms >= $1 AND x.bucket_ms < $2
    ) t
    GROUP BY t.mid, hb
    ON CONFLICT (mid, bucket_ms) DO UPDATE SET ${rollupUpdate}`,
};

/**
 * PostgreSQL behind the same Store port, for plants that outgrow one file (SPEC 3, 11). Batches go
 * in as one INSERT ... SELECT FROM unnest(arrays): one statement, one round trip, one transaction,
 * whatever the batch size; ON CONFLICT DO NOTHING RETURNING tells which rows were new.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly mids = new Map<string, number>();
  private closed = false;
  private authRepo: AuthRepository | undefined;
  private respondRepos: StoreRespondRepositories | undefined;
  private registry: ModelRegistry | undefined;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  /** Connects, creates the schema if asked, and migrates. Prefer {@link openPostgresStore}. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const log = (options.logger ?? createLogger({ level: 'silent', pretty: false })).child({ component: 'store', store: 'postgres' });
    const url = options.url;
    if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) {
      throw new StoreError('PW_ERR_STORE_CONFIG', `PostgreSQL URL must start with postgres:// or postgresql://, got ${JSON.stringify(typeof url === 'string' ? redactUrl(url) : url)}`);
    }
    if (options.schema !== undefined && !SCHEMA_PATTERN.test(options.schema)) {
      throw new StoreError('PW_ERR_STORE_CONFIG', `PostgreSQL schema must match ${SCHEMA_PATTERN}, got ${JSON.stringify(options.schema)}`);
    }
    const poolSize = options.poolSize ?? DEFAULT_POSTGRES_POOL_SIZE;
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new StoreError('PW_ERR_STORE_CONFIG', `poolSize must be a positive integer, got ${poolSize}`);
    let pool: pg.Pool;
    try {
      pool = new pg.Pool({
        connectionString: url,
        max: poolSize,
        types: makeTypes(),
        connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_POSTGRES_CONNECT_TIMEOUT_MS,
        ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
      });
    } catch (err) {
      throw new StoreError('PW_ERR_STORE_CONFIG', `PostgreSQL URL ${redactUrl(url)} is not valid: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    // An idle connection that dies (server restart) must not crash the process (STYLE 4).
    pool.on('error', (err) => log.error({ err: toStoreError(err, 'idle connection', url) }, 'PostgreSQL connection lost'));
    const store = new PostgresStore(pool, url, log);
    try {
      if (options.schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
      await store.migrate();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw toStoreError(err, 'opening', url);
    }
    log.info({ url: redactUrl(url), schema: options.schema ?? null, poolSize }, 'PostgreSQL store open');
    return store;
  }

  private check(): void {
    if (this.closed) throw new StoreError('PW_ERR_STORE_CLOSED', `PostgreSQL store ${redactUrl(this.url)} is closed`);
  }

  private async guard<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      this.check();
      return await fn();
    } catch (err) {
      throw toStoreError(err, action, this.url);
    }
  }

  /** Runs `fn` in one transaction on one pooled connection. */
  private async tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  respondRepositories(): StoreRespondRepositories {
    return (this.respondRepos ??= postgresRespondRepositories(this.pool, (action, fn) => this.guard(action, fn)));
  }

  modelRegistry(): ModelRegistry {
    return (this.registry ??= postgresModelRegistry(this.pool, (action, fn) => this.guard(action, fn), (fn) => this.tx(fn)));
  }

  authRepository(): AuthRepository {
    return (this.authRepo ??= new SqlAuthRepository(postgresExecutor(this.pool)));
  }

  migrate(): Promise<void> {
    return this.guard('migrating', () =>
      this.tx(async (c) => {
        // One migrator at a time per schema, so two processes starting together don't race.
        await c.query("SELECT pg_advisory_xact_lock(hashtext('plantwatch_migrations:' || current_schema()))");
        await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)');
        const current = (await c.query<{ v: number }>('SELECT COALESCE(MAX(version), 0)::int AS v FROM schema_migrations')).rows[0]!.v;
        const latest = POSTGRES_MIGRATIONS.length;
        if (current > latest) {
          throw new StoreError('PW_ERR_STORE_SCHEMA_TOO_NEW', `PostgreSQL schema has version ${current}, this plantwatch knows up to ${latest}; upgrade plantwatch`);
        }
        for (const m of POSTGRES_MIGRATIONS.slice(current)) {
          await c.query(m.sql);
          await c.query('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
          this.log.info({ version: m.version, name: m.name }, 'migration applied');
        }
      }),
    );
  }

  schemaVersion(): Promise<number> {
    return this.guard('reading schema version', async () => (await this.pool.query<{ v: number }>('SELECT COALESCE(MAX(version), 0)::int AS v FROM schema_migrations')).rows[0]!.v);
  }

  savePlant(plant: Plant): Promise<void> {
    return this.guard('saving plant', () =>
      this.tx(async (c) => {
        await c.query('INSERT INTO plants (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name', [plant.id, plant.name]);
        // Saving replaces the plant's areas and machines, so loadPlant returns exactly what was saved.
        await c.query('DELETE FROM areas WHERE plant_id = $1', [plant.id]);
        await c.query('DELETE FROM machines WHERE plant_id = $1', [plant.id]);
        await c.query('INSERT INTO areas (plant_id, id, name, position) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int4[])', [
          plant.id,
          plant.areas.map((a) => a.id),
          plant.areas.map((a) => a.name),
          plant.areas.map((_, i) => i),
        ]);
        const ms = plant.machines;
        await c.query(
          `INSERT INTO machines (id, plant_id, area_id, type, criticality, sensors, position)
           SELECT id, $1, area_id, type, criticality, sensors, position FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int4[])
             AS u(id, area_id, type, criticality, sensors, position)
           ON CONFLICT (id) DO UPDATE SET plant_id = EXCLUDED.plant_id, area_id = EXCLUDED.area_id, type = EXCLUDED.type,
             criticality = EXCLUDED.criticality, sensors = EXCLUDED.sensors, position = EXCLUDED.position`,
          [plant.id, ms.map((m) => m.id), ms.map((m) => m.areaId), ms.map((m) => m.type), ms.map((m) => m.criticality), ms.map((m) => JSON.stringify(m.sensors)), ms.map((_, i) => i)],
        );
        await c.query('INSERT INTO machine_keys (machine_id) SELECT unnest($1::text[]) ON CONFLICT (machine_id) DO NOTHING', [ms.map((m) => m.id)]);
      }),
    );
  }

  loadPlant(plantId: string): Promise<Plant | undefined> {
    return this.guard('loading plant', async () => {
      const plant = (await this.pool.query<{ id: string; name: string }>('SELECT id, name FROM plants WHERE id = $1', [plantId])).rows[0];
      if (!plant) return undefined;
      const areas = (await this.pool.query<{ id: string; name: string }>('SELECT id, name FROM areas WHERE plant_id = $1 ORDER BY position', [plantId])).rows;
      const machines = await this.machineRows('WHERE plant_id = $1', [plantId]);
      return { id: plant.id, name: plant.name, areas, machines };
    });
  }

  listMachines(): Promise<Machine[]> {
    return this.guard('listing machines', () => this.machineRows('', []));
  }

  private async machineRows(where: string, params: unknown[]): Promise<Machine[]> {
    const rows = (
      await this.pool.query<{ id: string; area_id: string; type: Machine['type']; criticality: Machine['criticality']; sensors: string }>(
        `SELECT id, area_id, type, criticality, sensors FROM machines ${where} ORDER BY plant_id, position`,
        params,
      )
    ).rows;
    return rows.map((r) => ({ id: r.id, areaId: r.area_id, type: r.type, criticality: r.criticality, sensors: JSON.parse(r.sensors) as SensorKind[] }));
  }

  /** Integer keys for machine ids; new ones are registered (committed) before the batch goes in. */
  private async resolveMids(ids: Iterable<string>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.mids.has(id));
    if (missing.length === 0) return;
    await this.pool.query('INSERT INTO machine_keys (machine_id) SELECT unnest($1::text[]) ON CONFLICT (machine_id) DO NOTHING', [missing]);
    const rows = (await this.pool.query<{ mid: number; machine_id: string }>('SELECT mid, machine_id FROM machine_keys WHERE machine_id = ANY($1::text[])', [missing])).rows;
    for (const r of rows) this.mids.set(r.machine_id, r.mid);
  }

  private async midOf(machineId: string): Promise<number | undefined> {
    const cached = this.mids.get(machineId);
    if (cached !== undefined) return cached;
    const row = (await this.pool.query<{ mid: number }>('SELECT mid FROM machine_keys WHERE machine_id = $1', [machineId])).rows[0];
    if (row) this.mids.set(machineId, row.mid);
    return row?.mid;
  }

  writeTelemetry(batch: readonly Telemetry[]): Promise<WriteResult> {
    return this.guard('writing telemetry', async () => {
      if (batch.length === 0) return { inserted: 0, duplicates: [] };
      batch.forEach(assertTelemetryRow);
      await this.resolveMids(batch.map((r) => r.machineId));
      const n = batch.length;
      const midCol = new Array<number>(n);
      const tsCol = new Array<number>(n);
      const seqCol = new Array<number | null>(n);
      const maskCol = new Array<number>(n);
      const valueCols = SENSOR_COLUMNS.map(() => new Array<number | null>(n));
      for (let r = 0; r < n; r++) {
        const row = batch[r]!;
        const values = row.values as Record<string, number | null | undefined>;
        let mask = 0;
        for (let i = 0; i < SENSOR_COLUMNS.length; i++) {
          const v = values[SENSOR_COLUMNS[i]!];
          if (v !== undefined) mask |= 1 << i;
          valueCols[i]![r] = v ?? null;
        }
        midCol[r] = this.mids.get(row.machineId)!;
        tsCol[r] = row.tsMs;
        seqCol[r] = row.seq ?? null;
        maskCol[r] = mask;
      }
      const res = await this.pool.query<{ mid: number; ts_ms: number }>(SQL.insertTelemetry, [midCol, tsCol, seqCol, maskCol, ...valueCols]);
      // The first occurrence of a key in the batch is the one stored; every other is a duplicate.
      const stored = new Set(res.rows.map((r) => `${r.mid}:${r.ts_ms}`));
      const duplicates: Telemetry[] = [];
      for (let r = 0; r < n; r++) {
        const key = `${midCol[r]}:${tsCol[r]}`;
        if (stored.has(key)) stored.delete(key);
        else duplicates.push(batch[r]!);
      }
      return { inserted: res.rows.length, duplicates };
    });
  }

  queryTelemetry(query: TelemetryQuery): Promise<Telemetry[]> {
    return this.guard('querying telemetry', async () => {
      assertRange('queryTelemetry', query.fromMs, query.toMs);
      const limit = checkLimit('queryTelemetry', query.limit) ?? null;
      const mid = await this.midOf(query.machineId);
      if (mid === undefined) return [];
      const res = await this.pool.query({
        text: `SELECT ts_ms, seq, mask, ${SENSOR_COLUMNS.join(', ')} FROM telemetry WHERE mid = $1 AND ts_ms >= $2 AND ts_ms < $3 ORDER BY ts_ms LIMIT $4`,
        values: [mid, query.fromMs, query.toMs, limit],
        rowMode: 'array',
      });
      return (res.rows as unknown[][]).map((r) => {
        const mask = r[2] as number;
        const values: Telemetry['values'] = {};
        SENSOR_COLUMNS.forEach((s, i) => {
          if (mask & (1 << i)) values[s] = r[3 + i] as number | null;
        });
        const out: Telemetry = { machineId: query.machineId, tsMs: r[0] as number, values };
        if (r[1] !== null) out.seq = r[1] as number;
        return out;
      });
    });
  }

  querySeries(query: SeriesQuery): Promise<SeriesPoint[]> {
    return this.guard('querying series', async () => {
      assertRange('querySeries', query.fromMs, query.toMs);
      if (!SENSOR_COLUMNS.includes(query.sensor)) {
        throw new StoreError('PW_ERR_STORE_INVALID_QUERY', `querySeries: unknown sensor ${JSON.stringify(query.sensor)}, expected one of ${SENSOR_COLUMNS.join(', ')}`);
      }
      const mid = await this.midOf(query.machineId);
      if (mid === undefined) return [];
      const res = await this.pool.query({
        text: `SELECT ts_ms, ${query.sensor} FROM telemetry WHERE mid = $1 AND ts_ms >= $2 AND ts_ms < $3 AND (mask & ${SENSOR_BITS[query.sensor]}) <> 0 ORDER BY ts_ms`,
        values: [mid, query.fromMs, query.toMs],
        rowMode: 'array',
      });
      return (res.rows as Array<[number, number | null]>).map(([tsMs, value]) => ({ tsMs, value }));
    });
  }

  queryRollup(query: RollupQuery): Promise<RollupPoint[]> {
    return this.guard('querying roll-ups', async () => {
      assertRange('queryRollup', query.fromMs, query.toMs);
      if (!SENSOR_COLUMNS.includes(query.sensor) || (query.resolution !== '1m' && query.resolution !== '1h')) {
        throw new StoreError('PW_ERR_STORE_INVALID_QUERY', `queryRollup: unknown resolution ${JSON.stringify(query.resolution)} or sensor ${JSON.stringify(query.sensor)}`);
      }
      const mid = await this.midOf(query.machineId);
      if (mid === undefined) return [];
      const s = query.sensor;
      const res = await this.pool.query({
        text: `SELECT bucket_ms, ${s}_n, ${s}_min, ${s}_max, ${s}_sum FROM rollup_${query.resolution} WHERE mid = $1 AND bucket_ms >= $2 AND bucket_ms < $3 AND ${s}_n > 0 ORDER BY bucket_ms`,
        values: [mid, query.fromMs, query.toMs],
        rowMode: 'array',
      });
      return (res.rows as Array<[number, number, number, number, number]>).map(([tsMs, count, min, max, sum]) => ({ tsMs, count, min, max, mean: sum / count }));
    });
  }

  private async rollUpIn(c: pg.PoolClient, untilMs: number): Promise<void> {
    const started = performance.now();
    // Row locks serialise concurrent roll-ups (several processes at scale, SPEC 11).
    const rows = (
      await c.query<{ resolution: string; watermark_ms: number | null; dirty_from_ms: number | null; horizon_ms: number | null }>(
        'SELECT resolution, watermark_ms, dirty_from_ms, horizon_ms FROM rollup_state FOR UPDATE',
      )
    ).rows;
    const get = (res: string): RollupState => {
      const r = rows.find((x) => x.resolution === res);
      return { watermarkMs: r?.watermark_ms ?? null, dirtyFromMs: r?.dirty_from_ms ?? null, horizonMs: r?.horizon_ms ?? null };
    };
    const plan = planRollup(get('1m'), get('1h'), untilMs);
    const minute = plan.minute ? (await c.query(SQL.rollupMinute, [plan.minute.fromMs, plan.minute.toMs])).rowCount : 0;
    const hour = plan.hour ? (await c.query(SQL.rollupHour, [plan.hour.fromMs, plan.hour.toMs])).rowCount : 0;
    await c.query("UPDATE rollup_state SET watermark_ms = $1, dirty_from_ms = NULL WHERE resolution = '1m'", [plan.minuteWatermarkMs]);
    await c.query("UPDATE rollup_state SET watermark_ms = $1, dirty_from_ms = NULL WHERE resolution = '1h'", [plan.hourWatermarkMs]);
    this.log.debug({ untilMs, minuteRows: minute, hourRows: hour, ms: Math.round(performance.now() - started) }, 'rolled up');
  }

  rollUp(untilMs: number): Promise<void> {
    return this.guard('rolling up', async () => {
      checkUntil(untilMs);
      await this.tx((c) => this.rollUpIn(c, untilMs));
    });
  }

  applyRetention(policy: RetentionPolicy): Promise<RetentionResult> {
    return this.guard('applying retention', async () => {
      const plan = planRetention(policy);
      return this.tx(async (c) => {
        await this.rollUpIn(c, plan.rollUpUntilMs);
        const result: RetentionResult = {
          rawDeleted: (await c.query('DELETE FROM telemetry WHERE ts_ms < $1', [plan.rawCutMs])).rowCount ?? 0,
          minuteDeleted: (await c.query('DELETE FROM rollup_1m WHERE bucket_ms < $1', [plan.minuteCutMs])).rowCount ?? 0,
          hourDeleted: (await c.query('DELETE FROM rollup_1h WHERE bucket_ms < $1', [plan.hourCutMs])).rowCount ?? 0,
        };
        await c.query("UPDATE rollup_state SET horizon_ms = GREATEST(COALESCE(horizon_ms, $1), $1) WHERE resolution = '1m'", [plan.rawCutMs]);
        await c.query("UPDATE rollup_state SET horizon_ms = GREATEST(COALESCE(horizon_ms, $1), $1) WHERE resolution = '1h'", [plan.minuteCutMs]);
        this.log.info({ ...result, rawCutMs: plan.rawCutMs }, 'retention applied');
        return result;
      });
    });
  }

  writeFaultLabels(labels: readonly FaultLabel[]): Promise<void> {
    return this.guard('writing fault labels', async () => {
      if (labels.length === 0) return;
      await this.pool.query(
        `INSERT INTO fault_labels (id, machine_id, type, sensors, start_ms, end_ms, severity)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::float8[])
         ON CONFLICT (id) DO UPDATE SET machine_id = EXCLUDED.machine_id, type = EXCLUDED.type, sensors = EXCLUDED.sensors,
           start_ms = EXCLUDED.start_ms, end_ms = EXCLUDED.end_ms, severity = EXCLUDED.severity`,
        [
          labels.map((l) => l.id),
          labels.map((l) => l.machineId),
          labels.map((l) => l.type),
          labels.map((l) => JSON.stringify(l.sensors)),
          labels.map((l) => l.startMs),
          labels.map((l) => l.endMs),
          labels.map((l) => l.severity),
        ],
      );
    });
  }

  queryFaultLabels(query: LabelQuery): Promise<FaultLabel[]> {
    return this.guard('querying fault labels', async () => {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, v: unknown): void => {
        params.push(v);
        where.push(sql.replace('?', `$${params.length}`));
      };
      if (query.machineId !== undefined) add('machine_id = ?', query.machineId);
      // A label overlaps [fromMs, toMs) when it starts before toMs and ends after fromMs.
      if (query.toMs !== undefined) add('start_ms < ?', query.toMs);
      if (query.fromMs !== undefined) add('end_ms > ?', query.fromMs);
      const rows = (
        await this.pool.query<{ id: string; machine_id: string; type: FaultLabel['type']; sensors: string; start_ms: number; end_ms: number; severity: number }>(
          `SELECT id, machine_id, type, sensors, start_ms, end_ms, severity FROM fault_labels ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY start_ms, id`,
          params,
        )
      ).rows;
      return rows.map((r) => ({ id: r.id, machineId: r.machine_id, type: r.type, sensors: JSON.parse(r.sensors) as SensorKind[], startMs: r.start_ms, endMs: r.end_ms, severity: r.severity }));
    });
  }

  writeDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    return this.guard('writing dead letters', async () => {
      if (letters.length === 0) return;
      await this.pool.query(
        `INSERT INTO dead_letters (source, origin, received_at_ms, code, reason, payload, machine_id)
         SELECT s, o, r, c, re, p, m FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[])
           WITH ORDINALITY AS u(s, o, r, c, re, p, m, n)
         ORDER BY n`,
        [
          letters.map((d) => d.source),
          letters.map((d) => d.origin),
          letters.map((d) => d.receivedAtMs),
          letters.map((d) => d.code),
          letters.map((d) => d.reason),
          // PostgreSQL text cannot hold NUL bytes; keep the payload readable rather than lose the letter.
          letters.map((d) => d.payload.replace(/\u0000/g, '\\u0000')),
          letters.map((d) => d.machineId ?? null),
        ],
      );
    });
  }

  queryDeadLetters(query: DeadLetterQuery): Promise<DeadLetter[]> {
    return this.guard('querying dead letters', async () => {
      const limit = checkLimit('queryDeadLetters', query.limit) ?? DEFAULT_DEAD_LETTER_LIMIT;
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.fromMs !== undefined) {
        params.push(query.fromMs);
        where.push(`received_at_ms >= $${params.length}`);
      }
      if (query.source !== undefined) {
        params.push(query.source);
        where.push(`source = $${params.length}`);
      }
      params.push(limit);
      const rows = (
        await this.pool.query<{ source: string; origin: string; received_at_ms: number; code: string; reason: string; payload: string; machine_id: string | null }>(
          `SELECT source, origin, received_at_ms, code, reason, payload, machine_id FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at_ms, id LIMIT $${params.length}`,
          params,
        )
      ).rows;
      return rows.map((r) => {
        const d: DeadLetter = { source: r.source, origin: r.origin, receivedAtMs: r.received_at_ms, code: r.code, reason: r.reason, payload: r.payload };
        if (r.machine_id !== null) d.machineId = r.machine_id;
        return d;
      });
    });
  }

  stats(): Promise<StoreStats> {
    return this.guard('reading stats', async () => {
      const r = (
        await this.pool.query<{ t: number; l: number; d: number }>(
          'SELECT (SELECT COUNT(*) FROM telemetry) AS t, (SELECT COUNT(*) FROM fault_labels) AS l, (SELECT COUNT(*) FROM dead_letters) AS d',
        )
      ).rows[0]!;
      return { telemetryRows: r.t, labelRows: r.l, deadLetterRows: r.d };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.pool.end();
    } catch (err) {
      throw toStoreError(err, 'closing', this.url);
    }
    this.log.info({ url: redactUrl(this.url) }, 'PostgreSQL store closed');
  }
}

/**
 * Connects to PostgreSQL and applies pending migrations.
 * @example const store = await openPostgresStore({ url: 'postgres://pw:secret@db:5432/plantwatch' });
 */
export function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  return PostgresStore.open(options);
}
