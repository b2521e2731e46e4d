import { randomUUID } from 'node:crypto';
import type { ActionRecord, Alert, AuditEntry, NotifyChannel, ResponseTeam } from '../domain/index.js';
import type { Logger } from '../logging/index.js';
import type { CommandDispatcher } from './dispatch/command-dispatcher.js';
import { AlertGateNode } from './nodes/alert-gate-node.js';
import { CommandNode } from './nodes/command-node.js';
import { CooldownNode } from './nodes/cooldown-node.js';
import { InterlockNode, StopRegistry } from './nodes/interlock-node.js';
import { NotifyNode } from './nodes/notify-node.js';
import { RateLimitNode, type RateLimitOptions } from './nodes/rate-limit-node.js';
import { RecommendNode } from './nodes/recommend-node.js';
import { errorMessage, type RuleContext, type RuleMessage, type RuleNode } from './nodes/rule-node.js';
import type { Notifier } from './notify/notifier.js';
import type { Clock, RespondRepositories } from './ports.js';
import { matchingRules } from './rules/match.js';
import type { Rule, RuleAction } from './rules/rules-schema.js';

type NodeName = 'gate' | 'cooldown' | 'rateLimit' | 'interlock' | 'command' | 'recommend' | 'notify';
const END = 'end' as const;
type Next = NodeName | typeof END;

/**
 * The chain's relations (ThingsBoard: node -> output -> next node). Every action starts at the
 * gate; the kind decides where it goes after the rate limit.
 */
const ROUTES: Readonly<Record<NodeName, Readonly<Record<string, Next | ((msg: RuleMessage) => Next)>>>> = {
  gate: { pass: 'cooldown', suppressed: END },
  cooldown: { pass: 'rateLimit', cooldown: END },
  rateLimit: { pass: (m) => (m.action.kind === 'automatic' ? 'interlock' : m.action.kind === 'recommended' ? 'recommend' : 'notify'), rate_limited: END },
  interlock: { pass: 'command', approval: 'recommend' },
  command: { success: END, failure: END, dry_run: END },
  recommend: { pending: END, failure: END },
  notify: { success: END, failure: END, dry_run: END },
};

export interface RuleEngineOptions {
  /** Decide and audit, send nothing. */
  dryRun: boolean;
  rateLimits: Partial<RateLimitOptions>;
  maxConcurrentStops: number;
}

export interface RuleEngineDeps {
  rules: readonly Rule[];
  clock: Clock;
  logger: Logger;
  repositories: RespondRepositories;
  dispatcher?: CommandDispatcher;
  notifiers: readonly Notifier[];
  options: RuleEngineOptions;
  /** Called with every finished action record (live feed, effect watch). */
  onFinished?: (record: ActionRecord) => void;
}

/**
 * Runs rules against alerts: every action of every matching rule travels the node chain
 * gate -> cooldown -> rate limit -> (interlock -> command | recommend | notify). A node's failure
 * becomes a `failure` outcome; nothing here throws to the caller. Every decision is audited.
 */
export class RuleEngine {
  private rules: readonly Rule[];
  readonly stops = new StopRegistry();
  private readonly nodes: Record<NodeName, RuleNode>;
  private readonly log: Logger;

  constructor(private readonly deps: RuleEngineDeps) {
    this.rules = deps.rules;
    this.log = deps.logger.child({ component: 'rule-engine' });
    const o = deps.options;
    this.nodes = {
      gate: new AlertGateNode(),
      cooldown: new CooldownNode(),
      rateLimit: new RateLimitNode(),
      interlock: new InterlockNode(this.stops),
      command: new CommandNode(deps.dispatcher, this.stops),
      recommend: new RecommendNode(),
      notify: new NotifyNode(deps.notifiers),
    };
    this.nodes.rateLimit.init(o.rateLimits);
    this.nodes.interlock.init({ maxConcurrentStops: o.maxConcurrentStops });
    this.nodes.command.init({ dryRun: o.dryRun });
    this.nodes.notify.init({ dryRun: o.dryRun });
    for (const k of ['gate', 'cooldown', 'recommend'] as const) this.nodes[k].init({});
  }

