import { EventEmitter } from 'node:events';
import type { ActionRecord, Alert, AlertTransition, AnomalyEvent, MachineStatus, NormalEvent, NotifyChannel, Plant, ResponseTeam } from '../domain/index.js';
import { AlertError, RespondError } from '../domain/index.js';
import type { Logger } from '../logging/index.js';
import { AlertManager, DEFAULT_ALERT_MANAGER_OPTIONS, type AlertManagerOptions, type AnomalyOutcome, type MaintenanceWindow } from './alert-manager.js';
import type { CommandDispatcher } from './dispatch/command-dispatcher.js';
import { createMemoryRepositories } from './memory-repositories.js';
import { DEFAULT_MAX_CONCURRENT_STOPS } from './nodes/interlock-node.js';
import { DEFAULT_RATE_LIMITS, type RateLimitOptions } from './nodes/rate-limit-node.js';
import { ConsoleNotifier } from './notify/console-notifier.js';
import type { Notification, Notifier } from './notify/notifier.js';
import { SYSTEM_CLOCK, type ActionQuery, type AlertQuery, type AuditQuery, type Clock, type RespondRepositories } from './ports.js';
import { RuleEngine } from './rule-engine.js';
import { WriteBehindRepositories } from './write-behind.js';
import { defaultRules } from './rules/default-rules.js';
import type { Rule, RulesFile } from './rules/rules-schema.js';
import type { AuditEntry } from '../domain/index.js';

export interface EscalationLevel {
  /** Time unacknowledged since the raise (level 1) or since the previous level. */
  afterMs: number;
  team: ResponseTeam;
  channels: NotifyChannel[];
}

export interface ResponderOptions {
  /** Decide and audit everything, send no command and no notification. */
  dryRun: boolean;
  /** Lifecycle, hysteresis and flood control. */
  alerts: Partial<AlertManagerOptions>;
  /** Per action kind; null = unlimited. */
  rateLimits: Partial<RateLimitOptions>;
  /** Interlock: most machines stopped automatically at once. */
  maxConcurrentStops: number;
  /** Who is told, in order, when an alert stays unacknowledged. Empty: no escalation. */
  escalation: EscalationLevel[];
  /** How long after a command's ack to wait for the alert to clear before recording "not cleared". */
  effectWatchMs: number;
  /** Interval of the internal timer (shelving, maintenance, floods, escalation, effects); null: call tick() yourself. */
  tickMs: number | null;
  /**
   * Write alerts, transitions, action records and audit entries on the next event-loop turn (after
   * the commands went out) rather than on the alert -> command path; see write-behind.ts. Reads
   * always see earlier writes. Default true.
   */
  writeBehind: boolean;
}

export const DEFAULT_RESPONDER_OPTIONS: Readonly<ResponderOptions> = Object.freeze({
  dryRun: false,
  alerts: DEFAULT_ALERT_MANAGER_OPTIONS,
  rateLimits: DEFAULT_RATE_LIMITS,
  maxConcurrentStops: DEFAULT_MAX_CONCURRENT_STOPS,
  escalation: [
    { afterMs: 15 * 60_000, team: 'maintenance', channels: ['console', 'webhook', 'email'] },
    { afterMs: 30 * 60_000, team: 'operations', channels: ['console', 'webhook', 'email'] },
  ] as EscalationLevel[],
  effectWatchMs: 10 * 60_000,
  tickMs: 1_000,
  writeBehind: true,
});

export interface ResponderDeps {
  logger: Logger;
  /** Validated rules (parseRules / loadRulesFile) or a list of rules; default: paper Table 8 (defaultRules()). */
  rules?: RulesFile | readonly Rule[];
  clock?: Clock;
  /** Sends commands to machines (MqttCommandDispatcher); without one, automatic actions fail (recorded). */
  dispatcher?: CommandDispatcher;
  /** Webhook and e-mail notifiers; the console channel is built in (the `notification` event). */
  notifiers?: readonly Notifier[];
  /** Default: in memory. */
  repositories?: RespondRepositories;
  /** For machine criticality when events don't carry it. */
  plant?: Plant;
  options?: Partial<ResponderOptions>;
}

