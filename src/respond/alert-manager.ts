import { randomUUID } from 'node:crypto';
import type {
  Alert,
  AlertState,
  AlertTransition,
  AlertType,
  AnomalyEvent,
  Criticality,
  Machine,
  NormalEvent,
  OperatingState,
  RecentReading,
  SuppressionReason,
  Urgency,
} from '../domain/index.js';
import { AlertError, urgencyRank, ValidationError } from '../domain/index.js';
import type { AlertRepository, Clock } from './ports.js';
import { recommend } from './recommendation.js';
import { computeUrgency } from './urgency.js';

/**
 * The allowed transitions (ISA-18.2 state model, simplified to the states SPEC 7 names).
 * `null` is "no alert yet". Everything else raises PW_ERR_ALERT_ILLEGAL_TRANSITION.
 */
export const ALERT_TRANSITIONS: Readonly<Record<AlertState, readonly AlertState[]>> = Object.freeze({
  active_unacknowledged: ['active_acknowledged', 'cleared_unacknowledged', 'shelved', 'suppressed'],
  active_acknowledged: ['closed', 'shelved', 'suppressed'],
  // Return to normal, not yet acknowledged; the condition may come back before anyone looks.
  cleared_unacknowledged: ['closed', 'active_unacknowledged', 'shelved', 'suppressed'],
  shelved: ['active_unacknowledged', 'closed'],
  suppressed: ['active_unacknowledged', 'closed'],
  closed: [],
});

export function canTransition(from: AlertState, to: AlertState): boolean {
  return ALERT_TRANSITIONS[from].includes(to);
}

export interface FloodOptions {
  /** Sliding window over which new alerts of one area are counted. */
  windowMs: number;
  /** More new alerts than this in the window is a flood (EEMUA 191: > 10 in 10 minutes). */
  maxAlerts: number;
  /** Alerts at or above this urgency are never grouped away. */
  passUrgency: Urgency;
}

export interface AlertManagerOptions {
  /** A tick counts towards return-to-normal only below `clearRatio` x threshold (the deadband). */
  clearRatio: number;
  /** Clear after this many consecutive normal ticks; null: don't clear by count. */
  clearAfterTicks: number | null;
  /** Clear after the score stayed below the clear level this long (event time); null: don't clear by time. */
  clearAfterMs: number | null;
  flood: FloodOptions;
  /** Recent readings kept in an alert's context. */
  recentLimit: number;
  /** Longest an alert may be shelved (ISA-18.2: shelving is time-limited). */
  maxShelveMs: number;
}

export const DEFAULT_ALERT_MANAGER_OPTIONS: Readonly<AlertManagerOptions> = Object.freeze({
  clearRatio: 0.8,
  clearAfterTicks: 3,
  clearAfterMs: 15_000,
  flood: Object.freeze({ windowMs: 10 * 60_000, maxAlerts: 10, passUrgency: 'high' as Urgency }),
  recentLimit: 20,
  maxShelveMs: 8 * 3_600_000,
});

/** What an anomaly event did to the alert list. */
export interface AnomalyOutcome {
  alert: Alert;
  change: 'raised' | 'repeated' | 'reactivated' | 'urgency_raised';
  /** Whether the rules should decide on this alert now: new, back after clearing, or more urgent than when the rules last decided on it (not when its urgency merely dips and recovers). */
  decide: boolean;
  /** A flood alert this event started. */
  floodAlert?: Alert;
}

export interface MaintenanceWindow {
  machineId: string;
  fromMs: number;
  untilMs: number;
  user: string;
  reason: string;
}

export type TransitionListener = (alert: Alert, transition: AlertTransition) => void;

interface Hysteresis {
  belowTicks: number;
  belowSinceMs: number | null;
}

const SYSTEM = 'system';

/**
 * Keeps the alert list (one open alert per machine and type), runs the ISA-18.2 lifecycle with
 * hysteresis, shelving, maintenance suppression and per-area flood control, and records every
 * transition. Not re-entrant: the responder feeds it one call at a time.
 */