  get dryRun(): boolean {
    return this.deps.options.dryRun;
  }

  setRules(rules: readonly Rule[]): void {
    this.rules = rules;
  }

  getRules(): readonly Rule[] {
    return this.rules;
  }

  /** Runs every matching rule's actions for an alert; resolves when all finished (commands acked or failed). */
  async decide(alert: Alert, trigger: Record<string, unknown>): Promise<ActionRecord[]> {
    const rules = matchingRules(this.rules, alert);
    if (rules.length === 0) {
      await this.audit({ category: 'rule.decision', alertId: alert.id, machineId: alert.machineId, outcome: 'no_rule', detail: { ...trigger, type: alert.type, urgency: alert.urgency } });
      return [];
    }
    const runs: Promise<ActionRecord>[] = [];
    for (const rule of rules) {
      rule.actions.forEach((action, index) => {
        const record = this.draft(alert, rule, action);
        runs.push(
          this.audit({ category: 'rule.decision', alertId: alert.id, actionId: record.id, ruleId: rule.id, machineId: alert.machineId, action: describe(action), outcome: 'matched', detail: { ...trigger, actionIndex: index, urgency: alert.urgency, dryRun: this.dryRun } }).then(() =>
            this.run({ alert, rule, action, record, reason: 'rule', level: 0 }, 'gate'),
          ),
        );
      });
    }
    return Promise.all(runs);
  }

  /** Notifies an escalation level about an alert nobody acknowledged. */
  async escalate(alert: Alert, level: number, team: ResponseTeam, channels: readonly NotifyChannel[]): Promise<ActionRecord> {
    const action: RuleAction = { kind: 'notify', team, channels: [...channels] };
    const rule: Rule = { id: `escalation-${level}`, description: 'escalation of an unacknowledged alert', enabled: true, match: { types: [alert.type as Rule['match']['types'][number]], minUrgency: 'low', conditions: [] }, actions: [action], cooldownMs: 0, final: false };
    const record = this.draft(alert, rule, action);
    await this.audit({ category: 'escalation', alertId: alert.id, actionId: record.id, ruleId: rule.id, machineId: alert.machineId, action: describe(action), outcome: 'triggered', detail: { level, unacknowledgedForMs: this.deps.clock.nowMs() - alert.raisedAtMs } });
    return this.run({ alert, rule, action, record, reason: 'escalation', level }, 'gate');
  }

  /** Sends an approved recommendation's command (no interlock: a person decided). */
  async runApproved(alert: Alert, record: ActionRecord): Promise<ActionRecord> {
    if (!record.command) throw new Error(`recommendation ${record.id} has no command`);
    const action: RuleAction = { kind: 'automatic', command: record.command, ...(record.commandArgs ?? {}) };
    const rule: Rule = { id: record.ruleId, enabled: true, match: { types: [alert.type as Rule['match']['types'][number]], minUrgency: 'low', conditions: [] }, actions: [action], cooldownMs: 0, final: false };
    if (record.command === 'stop') this.stops.add(alert.machineId);
    return this.run({ alert, rule, action, record, reason: 'approval', level: 0 }, 'command');
  }

  async close(): Promise<void> {
    for (const n of Object.values(this.nodes)) await n.close();
  }

  private draft(alert: Alert, rule: Rule, action: RuleAction): ActionRecord {
    const now = this.deps.clock.nowMs();
    return {
      id: randomUUID(),
      alertId: alert.id,
      machineId: alert.machineId,
      ruleId: rule.id,
      kind: action.kind,
      command: action.kind === 'notify' ? null : action.command,
      commandArgs: action.kind === 'notify' ? null : { ...(action.on !== undefined ? { on: action.on } : {}), ...(action.loadFactor !== undefined ? { loadFactor: action.loadFactor } : {}) },
      commandId: null,
      team: action.kind === 'notify' ? action.team : null,
      channels: action.kind === 'notify' ? [...action.channels] : [],
      status: 'dispatching',
      detail: null,
      attempts: 0,
      dryRun: this.dryRun,
      decidedBy: null,
      alertRaisedAtMs: alert.raisedAtMs,
      decidedAtMs: now,
      sentAtMs: null,
      ackAtMs: null,
      finishedAtMs: null,
      effect: null,
    };
  }

