/**
 * Shapes of the responder's repositories and the model registry as the store implements them
 * (migration 3). They mirror respond's ports (src/respond/ports.ts) structurally: the store may not
 * import respond (dependencies point inward), and TypeScript checks the match where main.ts wires them.
 */
import type { ActionRecord, ActionStatus, Alert, AlertState, AlertTransition, AlertType, AuditEntry, MachineType } from '../../domain/index.js';

export interface StoreAlertQuery {
  machineId?: string;
  areaId?: string;
  type?: AlertType;
  states?: readonly AlertState[];
  fromMs?: number;
  toMs?: number;
  limit?: number;
}

export interface StoreActionQuery {
  alertId?: string;
  machineId?: string;
  statuses?: readonly ActionStatus[];
  limit?: number;
}

export interface StoreAuditQuery {
  alertId?: string;
  actionId?: string;
  category?: string;
  fromMs?: number;
  limit?: number;
}

export interface StoreRespondRepositories {
  alerts: {
    saveAlert(alert: Alert): Promise<void>;
    getAlert(id: string): Promise<Alert | undefined>;
    listOpenAlerts(): Promise<Alert[]>;
    listAlerts(query: StoreAlertQuery): Promise<Alert[]>;
    addTransition(transition: AlertTransition): Promise<void>;
    listTransitions(alertId: string): Promise<AlertTransition[]>;
  };
  actions: {
    saveAction(action: ActionRecord): Promise<void>;
    getAction(id: string): Promise<ActionRecord | undefined>;
    listActions(query: StoreActionQuery): Promise<ActionRecord[]>;
  };
  audit: {
    append(entry: AuditEntry): Promise<void>;
    query(query: StoreAuditQuery): Promise<AuditEntry[]>;
  };
}

export const DEFAULT_ALERT_LIMIT = 1000;
export const DEFAULT_ACTION_LIMIT = 1000;
export const DEFAULT_AUDIT_LIMIT = 10_000;

/** One trained forecaster in the registry. */
export interface RegisteredModel {
  /** Unique id, e.g. `welding-v3`. */
  id: string;
  machineType: MachineType;
  /** 1, 2, ... per machine type, assigned by saveModel. */
  version: number;
  preset: string;
  engine: string;
  /** The training data's time range, epoch ms (null: simulated history without stored data). */
  dataFromMs: number | null;
  dataToMs: number | null;
  /** Training and validation figures (loss, val loss, epochs, thresholds...). */
  metrics: Record<string, unknown>;
  /** The model artifact (saved-model JSON plus what the detector needs); null when stored at `path`. */
  artifact: string | null;
  /** A file under dataDir holding the artifact, when not stored inline. */
  path: string | null;
  createdAtMs: number;
  active: boolean;
  activatedAtMs: number | null;
}

/** What saveModel needs; the registry assigns the version and id. */
export type NewModel = Omit<RegisteredModel, 'id' | 'version' | 'active' | 'activatedAtMs'> & { id?: string };

/** Model registry (issue 5): one active model per machine type; activate and roll back. */
export interface ModelRegistry {
  /** Stores a model as the next version of its machine type (inactive). */
  saveModel(model: NewModel): Promise<RegisteredModel>;
  /** Newest first, without artifacts (metadata only); optionally of one machine type. */
  listModels(machineType?: MachineType): Promise<RegisteredModel[]>;
  /** The model with its artifact. */
  getModel(id: string): Promise<RegisteredModel | undefined>;
  /** Makes `id` the active model of its machine type (deactivating the previous one). */
  activateModel(id: string, nowMs?: number): Promise<RegisteredModel>;
  /** The active model of a machine type, with its artifact. */
  activeModel(machineType: MachineType): Promise<RegisteredModel | undefined>;
  /** Re-activates the model that was active before the current one; throws when there is none. */
  rollback(machineType: MachineType, nowMs?: number): Promise<RegisteredModel>;
}

/** The audit row's target: an explicit `detail.target`, else the machine, else the alert. */
export function auditTarget(e: AuditEntry): string | null {
  const t = e.detail['target'];
  return typeof t === 'string' ? t : (e.machineId ?? e.alertId);
}