/** Live-feed events. */
export interface ResponderEvents {
  /** Every alert state change, with the alert after it. */
  alert: [alert: Alert, transition: AlertTransition];
  /** Every finished action (and every effect verdict). */
  action: [record: ActionRecord];
  /** Notifications on the console channel. */
  notification: [notification: Notification];
}

interface EffectWatch {
  record: ActionRecord;
  baseMs: number;
  untilMs: number;
}

/**
 * The alerting and automated-response core (issue 5 items 2-4): alerts with the ISA-18.2
 * lifecycle, rules, commands, notifications, escalation and audit, behind one object.
 * @example
 * const r = createResponder({ logger, dispatcher: new MqttCommandDispatcher(client, { plantId, logger }) });
 * await r.start();
 * r.on('alert', (alert) => feed.push(alert));
 * await r.onAnomaly(event);   // raise/update an alert, run rules in the background
 * await r.onNormal(normal);   // hysteresis: clears after N quiet ticks
 */
export class Responder extends EventEmitter<ResponderEvents> {
  readonly options: ResponderOptions;
  private readonly manager: AlertManager;
  private readonly engine: RuleEngine;
  private readonly repos: RespondRepositories;
  private readonly writeBehind: WriteBehindRepositories | undefined;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly watches = new Map<string, EffectWatch>();
  private readonly approving = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private closed = false;

  constructor(private readonly deps: ResponderDeps) {
    super();
    this.options = { ...DEFAULT_RESPONDER_OPTIONS, ...deps.options };
    validateOptions(this.options);
    this.clock = deps.clock ?? SYSTEM_CLOCK;
    this.log = deps.logger.child({ component: 'responder' });
    const repos = deps.repositories ?? createMemoryRepositories();
    this.writeBehind = this.options.writeBehind ? new WriteBehindRepositories(repos, deps.logger) : undefined;
    this.repos = this.writeBehind ?? repos;
    this.manager = new AlertManager(this.repos.alerts, this.clock, this.options.alerts, deps.plant?.machines ?? []);
    const rules = deps.rules === undefined ? defaultRules().rules : Array.isArray(deps.rules) ? (deps.rules as readonly Rule[]) : (deps.rules as RulesFile).rules;
    const notifiers = [new ConsoleNotifier((n) => this.emit('notification', n)), ...(deps.notifiers ?? []).filter((n) => n.channel !== 'console')];
    this.engine = new RuleEngine({
      rules,
      clock: this.clock,
      logger: deps.logger,
      repositories: this.repos,
      ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
      notifiers,
      options: { dryRun: this.options.dryRun, rateLimits: this.options.rateLimits, maxConcurrentStops: this.options.maxConcurrentStops },
      onFinished: (r) => this.onActionFinished(r),
    });
    this.manager.onTransition((alert, t) => this.onTransition(alert, t));
  }

  /** Reloads open alerts and starts the timer. */
  async start(): Promise<void> {
    await this.manager.load();
    // Warm the dispatcher (subscribe to acks) now; if the broker is away, commands fail later with a reason.
    await this.deps.dispatcher?.start?.().catch((err: unknown) => this.log.warn({ err }, 'command dispatcher not ready; commands will retry the subscription'));
    if (this.options.tickMs !== null && !this.timer) {
      this.timer = setInterval(() => void this.tick().catch((err) => this.log.error({ err }, 'responder tick failed')), this.options.tickMs);
      this.timer.unref();
    }
    this.log.info({ rules: this.engine.getRules().length, dryRun: this.options.dryRun }, 'responder started');
  }

