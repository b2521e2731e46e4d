/** PostgreSQL tables of migration 3 behind the respond ports and the model registry. */
import type pg from 'pg';
import { StoreError, type ActionRecord, type Alert, type AlertTransition, type AuditEntry, type MachineType } from '../../domain/index.js';
import { checkNewModel, decodeAudit, decodeModel, MODEL_META_COLUMNS, type AuditRow, type ModelRow } from './sqlite-records.js';
import {
  auditTarget,
  DEFAULT_ACTION_LIMIT,
  DEFAULT_ALERT_LIMIT,
  DEFAULT_AUDIT_LIMIT,
  type ModelRegistry,
  type NewModel,
  type RegisteredModel,
  type StoreActionQuery,
  type StoreAlertQuery,
  type StoreAuditQuery,
  type StoreRespondRepositories,
} from './types.js';

type Guard = <T>(action: string, fn: () => Promise<T>) => Promise<T>;
type Tx = <T>(fn: (c: pg.PoolClient) => Promise<T>) => Promise<T>;

/** Collects WHERE clauses with numbered placeholders. */
class Where {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];
  add(sql: (p: string) => string, value: unknown): void {
    this.params.push(value);
    this.clauses.push(sql(`$${this.params.length}`));
  }
  sql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
  next(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

export function postgresRespondRepositories(pool: pg.Pool, guard: Guard): StoreRespondRepositories {
  const bodies = async <T>(sql: string, params: unknown[]): Promise<T[]> => (await pool.query<{ body: T }>(sql, params)).rows.map((r) => r.body);
  return {
    alerts: {
      saveAlert: (a: Alert) =>
        guard('saving alert', async () => {
          await pool.query(
            `INSERT INTO alerts (id, machine_id, area_id, type, state, raised_at_ms, body) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET machine_id = EXCLUDED.machine_id, area_id = EXCLUDED.area_id, type = EXCLUDED.type,
               state = EXCLUDED.state, raised_at_ms = EXCLUDED.raised_at_ms, body = EXCLUDED.body`,
            [a.id, a.machineId, a.areaId, a.type, a.state, a.raisedAtMs, JSON.stringify(a)],
          );
        }),
      getAlert: (id: string) => guard('reading alert', async () => (await bodies<Alert>('SELECT body FROM alerts WHERE id = $1', [id]))[0]),
      listOpenAlerts: () => guard('listing open alerts', () => bodies<Alert>("SELECT body FROM alerts WHERE state <> 'closed' ORDER BY raised_at_ms", [])),
      listAlerts: (q: StoreAlertQuery) =>
        guard('listing alerts', () => {
          const w = new Where();
          if (q.machineId !== undefined) w.add((p) => `machine_id = ${p}`, q.machineId);
          if (q.areaId !== undefined) w.add((p) => `area_id = ${p}`, q.areaId);
          if (q.type !== undefined) w.add((p) => `type = ${p}`, q.type);
          if (q.states !== undefined) w.add((p) => `state = ANY(${p}::text[])`, [...q.states]);
          if (q.fromMs !== undefined) w.add((p) => `raised_at_ms >= ${p}`, q.fromMs);
          if (q.toMs !== undefined) w.add((p) => `raised_at_ms < ${p}`, q.toMs);
          const where = w.sql();
          return bodies<Alert>(`SELECT body FROM alerts ${where} ORDER BY raised_at_ms DESC, id DESC LIMIT ${w.next(q.limit ?? DEFAULT_ALERT_LIMIT)}`, w.params);
        }),
      addTransition: (t: AlertTransition) =>
        guard('adding alert transition', async () => {
          await pool.query('INSERT INTO alert_transitions (alert_id, ts_ms, body) VALUES ($1, $2, $3)', [t.alertId, t.tsMs, JSON.stringify(t)]);
        }),
      listTransitions: (alertId: string) => guard('listing alert transitions', () => bodies<AlertTransition>('SELECT body FROM alert_transitions WHERE alert_id = $1 ORDER BY seq', [alertId])),
    },
    actions: {
      saveAction: (a: ActionRecord) =>
        guard('saving action', async () => {
          await pool.query(
            `INSERT INTO actions (id, alert_id, machine_id, status, decided_at_ms, body) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET alert_id = EXCLUDED.alert_id, machine_id = EXCLUDED.machine_id, status = EXCLUDED.status,
               decided_at_ms = EXCLUDED.decided_at_ms, body = EXCLUDED.body`,
            [a.id, a.alertId, a.machineId, a.status, a.decidedAtMs, JSON.stringify(a)],
          );
        }),
      getAction: (id: string) => guard('reading action', async () => (await bodies<ActionRecord>('SELECT body FROM actions WHERE id = $1', [id]))[0]),
      listActions: (q: StoreActionQuery) =>
        guard('listing actions', () => {
          const w = new Where();
          if (q.alertId !== undefined) w.add((p) => `alert_id = ${p}`, q.alertId);
          if (q.machineId !== undefined) w.add((p) => `machine_id = ${p}`, q.machineId);
          if (q.statuses !== undefined) w.add((p) => `status = ANY(${p}::text[])`, [...q.statuses]);
          const where = w.sql();
          return bodies<ActionRecord>(`SELECT body FROM actions ${where} ORDER BY decided_at_ms DESC, seq DESC LIMIT ${w.next(q.limit ?? DEFAULT_ACTION_LIMIT)}`, w.params);
        }),
    },
    audit: {
      append: (e: AuditEntry) =>
        guard('appending to the audit log', async () => {
          await pool.query(
            `INSERT INTO audit_log (id, ts_ms, category, actor, action, target, outcome, alert_id, action_id, rule_id, machine_id, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
            [e.id, e.tsMs, e.category, e.actor, e.action, auditTarget(e), e.outcome, e.alertId, e.actionId, e.ruleId, e.machineId, JSON.stringify(e.detail)],
          );
        }),
      query: (q: StoreAuditQuery) =>
        guard('querying the audit log', async () => {
          const w = new Where();
          if (q.alertId !== undefined) w.add((p) => `alert_id = ${p}`, q.alertId);
          if (q.actionId !== undefined) w.add((p) => `action_id = ${p}`, q.actionId);
          if (q.category !== undefined) w.add((p) => `category = ${p}`, q.category);
          if (q.fromMs !== undefined) w.add((p) => `ts_ms >= ${p}`, q.fromMs);
          const where = w.sql();
          const sql = `SELECT id, ts_ms, category, alert_id, action_id, rule_id, machine_id, actor, action, outcome, details FROM audit_log
            ${where} ORDER BY seq LIMIT ${w.next(q.limit ?? DEFAULT_AUDIT_LIMIT)}`;
          return (await pool.query<AuditRow>(sql, w.params)).rows.map(decodeAudit);
        }),
    },
  };
}

export function postgresModelRegistry(pool: pg.Pool, guard: Guard, tx: Tx): ModelRegistry {
  const get = async (c: pg.Pool | pg.PoolClient, id: string): Promise<RegisteredModel | undefined> => {
    const r = (await c.query<ModelRow>(`SELECT ${MODEL_META_COLUMNS}, blob FROM models WHERE id = $1`, [id])).rows[0];
    return r ? decodeModel(r) : undefined;
  };
  const activate = (id: string, nowMs: number): Promise<RegisteredModel> =>
    tx(async (c) => {
      const m = await get(c, id);
      if (!m) throw new StoreError('PW_ERR_STORE_MODEL_NOT_FOUND', `no model with id "${id}" in the registry`);
      // One activation per machine type at a time across processes.
      await c.query("SELECT pg_advisory_xact_lock(hashtext('plantwatch_models:' || $1))", [m.machineType]);
      await c.query('UPDATE models SET active = FALSE WHERE machine_type = $1 AND active', [m.machineType]);
      await c.query('UPDATE models SET active = TRUE, activated_at_ms = $2 WHERE id = $1', [id, nowMs]);
      return (await get(c, id))!;
    });
  return {
    saveModel: (m: NewModel) =>
      guard('saving model', () =>
        tx(async (c) => {
          checkNewModel(m);
          await c.query("SELECT pg_advisory_xact_lock(hashtext('plantwatch_models:' || $1))", [m.machineType]);
          const version = (await c.query<{ v: number }>('SELECT COALESCE(MAX(version), 0)::int AS v FROM models WHERE machine_type = $1', [m.machineType])).rows[0]!.v + 1;
          const id = m.id ?? `${m.machineType}-v${version}`;
          await c.query(
            `INSERT INTO models (id, machine_type, version, preset, engine, data_from_ms, data_to_ms, metrics, blob, path, created_at_ms, active)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, FALSE)`,
            [id, m.machineType, version, m.preset, m.engine, m.dataFromMs, m.dataToMs, JSON.stringify(m.metrics), m.artifact === null ? null : Buffer.from(m.artifact, 'utf8'), m.path, m.createdAtMs],
          );
          return (await get(c, id))!;
        }),
      ),
    listModels: (machineType?: MachineType) =>
      guard('listing models', async () => {
        const res =
          machineType === undefined
            ? await pool.query<ModelRow>(`SELECT ${MODEL_META_COLUMNS} FROM models ORDER BY created_at_ms DESC, version DESC`)
            : await pool.query<ModelRow>(`SELECT ${MODEL_META_COLUMNS} FROM models WHERE machine_type = $1 ORDER BY version DESC`, [machineType]);
        return res.rows.map(decodeModel);
      }),
    getModel: (id: string) => guard('reading model', () => get(pool, id)),
    activateModel: (id: string, nowMs = Date.now()) => guard('activating model', () => activate(id, nowMs)),
    activeModel: (machineType: MachineType) =>
      guard('reading active model', async () => {
        const id = (await pool.query<{ id: string }>('SELECT id FROM models WHERE machine_type = $1 AND active', [machineType])).rows[0]?.id;
        return id === undefined ? undefined : get(pool, id);
      }),
    rollback: (machineType: MachineType, nowMs = Date.now()) =>
      guard('rolling back model', async () => {
        const prev = (
          await pool.query<{ id: string }>(
            'SELECT id FROM models WHERE machine_type = $1 AND NOT active AND activated_at_ms IS NOT NULL ORDER BY activated_at_ms DESC, version DESC LIMIT 1',
            [machineType],
          )
        ).rows[0]?.id;
        if (prev === undefined) throw new StoreError('PW_ERR_STORE_NO_PREVIOUS_MODEL', `no previously active ${machineType} model to roll back to`);
        return activate(prev, nowMs);
      }),
  };
}
