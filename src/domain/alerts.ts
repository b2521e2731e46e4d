/**
 * Alerts, anomaly events and the records of the response to them (SPEC 7, paper 3.7, 4.6, Table 8).
 * Lifecycle after ISA-18.2 (alarm states: unacknowledged, acknowledged, returned to normal
 * unacknowledged, normal; shelved; suppressed by design / out of service).
 */
import { AppError, type AppErrorOptions } from './errors.js';
import type { FaultType } from './faults.js';
import type { Criticality, MachineType } from './plant.js';
import type { SensorKind } from './sensors.js';
import type { CommandType, MachineStatus } from './commands.js';

/** What an anomaly event names: a process or data fault (Table 8, SPEC 1), or an impossible value (SPEC 4). */
export type AnomalyType = FaultType | 'impossible_value';

/** Alert types: anomaly types plus the one alert that stands for a flood of alerts in an area. */
export type AlertType = AnomalyType | 'alert_flood';

export const URGENCIES = ['low', 'medium', 'high', 'critical'] as const;
export type Urgency = (typeof URGENCIES)[number];

/** Rank of an urgency, low = 0 .. critical = 3, for comparisons. */
export function urgencyRank(urgency: Urgency): number {
  return URGENCIES.indexOf(urgency);
}

export function isUrgency(value: unknown): value is Urgency {
  return typeof value === 'string' && (URGENCIES as readonly string[]).includes(value);
}

export type OperatingState = MachineStatus['state'];

/** One sensor's part in an anomaly: what it read, what the model expected, and the threshold it crossed. */
export interface SensorEvidence {
  sensor: SensorKind;
  /** This sensor's anomaly score (smoothed error, same scale as `threshold`). */
  score: number;
  /** The reading; null when the sensor reported nothing. */
  actual: number | null;
  /** The forecaster's prediction for this tick. */
  predicted: number;
  /** The score threshold this sensor crossed. */
  threshold: number;
  /** Whether the reading is above or below the prediction. */
  direction: 'above' | 'below';
}

/** A few recent readings of a machine, for the alert's context. */
export interface RecentReading {
  tsMs: number;
  values: Partial<Record<SensorKind, number | null>>;
}

/**
 * What the detector emits when a machine's score crosses its threshold (issue 5 item 1).
 * @example { machineId: 'wld-003', areaId: 'welding-1', machineType: 'welding', type: 'overheating',
 *   score: 0.9, threshold: 0.4, tsMs: Date.now(), dataQuality: false, sensors: [...] }
 */
export interface AnomalyEvent {
  machineId: string;
  areaId: string;
  machineType: MachineType;
  type: AnomalyType;
  /** Anomaly score, 0..1 typically, above 1 for extreme deviations. */
  score: number;
  /** The score threshold that was crossed (same scale as `score`); hysteresis clears below a fraction of it. */
  threshold: number;
  /** Detection time (the scored reading's timestamp), epoch ms. */
  tsMs: number;
  /** True for gaps, disconnects, impossible values: a data-quality event, not a process anomaly (SPEC 4). */
  dataQuality: boolean;
  /** Sensors that deviated, strongest first. */
  sensors: SensorEvidence[];
  /** Machine criticality when the detector knows it; otherwise taken from the plant. */
  criticality?: Criticality;
  /** Operating state when the detector knows it; otherwise the last MachineStatus seen. */
  operatingState?: OperatingState;
  /** Recent readings (oldest first), for context. */
  recent?: RecentReading[];
  /** When the reading reached ingestion, epoch ms (stage timing, SPEC 6). */
  ingestedAtMs?: number;
  /** When the detector scored it, epoch ms (stage timing, SPEC 6). */
  scoredAtMs?: number;
}

/** The detector's "this machine is below threshold" tick, so alerts can return to normal. */
export interface NormalEvent {
  machineId: string;
  /** Which alert type this tick speaks for; absent = every open alert of the machine. */
  type?: AnomalyType;
  score: number;
  /** The raise threshold (same scale as `score`). */
  threshold: number;
  tsMs: number;
}

/**
 * ISA-18.2 states. `closed` is "normal": cleared and acknowledged; a closed alert never reopens
 * (a new occurrence is a new alert).
 */
