/**
 * Rule nodes, given/when/then with a fake context (STYLE 7, ThingsBoard node tests): each message
 * leaves on exactly one output, and nothing throws out of onMessage.
 */
import { describe, expect, it } from 'vitest';
import type { ActionRecord, Alert, MachineCommand } from '../../domain/index.js';
import { AlertManager } from '../alert-manager.js';
import type { CommandDispatcher, DispatchResult } from '../dispatch/command-dispatcher.js';
import { MemoryAlertRepository } from '../memory-repositories.js';
import type { Notification, Notifier } from '../notify/notifier.js';
import type { Rule, RuleAction } from '../rules/rules-schema.js';
import { anomaly, ManualClock, silentLogger } from '../test-fixtures.js';
import { AlertGateNode } from './alert-gate-node.js';
import { CommandNode } from './command-node.js';
import { CooldownNode } from './cooldown-node.js';
import { InterlockNode, StopRegistry } from './interlock-node.js';
import { NotifyNode } from './notify-node.js';
import { RateLimitNode } from './rate-limit-node.js';
import { RecommendNode } from './recommend-node.js';
import type { RuleContext, RuleMessage, RuleNode } from './rule-node.js';

const clock = new ManualClock();

class FakeContext implements RuleContext {
  readonly emitted: string[] = [];
  readonly logger = silentLogger();
  nowMs(): number {
    return clock.nowMs();
  }
  tellNext(_msg: RuleMessage, output: string): void {
    this.emitted.push(output);
  }
  tellFailure(msg: RuleMessage, error: unknown): void {
    msg.record.detail = (error as Error).message;
    this.emitted.push('failure');
  }
}

async function alertFor(over: Parameters<typeof anomaly>[0] = {}): Promise<Alert> {
  const m = new AlertManager(new MemoryAlertRepository(), clock);
  return (await m.onAnomaly(anomaly(over))).alert;
}

function message(alert: Alert, action: RuleAction, rule: Partial<Rule> = {}): RuleMessage {
  const fullRule: Rule = { id: 'r1', enabled: true, match: { types: ['overheating'], minUrgency: 'low', conditions: [] }, actions: [action], cooldownMs: 60_000, final: false, ...rule };
  const record: ActionRecord = {
    id: 'act-1',
    alertId: alert.id,
    machineId: alert.machineId,
    ruleId: fullRule.id,
    kind: action.kind,
    command: action.kind === 'notify' ? null : action.command,
    commandArgs: null,
    commandId: null,
    team: action.kind === 'notify' ? action.team : null,
    channels: action.kind === 'notify' ? action.channels : [],
    status: 'dispatching',
    detail: null,
    attempts: 0,
    dryRun: false,
    decidedBy: null,
    alertRaisedAtMs: alert.raisedAtMs,
    decidedAtMs: clock.nowMs(),
    sentAtMs: null,
    ackAtMs: null,
    finishedAtMs: null,
    effect: null,
  };
  return { alert, rule: fullRule, action, record, reason: 'rule', level: 0 };
}

/** When: one message through one node. Then: exactly one output, returned. */
async function when(node: RuleNode, msg: RuleMessage): Promise<string> {
  const ctx = new FakeContext();
  await expect(node.onMessage(ctx, msg)).resolves.toBeUndefined();
  expect(ctx.emitted).toHaveLength(1);
  return ctx.emitted[0]!;
}

const cooling: RuleAction = { kind: 'automatic', command: 'cooling', on: true };
const stop: RuleAction = { kind: 'automatic', command: 'stop' };
const notifyMaint: RuleAction = { kind: 'notify', team: 'maintenance', channels: ['console', 'webhook'] };

class RecordingDispatcher implements CommandDispatcher {
  readonly sent: MachineCommand[] = [];
  constructor(private readonly result: Partial<DispatchResult> | Error = {}) {}
  async dispatch(command: MachineCommand): Promise<DispatchResult> {
    this.sent.push(command);
    if (this.result instanceof Error) throw this.result;
    return { status: 'acked', attempts: 1, firstSentAtMs: clock.nowMs(), lastSentAtMs: clock.nowMs(), ackAtMs: clock.nowMs() + 12, ack: null, detail: null, ...this.result };
  }
  async close(): Promise<void> {}
}