  /** An anomaly from the detector: raises or updates the alert; the rules run in the background. */
  onAnomaly(event: AnomalyEvent): Promise<AnomalyOutcome> {
    return this.serial(async () => {
      const out = await this.manager.onAnomaly(event);
      const trigger = { change: out.change, eventTsMs: event.tsMs, score: event.score, threshold: event.threshold, type: event.type };
      if (out.floodAlert) this.track(this.engine.decide(out.floodAlert, { change: 'flood' }));
      if (out.decide) this.track(this.engine.decide(out.alert, trigger));
      return out;
    });
  }

  /** A below-threshold tick; resolves to the alerts that returned to normal. */
  onNormal(event: NormalEvent): Promise<Alert[]> {
    return this.serial(() => this.manager.onNormal(event));
  }

  /** Machine status (retained / last will): operating state for urgency; a running machine is no longer counted as stopped. */
  onMachineStatus(status: MachineStatus): void {
    this.manager.setOperatingState(status.machineId, status.state);
    if (status.state === 'running' || status.state === 'idle') this.engine.stops.release(status.machineId);
  }

  acknowledge(alertId: string, user: string, comment = ''): Promise<Alert> {
    return this.serial(() => this.manager.acknowledge(alertId, user, comment));
  }

  shelve(alertId: string, user: string, durationMs: number, comment = ''): Promise<Alert> {
    return this.serial(() => this.manager.shelve(alertId, user, durationMs, comment));
  }

  unshelve(alertId: string, user: string): Promise<Alert> {
    return this.serial(() => this.manager.unshelve(alertId, user));
  }

  startMaintenance(machineId: string, untilMs: number, user: string, reason = 'maintenance'): Promise<MaintenanceWindow> {
    return this.serial(async () => {
      const w = await this.manager.startMaintenance(machineId, untilMs, user, reason);
      await this.engine.audit({ category: 'maintenance.start', machineId, actor: user, outcome: 'started', detail: { untilMs, reason } });
      return w;
    });
  }

  endMaintenance(machineId: string, user: string): Promise<void> {
    return this.serial(async () => {
      await this.manager.endMaintenance(machineId, user);
      await this.engine.audit({ category: 'maintenance.end', machineId, actor: user, outcome: 'ended', detail: {} });
    });
  }

  /** Approves a pending recommendation and sends its command; resolves to the final record. */
  async approve(recommendationId: string, user: string): Promise<ActionRecord> {
    const record = await this.pendingRecommendation(recommendationId);
    this.approving.add(recommendationId);
    try {
      record.status = 'approved';
      record.decidedBy = user;
      await this.engine.saveRecord(record);
      await this.engine.audit({ category: 'recommendation.approved', alertId: record.alertId, actionId: record.id, ruleId: record.ruleId, machineId: record.machineId, actor: user, action: `recommended:${record.command}`, outcome: 'approved', detail: {} });
      const alert = this.manager.getOpen(record.alertId) ?? (await this.repos.alerts.getAlert(record.alertId));
      if (!alert) throw new AlertError('PW_ERR_ALERT_NOT_FOUND', `alert ${record.alertId} of recommendation ${recommendationId} not found`, 404);
      return await this.track(this.engine.runApproved(alert, record));
    } finally {
      this.approving.delete(recommendationId);
    }
  }

  async reject(recommendationId: string, user: string, comment = ''): Promise<ActionRecord> {
    const record = await this.pendingRecommendation(recommendationId);
    record.status = 'rejected';
    record.decidedBy = user;
    record.finishedAtMs = this.clock.nowMs();
    record.detail = comment ? `${record.detail ?? ''}; rejected: ${comment}` : record.detail;
    await this.engine.saveRecord(record);
    await this.engine.audit({ category: 'recommendation.rejected', alertId: record.alertId, actionId: record.id, ruleId: record.ruleId, machineId: record.machineId, actor: user, action: `recommended:${record.command}`, outcome: 'rejected', detail: { comment } });
    this.emit('action', structuredClone(record));
    return record;
  }

  /** Open alerts as the responder holds them now. */
  listOpenAlerts(): Alert[] {
    return this.manager.listOpen();
  }

