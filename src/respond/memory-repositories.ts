import type { ActionRecord, Alert, AlertTransition, AuditEntry } from '../domain/index.js';
import type { ActionQuery, ActionRepository, AlertQuery, AlertRepository, AuditLog, AuditQuery, RespondRepositories } from './ports.js';

/** Values are copied in and out so callers can't change what is stored behind the repository's back. */
const copy = <T>(value: T): T => structuredClone(value);

/** In-memory {@link AlertRepository}: the default until a database adapter is wired in. */
export class MemoryAlertRepository implements AlertRepository {
  private readonly alerts = new Map<string, Alert>();
  private readonly transitions = new Map<string, AlertTransition[]>();

  async saveAlert(alert: Alert): Promise<void> {
    this.alerts.set(alert.id, copy(alert));
  }

  async getAlert(id: string): Promise<Alert | undefined> {
    const a = this.alerts.get(id);
    return a ? copy(a) : undefined;
  }

  async listOpenAlerts(): Promise<Alert[]> {
    return [...this.alerts.values()].filter((a) => a.state !== 'closed').map(copy);
  }

  async listAlerts(q: AlertQuery): Promise<Alert[]> {
    const out = [...this.alerts.values()].filter(
      (a) =>
        (q.machineId === undefined || a.machineId === q.machineId) &&
        (q.areaId === undefined || a.areaId === q.areaId) &&
        (q.type === undefined || a.type === q.type) &&
        (q.states === undefined || q.states.includes(a.state)) &&
        (q.fromMs === undefined || a.raisedAtMs >= q.fromMs) &&
        (q.toMs === undefined || a.raisedAtMs < q.toMs),
    );
    out.sort((a, b) => b.raisedAtMs - a.raisedAtMs || (a.id < b.id ? 1 : -1));
    return out.slice(0, q.limit ?? 1000).map(copy);
  }

  async addTransition(t: AlertTransition): Promise<void> {
    const list = this.transitions.get(t.alertId) ?? [];
    list.push(copy(t));
    this.transitions.set(t.alertId, list);
  }

  async listTransitions(alertId: string): Promise<AlertTransition[]> {
    return (this.transitions.get(alertId) ?? []).map(copy);
  }
}

/** In-memory {@link ActionRepository}. */
export class MemoryActionRepository implements ActionRepository {
  private readonly actions = new Map<string, ActionRecord>();
  private order = 0;
  private readonly seq = new Map<string, number>();

  async saveAction(action: ActionRecord): Promise<void> {
    if (!this.seq.has(action.id)) this.seq.set(action.id, this.order++);
    this.actions.set(action.id, copy(action));
  }

  async getAction(id: string): Promise<ActionRecord | undefined> {
    const a = this.actions.get(id);
    return a ? copy(a) : undefined;
  }

  async listActions(q: ActionQuery): Promise<ActionRecord[]> {
    const out = [...this.actions.values()].filter(
      (a) =>
        (q.alertId === undefined || a.alertId === q.alertId) &&
        (q.machineId === undefined || a.machineId === q.machineId) &&
        (q.statuses === undefined || q.statuses.includes(a.status)),
    );
    // Newest first; insertion order breaks ties of equal decision times.
    out.sort((a, b) => b.decidedAtMs - a.decidedAtMs || this.seq.get(b.id)! - this.seq.get(a.id)!);
    return out.slice(0, q.limit ?? 1000).map(copy);
  }
}

/** In-memory append-only {@link AuditLog}. */
export class MemoryAuditLog implements AuditLog {
  private readonly entries: AuditEntry[] = [];

  async append(entry: AuditEntry): Promise<void> {
    this.entries.push(copy(entry));
  }

  async query(q: AuditQuery): Promise<AuditEntry[]> {
    return this.entries
      .filter(
        (e) =>
          (q.alertId === undefined || e.alertId === q.alertId) &&
          (q.actionId === undefined || e.actionId === q.actionId) &&
          (q.category === undefined || e.category === q.category) &&
          (q.fromMs === undefined || e.tsMs >= q.fromMs),
      )
      .slice(0, q.limit ?? 10_000)
      .map(copy);
  }
}

export function createMemoryRepositories(): RespondRepositories {
  return { alerts: new MemoryAlertRepository(), actions: new MemoryActionRepository(), audit: new MemoryAuditLog() };
}