export class AlertManager {
  private readonly options: AlertManagerOptions;
  private readonly open = new Map<string, Alert>();
  private readonly byKey = new Map<string, string>();
  /** Open alert ids per machine: a normal tick touches only its machine's alerts (10,000 machines per tick). */
  private readonly byMachine = new Map<string, Set<string>>();
  private readonly hysteresis = new Map<string, Hysteresis>();
  /**
   * Highest urgency rank the rules have decided on per open alert, since its raise or its last
   * reactivation. An open alert is decided once; again only when it becomes more urgent than that
   * (escalation) or after it cleared and came back, not each time its urgency dips and recovers.
   */
  private readonly decidedRank = new Map<string, number>();
  private readonly maintenance = new Map<string, MaintenanceWindow>();
  private readonly raisesByArea = new Map<string, number[]>();
  private readonly floodByArea = new Map<string, string>();
  private readonly status = new Map<string, OperatingState>();
  private readonly machines = new Map<string, Machine>();
  private readonly listeners: TransitionListener[] = [];

  constructor(
    private readonly repo: AlertRepository,
    private readonly clock: Clock,
    options: Partial<AlertManagerOptions> = {},
    machines: readonly Machine[] = [],
  ) {
    this.options = { ...DEFAULT_ALERT_MANAGER_OPTIONS, ...options, flood: { ...DEFAULT_ALERT_MANAGER_OPTIONS.flood, ...options.flood } };
    for (const m of machines) this.machines.set(m.id, m);
  }

  onTransition(listener: TransitionListener): void {
    this.listeners.push(listener);
  }

  /** Reloads open alerts from the repository (after a restart). */
  async load(): Promise<void> {
    for (const a of await this.repo.listOpenAlerts()) {
      this.remember(a);
      this.decidedRank.set(a.id, urgencyRank(a.peakUrgency));
    }
  }

  setOperatingState(machineId: string, state: OperatingState): void {
    this.status.set(machineId, state);
  }

  getOpen(id: string): Alert | undefined {
    const a = this.open.get(id);
    return a ? structuredClone(a) : undefined;
  }

  listOpen(): Alert[] {
    return this.listOpenWhere(() => true);
  }

  /** Copies of the open alerts that pass `keep` (tested on the live alert, so only matches are copied). */
  listOpenWhere(keep: (alert: Readonly<Alert>) => boolean): Alert[] {
    const out: Alert[] = [];
    for (const a of this.open.values()) if (keep(a)) out.push(structuredClone(a));
    return out;
  }

  maintenanceOf(machineId: string): MaintenanceWindow | undefined {
    const w = this.maintenance.get(machineId);
    return w && w.untilMs > this.clock.nowMs() ? { ...w } : undefined;
  }