  listAlerts(query: AlertQuery = {}): Promise<Alert[]> {
    return this.repos.alerts.listAlerts(query);
  }

  alertHistory(alertId: string): Promise<AlertTransition[]> {
    return this.repos.alerts.listTransitions(alertId);
  }

  listActions(query: ActionQuery = {}): Promise<ActionRecord[]> {
    return this.repos.actions.listActions(query);
  }

  listRecommendations(): Promise<ActionRecord[]> {
    return this.repos.actions.listActions({ statuses: ['pending_approval'] });
  }

  audit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    return this.repos.audit.query(query);
  }

  /** Replaces the rules (e.g. after the rules file changed); already-running actions finish. */
  setRules(rules: RulesFile | readonly Rule[]): void {
    this.engine.setRules(Array.isArray(rules) ? (rules as readonly Rule[]) : (rules as RulesFile).rules);
  }

  /** Machines stopped automatically and not yet seen running again (the interlock's count). */
  stoppedMachines(): string[] {
    return this.engine.stops.list();
  }

  /** Time-driven work: auto-unshelve, maintenance ends, flood ends, escalations, effect verdicts. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.serial(() => this.manager.tick());
      await this.serial(() => this.escalate());
      this.checkEffects();
    } finally {
      this.ticking = false;
    }
  }

  /** Resolves when every background action (commands waiting for acks, notifications) has finished. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await this.queue.catch(() => undefined);
    await this.writeBehind?.flush();
  }

  /** Writes of the write-behind queue: written, coalesced (same alert or action saved again within a turn), failed. */
  writeCounters(): { written: number; coalesced: number; failed: number; flushes: number } | undefined {
    return this.writeBehind ? { ...this.writeBehind.counters } : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.idle();
    await this.engine.close();
    await this.deps.dispatcher?.close();
    for (const n of this.deps.notifiers ?? []) await n.close?.();
    await this.writeBehind?.flush();
    this.log.info('responder stopped');
  }

  /** One mutation of the alert list at a time (the manager is not re-entrant); a failure doesn't block the next. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    const guarded = p.catch((err) => {
      this.log.error({ err }, 'background action failed');
      throw err;
    });
    this.inflight.add(guarded);
    void guarded.catch(() => undefined).finally(() => this.inflight.delete(guarded));
    return guarded;
  }

  private async pendingRecommendation(id: string): Promise<ActionRecord> {
    const record = await this.repos.actions.getAction(id);
    if (!record || record.kind !== 'recommended') throw new RespondError('PW_ERR_ACTION_NOT_FOUND', `no recommendation with id ${id}`, 404);
    if (record.status !== 'pending_approval' || this.approving.has(id)) {
      throw new RespondError('PW_ERR_ACTION_NOT_PENDING', `recommendation ${id} is ${this.approving.has(id) ? 'being approved' : record.status}, not pending_approval`, 409);
    }
    return record;
  }

  private onTransition(alert: Alert, t: AlertTransition): void {
    this.track(
      this.engine.audit({ category: 'alert.transition', alertId: alert.id, machineId: alert.machineId, actor: t.actor, outcome: t.to, detail: { from: t.from, reason: t.reason, comment: t.comment ?? null, type: alert.type, urgency: alert.urgency, score: alert.score, detectedAtMs: alert.detectedAtMs } }),
    );
    this.emit('alert', alert, t);
    if (t.reason === 'clear') this.checkEffects();
  }

  private onActionFinished(record: ActionRecord): void {
    this.emit('action', record);
    if (record.status === 'acked' && record.kind !== 'notify') {
      const baseMs = record.ackAtMs ?? record.sentAtMs ?? this.clock.nowMs();
      this.watches.set(record.id, { record, baseMs, untilMs: baseMs + this.options.effectWatchMs });
      this.checkEffects();
    }
  }

  /** Did the alerts our commands answered clear, and how fast (issue 5 item 4)? */
  private checkEffects(): void {
    const now = this.clock.nowMs();
    for (const [id, w] of [...this.watches]) {
      const open = this.manager.getOpen(w.record.alertId);
      const cleared = !open || !open.conditionActive;
      if (!cleared && now < w.untilMs) continue;
      this.watches.delete(id);
      this.track(
        (async () => {
          const alert = open ?? (await this.repos.alerts.getAlert(w.record.alertId));
          const clearedAtMs = alert?.clearedAtMs ?? null;
          const record = w.record;
          record.effect = cleared
            ? { cleared: true, clearedAfterMs: clearedAtMs === null ? null : Math.max(0, clearedAtMs - w.baseMs), decidedAtMs: now }
            : { cleared: false, clearedAfterMs: null, decidedAtMs: now };
          await this.engine.saveRecord(record);
          await this.engine.audit({
            category: 'action.effect',
            alertId: record.alertId,
            actionId: record.id,
            ruleId: record.ruleId,
            machineId: record.machineId,
            action: `${record.kind}:${record.command}`,
            outcome: cleared ? 'cleared' : 'not_cleared',
            detail: cleared ? { clearedAfterMs: record.effect.clearedAfterMs } : { watchedMs: this.options.effectWatchMs },
          });
          this.emit('action', structuredClone(record));
        })(),
      );
    }
  }

  private async escalate(): Promise<void> {
    const levels = this.options.escalation;
    if (levels.length === 0) return;
    const now = this.clock.nowMs();
    // Only candidates are copied: open alerts nobody acknowledged pile up (a month's replay holds thousands).
    const due = (a: Readonly<Alert>): boolean => a.state === 'active_unacknowledged' && a.escalationLevel < levels.length && now - (a.lastEscalatedAtMs ?? a.raisedAtMs) >= levels[a.escalationLevel]!.afterMs;
    for (const alert of this.manager.listOpenWhere(due)) {
      const next = levels[alert.escalationLevel]!;
      const level = alert.escalationLevel + 1;
      const updated = await this.manager.markEscalated(alert.id, level);
      this.track(this.engine.escalate(updated, level, next.team, next.channels));
    }
  }
}