class RecordingNotifier implements Notifier {
  readonly sent: Notification[] = [];
  constructor(
    readonly channel: Notifier['channel'],
    private readonly fail = false,
  ) {}
  async send(n: Notification): Promise<void> {
    if (this.fail) throw new Error('503 from relay');
    this.sent.push(n);
  }
}

describe('AlertGateNode', () => {
  it('given an active alert, when any action arrives, then pass', async () => {
    const node = new AlertGateNode();
    node.init();
    expect(await when(node, message(await alertFor(), notifyMaint))).toBe('pass');
  });
  it('given a shelved alert, when a notification arrives, then suppressed; an automatic action passes', async () => {
    const node = new AlertGateNode();
    const alert = { ...(await alertFor()), state: 'shelved' as const };
    const msg = message(alert, notifyMaint);
    expect(await when(node, msg)).toBe('suppressed');
    expect(msg.record.status).toBe('suppressed');
    expect(await when(node, message(alert, cooling))).toBe('pass');
  });
  it('given a machine in maintenance, when a command arrives, then suppressed', async () => {
    const alert = { ...(await alertFor()), state: 'suppressed' as const, suppressedReason: 'maintenance' as const };
    expect(await when(new AlertGateNode(), message(alert, cooling))).toBe('suppressed');
  });
});

describe('CooldownNode', () => {
  it('given an action just taken on the machine, when the same rule fires again within the cooldown, then cooldown; after it, pass', async () => {
    const node = new CooldownNode();
    const alert = await alertFor();
    expect(await when(node, message(alert, cooling))).toBe('pass');
    clock.advance(59_999);
    const again = message(alert, cooling);
    expect(await when(node, again)).toBe('cooldown');
    expect(again.record.detail).toMatch(/cooldown 60 s/);
    expect(await when(node, message({ ...alert, machineId: 'wld-002' }, cooling))).toBe('pass'); // other machine
    clock.advance(1);
    expect(await when(node, message(alert, cooling))).toBe('pass');
  });
});

describe('RateLimitNode', () => {
  it('given the kind used up its budget, when one more arrives, then rate_limited; other kinds pass', async () => {
    const node = new RateLimitNode();
    node.init({ automatic: { max: 2, perMs: 10_000 } });
    const alert = await alertFor();
    expect(await when(node, message(alert, cooling))).toBe('pass');
    expect(await when(node, message(alert, cooling))).toBe('pass');
    expect(await when(node, message(alert, cooling))).toBe('rate_limited');
    expect(await when(node, message(alert, notifyMaint))).toBe('pass');
    clock.advance(10_001);
    expect(await when(node, message(alert, cooling))).toBe('pass');
  });
  it('refuses bad options at init (fail fast)', () => {
    expect(() => new RateLimitNode().init({ notify: { max: 0, perMs: 1 } })).toThrow();
  });
});

describe('InterlockNode', () => {
  it('given N machines already stopped, when a stop for another arrives, then approval; non-stop commands pass', async () => {
    const stops = new StopRegistry();
    const node = new InterlockNode(stops);
    node.init({ maxConcurrentStops: 2 });
    expect(await when(node, message(await alertFor({ machineId: 'a' }), stop))).toBe('pass');
    expect(await when(node, message(await alertFor({ machineId: 'b' }), stop))).toBe('pass');
    const third = message(await alertFor({ machineId: 'c' }), stop);
    expect(await when(node, third)).toBe('approval');
    expect(third.record.detail).toMatch(/interlock: 2 machine\(s\) already stopped \(a, b\)/);
    expect(await when(node, message(await alertFor({ machineId: 'a' }), stop))).toBe('pass'); // already stopped
    expect(await when(node, message(await alertFor({ machineId: 'c' }), cooling))).toBe('pass');
    stops.release('a');
    expect(await when(node, message(await alertFor({ machineId: 'c' }), stop))).toBe('pass');
  });
});