  /** Walks the chain from `start` to an end; a node that throws or emits other than once is a failure. */
  private async run(msg: RuleMessage, start: NodeName): Promise<ActionRecord> {
    let node: NodeName = start;
    let lastOutput = 'failure';
    const path: string[] = [];
    for (let hop = 0; hop < 10; hop++) {
      const outputs: string[] = [];
      const ctx: RuleContext = {
        nowMs: () => this.deps.clock.nowMs(),
        logger: this.log,
        tellNext: (_m, output) => void outputs.push(output),
        tellFailure: (m, err) => {
          if (!['failed', 'timeout', 'rejected_by_machine'].includes(m.record.status)) m.record.status = 'failed';
          m.record.detail = errorMessage(err);
          outputs.push('failure');
        },
      };
      try {
        await this.nodes[node].onMessage(ctx, msg);
      } catch (err) {
        // The node broke its contract; the engine still never lets it stop the stream.
        this.log.error({ err, node }, 'rule node threw');
        outputs.length = 0;
        ctx.tellFailure(msg, err);
      }
      if (outputs.length !== 1) {
        const n = outputs.length;
        outputs.length = 0;
        ctx.tellFailure(msg, new Error(`node ${node} emitted ${n} outputs, expected exactly one`));
      }
      lastOutput = outputs[0]!;
      path.push(`${node}:${lastOutput}`);
      const route = ROUTES[node][lastOutput];
      const next: Next = route === undefined ? END : typeof route === 'function' ? route(msg) : route;
      if (next === END) break;
      node = next;
    }
    const r = msg.record;
    if (r.status === 'dispatching') r.status = 'failed';
    r.finishedAtMs = r.status === 'pending_approval' ? null : this.deps.clock.nowMs();
    await this.saveRecord(r);
    await this.audit({
      category: 'action.outcome',
      alertId: r.alertId,
      actionId: r.id,
      ruleId: r.ruleId,
      machineId: r.machineId,
      action: describe(msg.action),
      actor: msg.reason === 'approval' ? (r.decidedBy ?? 'system') : 'system',
      outcome: r.status,
      detail: { path, detail: r.detail, attempts: r.attempts, dryRun: r.dryRun, alertRaisedAtMs: r.alertRaisedAtMs, decidedAtMs: r.decidedAtMs, sentAtMs: r.sentAtMs, ackAtMs: r.ackAtMs, commandId: r.commandId },
    });
    if (r.status === 'failed' || r.status === 'timeout' || r.status === 'rejected_by_machine') this.log.warn({ actionId: r.id, ruleId: r.ruleId, machineId: r.machineId, status: r.status, detail: r.detail }, 'action failed');
    try {
      this.deps.onFinished?.(structuredClone(r));
    } catch (err) {
      this.log.error({ err }, 'action listener failed');
    }
    return r;
  }

  async saveRecord(r: ActionRecord): Promise<void> {
    try {
      await this.deps.repositories.actions.saveAction(r);
    } catch (err) {
      this.log.error({ err, actionId: r.id }, 'could not save action record');
    }
  }

  /** Appends to the audit log; a failing log is reported, never fatal. */
  async audit(e: Partial<AuditEntry> & Pick<AuditEntry, 'category' | 'outcome'>): Promise<void> {
    const entry: AuditEntry = {
      id: randomUUID(),
      tsMs: this.deps.clock.nowMs(),
      alertId: null,
      actionId: null,
      ruleId: null,
      machineId: null,
      actor: 'system',
      action: null,
      detail: {},
      ...e,
    };
    try {
      await this.deps.repositories.audit.append(entry);
    } catch (err) {
      this.log.error({ err, category: entry.category }, 'could not append to the audit log');
    }
  }
}

export function describe(action: RuleAction): string {
  return action.kind === 'notify' ? `notify:${action.team}:${action.channels.join('+')}` : `${action.kind}:${action.command}`;
}