  /** Folds an anomaly event into the alert list. */
  async onAnomaly(event: AnomalyEvent): Promise<AnomalyOutcome> {
    validateEvent(event);
    const now = this.clock.nowMs();
    const urgency = computeUrgency({ event, criticality: this.criticalityOf(event), operatingState: event.operatingState ?? this.status.get(event.machineId) ?? 'running' });
    const existing = this.findOpen(event.machineId, event.type);
    if (existing) {
      this.hysteresis.set(existing.id, { belowTicks: 0, belowSinceMs: null });
      const before = existing.urgency;
      existing.count += 1;
      existing.score = event.score;
      existing.threshold = event.threshold;
      existing.lastSeenAtMs = now;
      existing.urgency = urgency;
      if (urgencyRank(urgency) > urgencyRank(existing.peakUrgency)) existing.peakUrgency = urgency;
      existing.context.sensors = event.sensors;
      if (event.score >= existing.peakScore) {
        existing.peakScore = event.score;
        existing.context.peakSensors = event.sensors;
      }
      existing.context.recent = this.mergeRecent(existing.context.recent, event);
      existing.recommendation = recommend(existing.type, existing.machineId, urgency, event.sensors);
      existing.conditionActive = true;
      existing.clearedAtMs = null;
      if (existing.state === 'cleared_unacknowledged') {
        this.decidedRank.set(existing.id, urgencyRank(urgency));
        await this.move(existing, 'active_unacknowledged', 'reactivate', SYSTEM);
        return { alert: structuredClone(existing), change: 'reactivated', decide: true };
      }
      await this.repo.saveAlert(existing);
      const decided = this.decidedRank.get(existing.id) ?? urgencyRank(before);
      const more = urgencyRank(urgency) > decided;
      if (more) this.decidedRank.set(existing.id, urgencyRank(urgency));
      return { alert: structuredClone(existing), change: more ? 'urgency_raised' : 'repeated', decide: more };
    }
    const alert = this.newAlert(event, urgency, now);
    let floodAlert: Alert | undefined;
    let suppress: SuppressionReason | null = this.maintenanceOf(event.machineId) ? 'maintenance' : null;
    if (!suppress) {
      const flood = await this.countRaise(event.areaId, now);
      if (flood) {
        const { alert: fa, created } = await this.floodAlertFor(event.areaId, now);
        if (created) floodAlert = fa;
        if (urgencyRank(urgency) < urgencyRank(this.options.flood.passUrgency)) {
          suppress = 'flood';
          alert.floodAlertId = fa.id;
          fa.groupedAlertIds.push(alert.id);
          fa.count += 1;
          fa.lastSeenAtMs = now;
          await this.repo.saveAlert(fa);
        }
      }
    }
    alert.suppressedReason = suppress;
    this.remember(alert);
    this.decidedRank.set(alert.id, urgencyRank(urgency));
    await this.move(alert, suppress ? 'suppressed' : 'active_unacknowledged', 'raise', SYSTEM, undefined, null);
    return { alert: structuredClone(alert), change: 'raised', decide: suppress !== 'maintenance', ...(floodAlert ? { floodAlert: structuredClone(floodAlert) } : {}) };
  }

  /** A below-threshold tick; returns the alerts that returned to normal. */
  async onNormal(event: NormalEvent): Promise<Alert[]> {
    if (typeof event?.machineId !== 'string' || !Number.isFinite(event.score) || !Number.isFinite(event.threshold) || !Number.isFinite(event.tsMs)) {
      throw new ValidationError('PW_ERR_VALIDATION_NORMAL_EVENT', `a normal event needs machineId (string), score, threshold and tsMs (finite numbers); got ${safeJson(event)}`);
    }
    const cleared: Alert[] = [];
    for (const alert of this.openOf(event.machineId)) {
      if (alert.type === 'alert_flood' || !alert.conditionActive) continue;
      if (event.type !== undefined && alert.type !== event.type) continue;
      const h = this.hysteresis.get(alert.id) ?? { belowTicks: 0, belowSinceMs: null };
      if (event.score < this.options.clearRatio * event.threshold) {
        h.belowTicks += 1;
        h.belowSinceMs ??= event.tsMs;
      } else {
        // In the deadband between clear level and threshold: not yet normal (no chattering).
        h.belowTicks = 0;
        h.belowSinceMs = null;
      }
      this.hysteresis.set(alert.id, h);
      const byTicks = this.options.clearAfterTicks !== null && h.belowTicks >= this.options.clearAfterTicks;
      const byTime = this.options.clearAfterMs !== null && h.belowSinceMs !== null && event.tsMs - h.belowSinceMs >= this.options.clearAfterMs;
      if (byTicks || byTime) {
        await this.clearCondition(alert);
        cleared.push(structuredClone(alert));
      }
    }
    return cleared;
  }

  async acknowledge(id: string, user: string, comment = ''): Promise<Alert> {
    const alert = this.mustGetOpen(id);
    const to: AlertState = alert.state === 'cleared_unacknowledged' ? 'closed' : 'active_acknowledged';
    this.assertTransition(alert, to, 'acknowledge');
    alert.acknowledgedAtMs = this.clock.nowMs();
    alert.acknowledgedBy = user;
    alert.ackComment = comment;
    await this.move(alert, to, 'acknowledge', user, comment);
    return structuredClone(alert);
  }

