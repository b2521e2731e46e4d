/**
 * Persistence ports of the responder (STYLE 1, 2: technology in adapters). The in-memory versions
 * in memory-repositories.ts are the default; SQLite and PostgreSQL adapters implement the same
 * interfaces and can run respond's repository contract test (memory-repositories.test.ts).
 * Methods are async so that database adapters share one shape.
 */
import type { ActionRecord, ActionStatus, Alert, AlertState, AlertTransition, AlertType, AuditEntry } from '../domain/index.js';

/** Time source; tests inject a manual clock. */
export interface Clock {
  nowMs(): number;
}

export const SYSTEM_CLOCK: Clock = Object.freeze({ nowMs: () => Date.now() });

export interface AlertQuery {
  machineId?: string;
  areaId?: string;
  type?: AlertType;
  states?: readonly AlertState[];
  /** Raised at or after, epoch ms. */
  fromMs?: number;
  /** Raised before, epoch ms. */
  toMs?: number;
  /** Newest first; default 1000. */
  limit?: number;
}

/** Alerts and their transition history. */
export interface AlertRepository {
  /** Inserts or replaces the alert (by id). */
  saveAlert(alert: Alert): Promise<void>;
  getAlert(id: string): Promise<Alert | undefined>;
  /** Alerts not `closed` (what the responder reloads on start). */
  listOpenAlerts(): Promise<Alert[]>;
  listAlerts(query: AlertQuery): Promise<Alert[]>;
  addTransition(transition: AlertTransition): Promise<void>;
  /** One alert's transitions, oldest first. */
  listTransitions(alertId: string): Promise<AlertTransition[]>;
}

export interface ActionQuery {
  alertId?: string;
  machineId?: string;
  statuses?: readonly ActionStatus[];
  /** Newest first; default 1000. */
  limit?: number;
}

/** Decided actions, recommendations and their outcomes. */
export interface ActionRepository {
  saveAction(action: ActionRecord): Promise<void>;
  getAction(id: string): Promise<ActionRecord | undefined>;
  listActions(query: ActionQuery): Promise<ActionRecord[]>;
}

export interface AuditQuery {
  alertId?: string;
  actionId?: string;
  category?: string;
  fromMs?: number;
  /** Oldest first; default 10 000. */
  limit?: number;
}

/** Append-only audit log of every decision (SPEC 7). */
export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  query(query: AuditQuery): Promise<AuditEntry[]>;
}

export interface RespondRepositories {
  alerts: AlertRepository;
  actions: ActionRepository;
  audit: AuditLog;
}