describe('CommandNode', () => {
  it('given a machine that acknowledges, when a command arrives, then success with stage timestamps', async () => {
    const d = new RecordingDispatcher();
    const node = new CommandNode(d, new StopRegistry());
    node.init({ dryRun: false });
    const msg = message(await alertFor(), cooling);
    expect(await when(node, msg)).toBe('success');
    expect(d.sent[0]).toMatchObject({ machineId: 'wld-001', type: 'cooling', on: true });
    expect(msg.record).toMatchObject({ status: 'acked', attempts: 1, commandId: d.sent[0]!.id });
    expect(msg.record.ackAtMs! - msg.record.sentAtMs!).toBe(12);
  });
  it('given a machine that never answers, when a command arrives, then failure (timeout)', async () => {
    const stops = new StopRegistry();
    stops.add('wld-001');
    const node = new CommandNode(new RecordingDispatcher({ status: 'timeout', attempts: 3, ackAtMs: null, detail: 'no acknowledgement' }), stops);
    const msg = message(await alertFor(), stop);
    expect(await when(node, msg)).toBe('failure');
    expect(msg.record).toMatchObject({ status: 'timeout', attempts: 3 });
    expect(stops.has('wld-001')).toBe(false); // a stop that didn't happen doesn't count for the interlock
  });
  it('given a dispatcher that throws (broker away), when a command arrives, then failure, no throw', async () => {
    const msg = message(await alertFor(), cooling);
    expect(await when(new CommandNode(new RecordingDispatcher(new Error('connection refused')), new StopRegistry()), msg)).toBe('failure');
    expect(msg.record).toMatchObject({ status: 'failed', detail: 'connection refused' });
  });
  it('given dry-run, when a command arrives, then dry_run and nothing is sent', async () => {
    const d = new RecordingDispatcher();
    const node = new CommandNode(d, new StopRegistry());
    node.init({ dryRun: true });
    const msg = message(await alertFor(), cooling);
    expect(await when(node, msg)).toBe('dry_run');
    expect(d.sent).toEqual([]);
    expect(msg.record.detail).toMatch(/would send/);
  });
  it('given no dispatcher, when a command arrives, then failure', async () => {
    expect(await when(new CommandNode(undefined, new StopRegistry()), message(await alertFor(), cooling))).toBe('failure');
  });
});

describe('RecommendNode', () => {
  it('given a recommended action, when it arrives, then pending approval', async () => {
    const msg = message(await alertFor(), { kind: 'recommended', command: 'reduce_load', loadFactor: 0.8 });
    expect(await when(new RecommendNode(), msg)).toBe('pending');
    expect(msg.record).toMatchObject({ kind: 'recommended', status: 'pending_approval' });
    expect(msg.record.detail).toMatch(/recommend reduce load \(load factor 0\.8\) on wld-001/);
  });
});

describe('NotifyNode', () => {
  it('given working channels, when a notification arrives, then success; unconfigured channels are named', async () => {
    const consoleN = new RecordingNotifier('console');
    const node = new NotifyNode([consoleN]);
    node.init({ dryRun: false });
    const msg = message(await alertFor(), notifyMaint);
    expect(await when(node, msg)).toBe('success');
    expect(consoleN.sent[0]).toMatchObject({ team: 'maintenance', reason: 'rule' });
    expect(consoleN.sent[0]!.subject).toMatch(/overheating on wld-001/);
    expect(msg.record.detail).toBe('sent to maintenance by console; not configured: webhook');
  });
  it('given a channel that refuses, when a notification arrives, then failure naming it (the others still sent)', async () => {
    const consoleN = new RecordingNotifier('console');
    const node = new NotifyNode([consoleN, new RecordingNotifier('webhook', true)]);
    const msg = message(await alertFor(), notifyMaint);
    expect(await when(node, msg)).toBe('failure');
    expect(msg.record.detail).toMatch(/failed webhook: 503 from relay; sent: console/);
    expect(consoleN.sent).toHaveLength(1);
  });
  it('given dry-run, then dry_run and nothing sent', async () => {
    const consoleN = new RecordingNotifier('console');
    const node = new NotifyNode([consoleN]);
    node.init({ dryRun: true });
    expect(await when(node, message(await alertFor(), notifyMaint))).toBe('dry_run');
    expect(consoleN.sent).toEqual([]);
  });
});