  async shelve(id: string, user: string, durationMs: number, comment = ''): Promise<Alert> {
    if (!Number.isFinite(durationMs) || durationMs <= 0 || durationMs > this.options.maxShelveMs) {
      throw new ValidationError('PW_ERR_VALIDATION_SHELVE_DURATION', `shelve duration must be 1..${this.options.maxShelveMs} ms, got ${durationMs}`);
    }
    const alert = this.mustGetOpen(id);
    this.assertTransition(alert, 'shelved', 'shelve');
    alert.shelvedUntilMs = this.clock.nowMs() + durationMs;
    alert.shelvedBy = user;
    await this.move(alert, 'shelved', 'shelve', user, comment);
    return structuredClone(alert);
  }

  async unshelve(id: string, user: string): Promise<Alert> {
    const alert = this.mustGetOpen(id);
    if (alert.state !== 'shelved') throw new AlertError('PW_ERR_ALERT_NOT_SHELVED', `alert ${id} is ${alert.state}, not shelved`);
    await this.release(alert, 'unshelve', user);
    return structuredClone(alert);
  }

  /** Records that escalation `level` was notified for an alert. */
  async markEscalated(id: string, level: number): Promise<Alert> {
    const alert = this.mustGetOpen(id);
    alert.escalationLevel = level;
    alert.lastEscalatedAtMs = this.clock.nowMs();
    await this.repo.saveAlert(alert);
    return structuredClone(alert);
  }

  /** Puts a machine out of service until `untilMs`: its alerts are suppressed, new ones raised suppressed. */
  async startMaintenance(machineId: string, untilMs: number, user: string, reason = 'maintenance'): Promise<MaintenanceWindow> {
    const now = this.clock.nowMs();
    if (!Number.isFinite(untilMs) || untilMs <= now) throw new ValidationError('PW_ERR_VALIDATION_MAINTENANCE_WINDOW', `maintenance must end in the future; untilMs ${untilMs} <= now ${now}`);
    const w: MaintenanceWindow = { machineId, fromMs: now, untilMs, user, reason };
    this.maintenance.set(machineId, w);
    for (const a of this.openOf(machineId)) {
      if (!canTransition(a.state, 'suppressed') || a.state === 'suppressed') continue;
      a.suppressedReason = 'maintenance';
      await this.move(a, 'suppressed', 'suppress', user, reason);
    }
    return { ...w };
  }

  async endMaintenance(machineId: string, user: string): Promise<void> {
    this.maintenance.delete(machineId);
    for (const a of this.openOf(machineId)) {
      if (a.state === 'suppressed' && a.suppressedReason === 'maintenance') await this.release(a, 'unsuppress', user);
    }
  }

  /**
   * Time-driven work: auto-unshelve, end of maintenance windows, end of floods, time-based clears
   * when no more ticks arrive. Call every second or so (the responder does).
   */
  async tick(): Promise<void> {
    const now = this.clock.nowMs();
    for (const a of [...this.open.values()]) {
      if (a.state === 'shelved' && a.shelvedUntilMs !== null && a.shelvedUntilMs <= now) await this.release(a, 'unshelve', SYSTEM);
    }
    for (const [machineId, w] of [...this.maintenance]) {
      if (w.untilMs <= now) await this.endMaintenance(machineId, SYSTEM);
    }
    for (const [areaId, floodId] of [...this.floodByArea]) {
      const raises = this.prune(areaId, now);
      const flood = this.open.get(floodId);
      if (!flood) {
        this.floodByArea.delete(areaId);
        continue;
      }
      if (flood.conditionActive && raises.length <= this.options.flood.maxAlerts) {
        this.floodByArea.delete(areaId);
        await this.clearCondition(flood);
      }
    }
  }

  private criticalityOf(event: AnomalyEvent): Criticality {
    return event.criticality ?? this.machines.get(event.machineId)?.criticality ?? 'medium';
  }

  private key(machineId: string, type: AlertType): string {
    return `${machineId}\u0000${type}`;
  }

  private findOpen(machineId: string, type: AlertType): Alert | undefined {
    const id = this.byKey.get(this.key(machineId, type));
    return id === undefined ? undefined : this.open.get(id);
  }

  /** A snapshot (callers may close alerts while iterating). */
  private openOf(machineId: string): Alert[] {
    const ids = this.byMachine.get(machineId);
    if (!ids) return [];
    return [...ids].map((id) => this.open.get(id)!).filter(Boolean);
  }