export const ALERT_STATES = ['active_unacknowledged', 'active_acknowledged', 'cleared_unacknowledged', 'closed', 'shelved', 'suppressed'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** Why an alert is suppressed: the machine is in maintenance (out of service), or an area flood groups it. */
export type SuppressionReason = 'maintenance' | 'flood';

export interface AlertContext {
  /** Latest evidence per sensor. */
  sensors: SensorEvidence[];
  /** Evidence at the peak score. */
  peakSensors: SensorEvidence[];
  /** Recent readings, oldest first (bounded). */
  recent: RecentReading[];
}

export interface Alert {
  id: string;
  machineId: string;
  areaId: string;
  machineType: MachineType | null;
  type: AlertType;
  state: AlertState;
  urgency: Urgency;
  /** Highest urgency reached. */
  peakUrgency: Urgency;
  dataQuality: boolean;
  /** Latest score. */
  score: number;
  peakScore: number;
  threshold: number;
  /** Occurrences (anomaly events) folded into this alert. */
  count: number;
  raisedAtMs: number;
  lastSeenAtMs: number;
  /** Stage times of the first event (SPEC 6): the reading's timestamp, when it was ingested and scored. */
  detectedAtMs: number;
  ingestedAtMs: number | null;
  scoredAtMs: number | null;
  acknowledgedAtMs: number | null;
  acknowledgedBy: string | null;
  ackComment: string | null;
  /** When the condition returned to normal (hysteresis satisfied). */
  clearedAtMs: number | null;
  closedAtMs: number | null;
  /** Shelved until this time (auto-unshelve). */
  shelvedUntilMs: number | null;
  shelvedBy: string | null;
  suppressedReason: SuppressionReason | null;
  /** Whether the process condition is still present (tracked even while shelved or suppressed). */
  conditionActive: boolean;
  /** For `alert_flood`: the alerts grouped under it. For a grouped alert: the flood alert's id. */
  groupedAlertIds: string[];
  floodAlertId: string | null;
  /** Escalation levels already notified. */
  escalationLevel: number;
  lastEscalatedAtMs: number | null;
  sensors: SensorKind[];
  context: AlertContext;
  /** Plain-words recommendation (paper 3.7: alerts come with contextual information). */
  recommendation: string;
}

export interface AlertTransition {
  alertId: string;
  from: AlertState | null;
  to: AlertState;
  tsMs: number;
  /** `system` or the user's name. */
  actor: string;
  /** raise, repeat, acknowledge, clear, shelve, unshelve, suppress, unsuppress, reactivate, close. */
  reason: string;
  comment?: string;
}

export const ACTION_KINDS = ['automatic', 'recommended', 'notify'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const RESPONSE_TEAMS = ['maintenance', 'it', 'technical', 'operations'] as const;
export type ResponseTeam = (typeof RESPONSE_TEAMS)[number];

export const NOTIFY_CHANNELS = ['webhook', 'email', 'console'] as const;
export type NotifyChannel = (typeof NOTIFY_CHANNELS)[number];

/**
 * Where an action stands. Terminal outcomes of a decision: `acked`, `rejected_by_machine`,
 * `timeout`, `failed`, `dry_run`, `sent` (notifications), `suppressed`, `cooldown`,
 * `rate_limited`, `rejected` (by an operator).
 */
export type ActionStatus =
  | 'pending_approval'
  | 'approved'
  | 'rejected'
  | 'dispatching'
  | 'acked'
  | 'rejected_by_machine'
  | 'timeout'
  | 'sent'
  | 'failed'
  | 'dry_run'
  | 'suppressed'
  | 'cooldown'
  | 'rate_limited';

/** Did the anomaly clear after the command, and how fast (issue 5 item 4). */
export interface ActionEffect {
  cleared: boolean;
  /** Time from the machine's acknowledgement (or the send, without one) to the alert's clear. */
  clearedAfterMs: number | null;
  /** When the verdict was reached. */
  decidedAtMs: number;
}

/** One decided action (automatic command, recommendation, notification) and what became of it. */
export interface ActionRecord {
  id: string;
  alertId: string;
  machineId: string;
  ruleId: string;
  kind: ActionKind;
  command: CommandType | null;
  /** The command's arguments (on/off, load factor), so an approved recommendation sends what was proposed. */
  commandArgs: { on?: boolean; loadFactor?: number } | null;
  commandId: string | null;
  team: ResponseTeam | null;
  channels: NotifyChannel[];
  status: ActionStatus;
  /** Why: the interlock, the error message, the ack detail. */
  detail: string | null;
  attempts: number;
  dryRun: boolean;
  /** For recommendations: who approved or rejected it. */
  decidedBy: string | null;
  /** Stage timestamps (SPEC 6): alert raised -> action decided -> command sent -> machine ack. */
  alertRaisedAtMs: number;
  decidedAtMs: number;
  sentAtMs: number | null;
  ackAtMs: number | null;
  finishedAtMs: number | null;
  effect: ActionEffect | null;
}

/** One audited decision (SPEC 7: what triggered it, which rule, who approved, the outcome). */
export interface AuditEntry {
  id: string;
  tsMs: number;
  /** alert.raised, alert.transition, rule.decision, action.outcome, recommendation.approved, escalation, ... */
  category: string;
  alertId: string | null;
  actionId: string | null;
  ruleId: string | null;
  machineId: string | null;
  /** `system` or a user name. */
  actor: string;
  /** e.g. `automatic:cooling`, `notify:maintenance`. */
  action: string | null;
  /** e.g. `acked`, `failed`, `cooldown`, `interlock`. */
  outcome: string;
  /** The triggering event's detection time, score and type, the error message... */
  detail: Record<string, unknown>;
}

type AlertErrorCode = `PW_ERR_ALERT_${string}`;
type RespondErrorCode = `PW_ERR_RULES_${string}` | `PW_ERR_ACTION_${string}` | `PW_ERR_NOTIFY_${string}` | `PW_ERR_COMMAND_${string}`;

/** An illegal alert transition or an unknown alert (PW_ERR_ALERT_*). */
export class AlertError extends AppError {
  constructor(code: AlertErrorCode, message: string, httpStatus = 409, options?: AppErrorOptions) {
    super(code, message, httpStatus, options);
  }
}

/** Rules file, action, notification and command errors. */
export class RespondError extends AppError {
  constructor(code: RespondErrorCode, message: string, httpStatus = 500, options?: AppErrorOptions) {
    super(code, message, httpStatus, options);
  }
}
