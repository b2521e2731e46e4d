/** SQLite tables of migration 3 behind the respond ports and the model registry. */
import type Database from 'better-sqlite3';
import { StoreError, type ActionRecord, type Alert, type AlertTransition, type AuditEntry, type MachineType } from '../../domain/index.js';
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

type Guard = <T>(action: string, fn: () => T) => Promise<T>;

function inList(column: string, values: readonly string[] | undefined, where: string[], params: unknown[]): void {
  if (values === undefined) return;
  if (values.length === 0) where.push('0');
  else {
    where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  }
}

export function sqliteRespondRepositories(db: Database.Database, guard: Guard): StoreRespondRepositories {
  const saveAlert = db.prepare(
    `INSERT INTO alerts (id, machine_id, area_id, type, state, raised_at_ms, body) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET machine_id = excluded.machine_id, area_id = excluded.area_id, type = excluded.type,
       state = excluded.state, raised_at_ms = excluded.raised_at_ms, body = excluded.body`,
  );
  const getAlert = db.prepare('SELECT body FROM alerts WHERE id = ?').pluck();
  const openAlerts = db.prepare("SELECT body FROM alerts WHERE state <> 'closed' ORDER BY raised_at_ms").pluck();
  const addTransition = db.prepare('INSERT INTO alert_transitions (alert_id, ts_ms, body) VALUES (?, ?, ?)');
  const transitions = db.prepare('SELECT body FROM alert_transitions WHERE alert_id = ? ORDER BY seq').pluck();
  const saveAction = db.prepare(
    `INSERT INTO actions (id, seq, alert_id, machine_id, status, decided_at_ms, body)
     VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM actions), ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET alert_id = excluded.alert_id, machine_id = excluded.machine_id, status = excluded.status,
       decided_at_ms = excluded.decided_at_ms, body = excluded.body`,
  );
  const getAction = db.prepare('SELECT body FROM actions WHERE id = ?').pluck();
  const append = db.prepare(
    `INSERT INTO audit_log (id, ts_ms, category, actor, action, target, outcome, alert_id, action_id, rule_id, machine_id, details)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const parse = <T>(text: unknown): T => JSON.parse(text as string) as T;
  return {
    alerts: {
      saveAlert: (a: Alert) => guard('saving alert', () => void saveAlert.run(a.id, a.machineId, a.areaId, a.type, a.state, a.raisedAtMs, JSON.stringify(a))),
      getAlert: (id: string) =>
        guard('reading alert', () => {
          const body = getAlert.get(id);
          return body === undefined ? undefined : parse<Alert>(body);
        }),
      listOpenAlerts: () => guard('listing open alerts', () => openAlerts.all().map((b) => parse<Alert>(b))),
      listAlerts: (q: StoreAlertQuery) =>
        guard('listing alerts', () => {
          const where: string[] = [];
          const params: unknown[] = [];
          if (q.machineId !== undefined) {
            where.push('machine_id = ?');
            params.push(q.machineId);
          }
          if (q.areaId !== undefined) {
            where.push('area_id = ?');
            params.push(q.areaId);
          }
          if (q.type !== undefined) {
            where.push('type = ?');
            params.push(q.type);
          }
          inList('state', q.states, where, params);
          if (q.fromMs !== undefined) {
            where.push('raised_at_ms >= ?');
            params.push(q.fromMs);
          }
          if (q.toMs !== undefined) {
            where.push('raised_at_ms < ?');
            params.push(q.toMs);
          }
          const sql = `SELECT body FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY raised_at_ms DESC, id DESC LIMIT ?`;
          return db
            .prepare(sql)
            .pluck()
            .all(...params, q.limit ?? DEFAULT_ALERT_LIMIT)
            .map((b) => parse<Alert>(b));
        }),
      addTransition: (t: AlertTransition) => guard('adding alert transition', () => void addTransition.run(t.alertId, t.tsMs, JSON.stringify(t))),
      listTransitions: (alertId: string) => guard('listing alert transitions', () => transitions.all(alertId).map((b) => parse<AlertTransition>(b))),
    },
    actions: {
      saveAction: (a: ActionRecord) => guard('saving action', () => void saveAction.run(a.id, a.alertId, a.machineId, a.status, a.decidedAtMs, JSON.stringify(a))),
      getAction: (id: string) =>
        guard('reading action', () => {
          const body = getAction.get(id);
          return body === undefined ? undefined : parse<ActionRecord>(body);
        }),
      listActions: (q: StoreActionQuery) =>
        guard('listing actions', () => {
          const where: string[] = [];
          const params: unknown[] = [];
          if (q.alertId !== undefined) {
            where.push('alert_id = ?');
            params.push(q.alertId);
          }
          if (q.machineId !== undefined) {
            where.push('machine_id = ?');
            params.push(q.machineId);
          }
          inList('status', q.statuses, where, params);
          const sql = `SELECT body FROM actions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY decided_at_ms DESC, seq DESC LIMIT ?`;
          return db
            .prepare(sql)
            .pluck()
            .all(...params, q.limit ?? DEFAULT_ACTION_LIMIT)
            .map((b) => parse<ActionRecord>(b));
        }),
    },
    audit: {
      append: (e: AuditEntry) =>
        guard('appending to the audit log', () =>
          void append.run(e.id, e.tsMs, e.category, e.actor, e.action, auditTarget(e), e.outcome, e.alertId, e.actionId, e.ruleId, e.machineId, JSON.stringify(e.detail)),
        ),
      query: (q: StoreAuditQuery) =>
        guard('querying the audit log', () => {
          const where: string[] = [];
          const params: unknown[] = [];
          if (q.alertId !== undefined) {
            where.push('alert_id = ?');
            params.push(q.alertId);
          }
          if (q.actionId !== undefined) {
            where.push('action_id = ?');
            params.push(q.actionId);
          }
          if (q.category !== undefined) {
            where.push('category = ?');
            params.push(q.category);
          }
          if (q.fromMs !== undefined) {
            where.push('ts_ms >= ?');
            params.push(q.fromMs);
          }
          const sql = `SELECT id, ts_ms, category, alert_id, action_id, rule_id, machine_id, actor, action, outcome, details FROM audit_log
            ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT ?`;
          return (db.prepare(sql).all(...params, q.limit ?? DEFAULT_AUDIT_LIMIT) as AuditRow[]).map(decodeAudit);
        }),
    },
  };
}

export interface AuditRow {
  id: string;
  ts_ms: number;
  category: string;
  alert_id: string | null;
  action_id: string | null;
  rule_id: string | null;
  machine_id: string | null;
  actor: string;
  action: string | null;
  outcome: string;
  details: string | Record<string, unknown>;
}

export function decodeAudit(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    tsMs: r.ts_ms,
    category: r.category,
    alertId: r.alert_id,
    actionId: r.action_id,
    ruleId: r.rule_id,
    machineId: r.machine_id,
    actor: r.actor,
    action: r.action,
    outcome: r.outcome,
    detail: typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : r.details,
  };
}

export interface ModelRow {
  id: string;
  machine_type: string;
  version: number;
  preset: string;
  engine: string;
  data_from_ms: number | null;
  data_to_ms: number | null;
  metrics: string | Record<string, unknown>;
  blob?: Buffer | null;
  path: string | null;
  created_at_ms: number;
  active: number | boolean;
  activated_at_ms: number | null;
}

export function decodeModel(r: ModelRow): RegisteredModel {
  return {
    id: r.id,
    machineType: r.machine_type as MachineType,
    version: r.version,
    preset: r.preset,
    engine: r.engine,
    dataFromMs: r.data_from_ms,
    dataToMs: r.data_to_ms,
    metrics: typeof r.metrics === 'string' ? (JSON.parse(r.metrics) as Record<string, unknown>) : r.metrics,
    artifact: r.blob ? r.blob.toString('utf8') : null,
    path: r.path,
    createdAtMs: r.created_at_ms,
    active: r.active === true || r.active === 1,
    activatedAtMs: r.activated_at_ms,
  };
}

export const MODEL_META_COLUMNS = 'id, machine_type, version, preset, engine, data_from_ms, data_to_ms, metrics, path, created_at_ms, active, activated_at_ms';

export function checkNewModel(m: NewModel): void {
  if (m.artifact === null && m.path === null) throw new StoreError('PW_ERR_STORE_MODEL_EMPTY', `model of type ${m.machineType}: give an artifact or a path`);
}

export function sqliteModelRegistry(db: Database.Database, guard: Guard): ModelRegistry {
  const byId = db.prepare(`SELECT ${MODEL_META_COLUMNS}, blob FROM models WHERE id = ?`);
  const get = (id: string): RegisteredModel | undefined => {
    const r = byId.get(id) as ModelRow | undefined;
    return r ? decodeModel(r) : undefined;
  };
  const activate = (id: string, nowMs: number): RegisteredModel => {
    const m = get(id);
    if (!m) throw new StoreError('PW_ERR_STORE_MODEL_NOT_FOUND', `no model with id "${id}" in the registry`);
    db.transaction(() => {
      db.prepare('UPDATE models SET active = 0 WHERE machine_type = ? AND active = 1').run(m.machineType);
      db.prepare('UPDATE models SET active = 1, activated_at_ms = ? WHERE id = ?').run(nowMs, id);
    })();
    return get(id)!;
  };
  return {
    saveModel: (m: NewModel) =>
      guard('saving model', () => {
        checkNewModel(m);
        return db.transaction(() => {
          const version = ((db.prepare('SELECT COALESCE(MAX(version), 0) FROM models WHERE machine_type = ?').pluck().get(m.machineType) as number) ?? 0) + 1;
          const id = m.id ?? `${m.machineType}-v${version}`;
          db.prepare(
            `INSERT INTO models (id, machine_type, version, preset, engine, data_from_ms, data_to_ms, metrics, blob, path, created_at_ms, active)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
          ).run(id, m.machineType, version, m.preset, m.engine, m.dataFromMs, m.dataToMs, JSON.stringify(m.metrics), m.artifact === null ? null : Buffer.from(m.artifact, 'utf8'), m.path, m.createdAtMs);
          return get(id)!;
        })();
      }),
    listModels: (machineType?: MachineType) =>
      guard('listing models', () => {
        const rows = (
          machineType === undefined
            ? db.prepare(`SELECT ${MODEL_META_COLUMNS} FROM models ORDER BY created_at_ms DESC, version DESC`).all()
            : db.prepare(`SELECT ${MODEL_META_COLUMNS} FROM models WHERE machine_type = ? ORDER BY version DESC`).all(machineType)
        ) as ModelRow[];
        return rows.map(decodeModel);
      }),
    getModel: (id: string) => guard('reading model', () => get(id)),
    activateModel: (id: string, nowMs = Date.now()) => guard('activating model', () => activate(id, nowMs)),
    activeModel: (machineType: MachineType) =>
      guard('reading active model', () => {
        const id = db.prepare('SELECT id FROM models WHERE machine_type = ? AND active = 1').pluck().get(machineType) as string | undefined;
        return id === undefined ? undefined : get(id);
      }),
    rollback: (machineType: MachineType, nowMs = Date.now()) =>
      guard('rolling back model', () => {
        const prev = db
          .prepare('SELECT id FROM models WHERE machine_type = ? AND active = 0 AND activated_at_ms IS NOT NULL ORDER BY activated_at_ms DESC, version DESC LIMIT 1')
          .pluck()
          .get(machineType) as string | undefined;
        if (prev === undefined) throw new StoreError('PW_ERR_STORE_NO_PREVIOUS_MODEL', `no previously active ${machineType} model to roll back to`);
        return activate(prev, nowMs);
      }),
  };
}