  private remember(alert: Alert): void {
    this.open.set(alert.id, alert);
    let ids = this.byMachine.get(alert.machineId);
    if (!ids) this.byMachine.set(alert.machineId, (ids = new Set()));
    ids.add(alert.id);
    this.byKey.set(this.key(alert.machineId, alert.type), alert.id);
    if (alert.type === 'alert_flood' && alert.conditionActive) this.floodByArea.set(alert.areaId, alert.id);
  }

  private forget(alert: Alert): void {
    this.open.delete(alert.id);
    const ids = this.byMachine.get(alert.machineId);
    ids?.delete(alert.id);
    if (ids?.size === 0) this.byMachine.delete(alert.machineId);
    if (this.byKey.get(this.key(alert.machineId, alert.type)) === alert.id) this.byKey.delete(this.key(alert.machineId, alert.type));
    this.hysteresis.delete(alert.id);
    this.decidedRank.delete(alert.id);
  }

  private mustGetOpen(id: string): Alert {
    const a = this.open.get(id);
    if (!a) throw new AlertError('PW_ERR_ALERT_NOT_FOUND', `no open alert with id ${id} (closed alerts can't change)`, 404);
    return a;
  }

  private assertTransition(alert: Alert, to: AlertState, reason: string): void {
    if (!canTransition(alert.state, to)) {
      throw new AlertError('PW_ERR_ALERT_ILLEGAL_TRANSITION', `cannot ${reason} alert ${alert.id}: ${alert.state} -> ${to} is not allowed (allowed from ${alert.state}: ${ALERT_TRANSITIONS[alert.state].join(', ') || 'none'})`, 409, {
        details: { alertId: alert.id, from: alert.state, to, reason },
      });
    }
  }

  /** The one place states change: checks the table, records history, saves, notifies listeners. */
  private async move(alert: Alert, to: AlertState, reason: string, actor: string, comment?: string, from: AlertState | null = alert.state): Promise<void> {
    if (from !== null) this.assertTransition(alert, to, reason);
    alert.state = to;
    const now = this.clock.nowMs();
    if (to === 'closed') {
      alert.closedAtMs = now;
      this.forget(alert);
    }
    if (to !== 'shelved') alert.shelvedUntilMs = null;
    if (to !== 'suppressed' && to !== 'closed') alert.suppressedReason = null;
    const t: AlertTransition = { alertId: alert.id, from, to, tsMs: now, actor, reason, ...(comment ? { comment } : {}) };
    await this.repo.saveAlert(alert);
    await this.repo.addTransition(t);
    for (const l of this.listeners) l(structuredClone(alert), t);
  }

  private async clearCondition(alert: Alert): Promise<void> {
    alert.conditionActive = false;
    alert.clearedAtMs = this.clock.nowMs();
    switch (alert.state) {
      case 'active_unacknowledged':
        return this.move(alert, 'cleared_unacknowledged', 'clear', SYSTEM);
      case 'active_acknowledged':
      case 'suppressed':
        return this.move(alert, 'closed', 'clear', SYSTEM);
      default:
        // Shelved: stays hidden until unshelved, then closes (release()).
        await this.repo.saveAlert(alert);
    }
  }

  /** Leaves shelved/suppressed: back to active if the condition is still there, closed otherwise. */
  private async release(alert: Alert, reason: string, actor: string): Promise<void> {
    await this.move(alert, alert.conditionActive ? 'active_unacknowledged' : 'closed', reason, actor);
  }

  private prune(areaId: string, now: number): number[] {
    const list = (this.raisesByArea.get(areaId) ?? []).filter((t) => t > now - this.options.flood.windowMs);
    this.raisesByArea.set(areaId, list);
    return list;
  }

  private async countRaise(areaId: string, now: number): Promise<boolean> {
    const list = this.prune(areaId, now);
    list.push(now);
    return list.length > this.options.flood.maxAlerts;
  }