/** Fail fast at startup (STYLE 4) on options that would misbehave at run time. */
function validateOptions(o: ResponderOptions): void {
  const problems: string[] = [];
  o.escalation.forEach((l, i) => {
    if (!Number.isFinite(l.afterMs) || l.afterMs <= 0) problems.push(`escalation[${i}].afterMs must be > 0 ms, got ${l.afterMs}`);
    if (!Array.isArray(l.channels) || l.channels.length === 0) problems.push(`escalation[${i}].channels must name at least one channel`);
  });
  if (!Number.isFinite(o.effectWatchMs) || o.effectWatchMs <= 0) problems.push(`effectWatchMs must be > 0, got ${o.effectWatchMs}`);
  if (o.tickMs !== null && (!Number.isFinite(o.tickMs) || o.tickMs < 10)) problems.push(`tickMs must be >= 10 or null, got ${o.tickMs}`);
  if (!Number.isInteger(o.maxConcurrentStops) || o.maxConcurrentStops < 0) problems.push(`maxConcurrentStops must be an integer >= 0, got ${o.maxConcurrentStops}`);
  const a = o.alerts;
  if (a.clearRatio !== undefined && !(a.clearRatio > 0 && a.clearRatio <= 1)) problems.push(`alerts.clearRatio must be in (0, 1], got ${a.clearRatio}`);
  if (a.clearAfterTicks === null && a.clearAfterMs === null) problems.push('alerts.clearAfterTicks and alerts.clearAfterMs are both null: alerts could never clear');
  if (problems.length > 0) throw new RespondError('PW_ERR_RULES_OPTIONS', `invalid responder options: ${problems.join('; ')}`, 500, { details: { problems } });
}

/** Builds a {@link Responder}; call `start()` before feeding events. */
export function createResponder(deps: ResponderDeps): Responder {
  return new Responder(deps);
}