  private async floodAlertFor(areaId: string, now: number): Promise<{ alert: Alert; created: boolean }> {
    const id = this.floodByArea.get(areaId);
    const existing = id ? this.open.get(id) : undefined;
    if (existing && existing.conditionActive) return { alert: existing, created: false };
    const flood = this.newAlert(
      { machineId: `area:${areaId}`, areaId, machineType: null, type: 'alert_flood', score: 0, threshold: 0, tsMs: now, dataQuality: false, sensors: [] },
      'high',
      now,
    );
    flood.count = 0;
    this.remember(flood);
    await this.move(flood, 'active_unacknowledged', 'raise', SYSTEM, `more than ${this.options.flood.maxAlerts} alerts in ${this.options.flood.windowMs / 60_000} min`, null);
    return { alert: flood, created: true };
  }

  private newAlert(
    event: Pick<AnomalyEvent, 'machineId' | 'areaId' | 'score' | 'threshold' | 'tsMs' | 'dataQuality' | 'sensors' | 'recent' | 'ingestedAtMs' | 'scoredAtMs'> & { machineType: AnomalyEvent['machineType'] | null; type: AlertType },
    urgency: Urgency,
    now: number,
  ): Alert {
    return {
      id: randomUUID(),
      machineId: event.machineId,
      areaId: event.areaId,
      machineType: event.machineType,
      type: event.type,
      state: 'active_unacknowledged',
      urgency,
      peakUrgency: urgency,
      dataQuality: event.dataQuality,
      score: event.score,
      peakScore: event.score,
      threshold: event.threshold,
      count: 1,
      raisedAtMs: now,
      lastSeenAtMs: now,
      detectedAtMs: event.tsMs,
      ingestedAtMs: event.ingestedAtMs ?? null,
      scoredAtMs: event.scoredAtMs ?? null,
      acknowledgedAtMs: null,
      acknowledgedBy: null,
      ackComment: null,
      clearedAtMs: null,
      closedAtMs: null,
      shelvedUntilMs: null,
      shelvedBy: null,
      suppressedReason: null,
      conditionActive: true,
      groupedAlertIds: [],
      floodAlertId: null,
      escalationLevel: 0,
      lastEscalatedAtMs: null,
      sensors: event.sensors.map((s) => s.sensor),
      context: { sensors: event.sensors, peakSensors: event.sensors, recent: this.mergeRecent([], event) },
      recommendation: recommend(event.type, event.machineId, urgency, event.sensors),
    };
  }

  private mergeRecent(recent: RecentReading[], event: Pick<AnomalyEvent, 'tsMs' | 'sensors' | 'recent'>): RecentReading[] {
    const byTs = new Map<number, RecentReading>();
    for (const r of recent) byTs.set(r.tsMs, r);
    for (const r of event.recent ?? []) byTs.set(r.tsMs, r);
    if (!byTs.has(event.tsMs) && event.sensors.length > 0) {
      byTs.set(event.tsMs, { tsMs: event.tsMs, values: Object.fromEntries(event.sensors.map((s) => [s.sensor, s.actual])) });
    }
    return [...byTs.values()].sort((a, b) => a.tsMs - b.tsMs).slice(-this.options.recentLimit);
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 200) ?? String(v);
  } catch {
    return String(v);
  }
}

/** The detector is ours, but a bad event must be refused with a reason, never half-applied. */
function validateEvent(e: AnomalyEvent): void {
  const problems: string[] = [];
  if (typeof e?.machineId !== 'string' || !e.machineId) problems.push('machineId must be a non-empty string');
  if (typeof e?.areaId !== 'string' || !e.areaId) problems.push('areaId must be a non-empty string');
  if (typeof e?.type !== 'string') problems.push('type must be an anomaly type');
  if (!Number.isFinite(e?.score) || e.score < 0) problems.push(`score must be a finite number >= 0, got ${e?.score}`);
  if (!Number.isFinite(e?.threshold) || e.threshold < 0) problems.push(`threshold must be a finite number >= 0, got ${e?.threshold}`);
  if (!Number.isFinite(e?.tsMs)) problems.push(`tsMs must be epoch ms, got ${e?.tsMs}`);
  if (!Array.isArray(e?.sensors)) problems.push('sensors must be an array');
  if (problems.length > 0) throw new ValidationError('PW_ERR_VALIDATION_ANOMALY_EVENT', `invalid anomaly event: ${problems.join('; ')}`, { details: { problems } });
}
