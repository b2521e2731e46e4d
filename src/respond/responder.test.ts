import { describe, expect, it } from 'vitest';
import type { MachineCommand } from '../domain/index.js';
import type { CommandDispatcher, DispatchResult } from './dispatch/command-dispatcher.js';
import type { Notification, Notifier } from './notify/notifier.js';
import { createMemoryRepositories } from './memory-repositories.js';
import { createResponder, type ResponderOptions } from './responder.js';
import { parseRules } from './rules/rules-schema.js';
import { anomaly, ManualClock, normal, silentLogger } from './test-fixtures.js';

/** Acknowledges every command at once (the MQTT path is tested against a real broker in test/integration). */
class AckingDispatcher implements CommandDispatcher {
  readonly sent: MachineCommand[] = [];
  constructor(private readonly clock: ManualClock) {}
  async dispatch(command: MachineCommand): Promise<DispatchResult> {
    this.sent.push(command);
    const t = this.clock.nowMs();
    return { status: 'acked', attempts: 1, firstSentAtMs: t, lastSentAtMs: t, ackAtMs: t, ack: { commandId: command.id, machineId: command.machineId, status: 'accepted', tsMs: t }, detail: null };
  }
  async close(): Promise<void> {}
}

class ListNotifier implements Notifier {
  readonly sent: Notification[] = [];
  constructor(
    readonly channel: Notifier['channel'],
    private readonly fail = false,
  ) {}
  async send(n: Notification): Promise<void> {
    if (this.fail) throw new Error('relay down');
    this.sent.push(n);
  }
}

function setup(options: Partial<ResponderOptions> = {}, rules?: Parameters<typeof parseRules>[0]) {
  const clock = new ManualClock();
  const dispatcher = new AckingDispatcher(clock);
  const webhook = new ListNotifier('webhook');
  const responder = createResponder({
    logger: silentLogger(),
    clock,
    dispatcher,
    notifiers: [webhook],
    ...(rules ? { rules: parseRules(rules) } : {}),
    options: { tickMs: null, escalation: [], ...options },
  });
  const consoleFeed: Notification[] = [];
  responder.on('notification', (n) => consoleFeed.push(n));
  return { clock, dispatcher, webhook, responder, consoleFeed };
}

const severeVibration = (machineId: string) => anomaly({ type: 'abnormal_vibration', machineId, score: 1.2, threshold: 0.4, criticality: 'high' });

describe('Responder', () => {
  it('overheating -> automatic cooling, acked; the alert clears and the effect is recorded; all audited', async () => {
    const { responder, dispatcher, clock } = setup({ alerts: { clearAfterTicks: 2, clearAfterMs: null } });
    await responder.start();
    const { alert } = await responder.onAnomaly(anomaly());
    await responder.idle();
    expect(dispatcher.sent.map((c) => [c.machineId, c.type, c.on])).toEqual([['wld-001', 'cooling', true]]);
    clock.advance(7_000);
    await responder.onNormal(normal());
    await responder.onNormal(normal());
    await responder.idle();
    const [action] = await responder.listActions({ alertId: alert.id });
    expect(action).toMatchObject({ ruleId: 'overheating-cooling', status: 'acked', effect: { cleared: true, clearedAfterMs: 7_000 } });
    const audit = await responder.audit({ alertId: alert.id });
    expect(audit.map((e) => `${e.category}:${e.outcome}`)).toEqual(
      expect.arrayContaining(['alert.transition:active_unacknowledged', 'rule.decision:matched', 'action.outcome:acked', 'alert.transition:cleared_unacknowledged', 'action.effect:cleared']),
    );
    const decision = audit.find((e) => e.category === 'rule.decision')!;
    expect(decision).toMatchObject({ ruleId: 'overheating-cooling', action: 'automatic:cooling', detail: { change: 'raised', score: 0.5 } });
    await responder.close();
  });

  it('records "not cleared" when the alert is still active after the watch time', async () => {
    const { responder, clock } = setup({ effectWatchMs: 60_000 });
    const { alert } = await responder.onAnomaly(anomaly());
    await responder.idle();
    clock.advance(60_000);
    await responder.tick();
    await responder.idle();
    const [action] = await responder.listActions({ alertId: alert.id });
    expect(action!.effect).toMatchObject({ cleared: false, clearedAfterMs: null });
  });

  it('interlock: never stops more than N machines without approval; the N+1th becomes a recommendation', async () => {
    const { responder, dispatcher } = setup({ maxConcurrentStops: 2 });
    for (const m of ['asm-001', 'asm-002', 'asm-003']) await responder.onAnomaly(severeVibration(m));
    await responder.idle();
    expect(dispatcher.sent.filter((c) => c.type === 'stop').map((c) => c.machineId)).toEqual(['asm-001', 'asm-002']);
    const [rec] = await responder.listRecommendations();
    expect(rec).toMatchObject({ machineId: 'asm-003', command: 'stop', kind: 'recommended', status: 'pending_approval' });
    expect(rec!.detail).toMatch(/^interlock: 2 machine\(s\) already stopped/);
    expect(responder.stoppedMachines()).toEqual(['asm-001', 'asm-002']);
    // An operator approves: the stop is sent, and the approver is audited.
    const done = await responder.approve(rec!.id, 'olga');
    expect(done).toMatchObject({ status: 'acked', decidedBy: 'olga' });
    expect(dispatcher.sent.at(-1)).toMatchObject({ machineId: 'asm-003', type: 'stop' });
    const audit = await responder.audit({ actionId: rec!.id });
    expect(audit.map((e) => `${e.category}:${e.actor}:${e.outcome}`)).toEqual(expect.arrayContaining(['recommendation.approved:olga:approved', 'action.outcome:olga:acked']));
    await expect(responder.approve(rec!.id, 'olga')).rejects.toMatchObject({ code: 'PW_ERR_ACTION_NOT_PENDING' });
    await expect(responder.approve('nope', 'olga')).rejects.toMatchObject({ code: 'PW_ERR_ACTION_NOT_FOUND' });
    // A machine seen running again no longer counts.
    responder.onMachineStatus({ machineId: 'asm-001', state: 'running', tsMs: 0 });
    expect(responder.stoppedMachines()).toEqual(['asm-002', 'asm-003']);
  });

  it('high energy -> a recommendation; rejecting it sends nothing', async () => {
    const { responder, dispatcher } = setup();
    await responder.onAnomaly(anomaly({ type: 'high_energy' }));
    await responder.idle();
    const [rec] = await responder.listRecommendations();
    expect(rec).toMatchObject({ command: 'reduce_load', commandArgs: { loadFactor: 0.8 } });
    expect((await responder.reject(rec!.id, 'olga', 'peak order, keep going')).status).toBe('rejected');
    expect(dispatcher.sent).toEqual([]);
    expect(await responder.listRecommendations()).toEqual([]);
  });

  it('cooldown: a re-raised alert within the rule cooldown sends no second command', async () => {
    const { responder, dispatcher, clock } = setup({ alerts: { clearAfterTicks: 1, clearAfterMs: null } }, {
      version: 1,
      rules: [{ id: 'cool', match: { types: ['overheating'] }, actions: [{ kind: 'automatic', command: 'cooling' }], cooldownMs: 60_000 }],
    });
    const first = await responder.onAnomaly(anomaly());
    await responder.onNormal(normal());
    await responder.acknowledge(first.alert.id, 'olga'); // closed
    clock.advance(30_000);
    const second = await responder.onAnomaly(anomaly());
    await responder.idle();
    expect(second.alert.id).not.toBe(first.alert.id);
    expect(dispatcher.sent).toHaveLength(1);
    expect((await responder.listActions({ alertId: second.alert.id }))[0]).toMatchObject({ status: 'cooldown' });
    clock.advance(30_000);
    await responder.onNormal(normal());
    await responder.acknowledge(second.alert.id, 'olga');
    await responder.onAnomaly(anomaly());
    await responder.idle();
    expect(dispatcher.sent).toHaveLength(2);
  });

  it('dry-run decides and audits but sends nothing', async () => {
    const { responder, dispatcher, webhook, consoleFeed } = setup({ dryRun: true });
    await responder.onAnomaly(anomaly());
    await responder.onAnomaly(severeVibration('asm-001'));
    await responder.idle();
    expect(dispatcher.sent).toEqual([]);
    expect(webhook.sent).toEqual([]);
    expect(consoleFeed).toEqual([]);
    const actions = await responder.listActions();
    expect(actions.map((a) => a.status)).toEqual(['dry_run', 'dry_run', 'dry_run']);
    expect(actions.every((a) => a.dryRun)).toBe(true);
    expect((await responder.audit({ category: 'action.outcome' })).map((e) => e.outcome)).toEqual(['dry_run', 'dry_run', 'dry_run']);
  });

  it('a failing notifier records a failure and the responder carries on', async () => {
    const clock = new ManualClock();
    const dispatcher = new AckingDispatcher(clock);
    const responder = createResponder({ logger: silentLogger(), clock, dispatcher, notifiers: [new ListNotifier('webhook', true)], options: { tickMs: null, escalation: [] } });
    await responder.onAnomaly(anomaly({ type: 'abnormal_vibration' }));
    await responder.idle();
    const [rec] = await responder.listActions();
    expect(rec).toMatchObject({ kind: 'notify', status: 'failed' });
    expect(rec!.detail).toMatch(/webhook: relay down; sent: console; not configured: email/);
    await responder.onAnomaly(anomaly({ machineId: 'wld-002' }));
    await responder.idle();
    expect(dispatcher.sent).toHaveLength(1);
  });

  it('escalates an unacknowledged alert level by level with an injectable clock; acknowledging stops it', async () => {
    const { responder, clock, webhook } = setup({
      escalation: [
        { afterMs: 15 * 60_000, team: 'maintenance', channels: ['webhook'] },
        { afterMs: 30 * 60_000, team: 'operations', channels: ['webhook'] },
      ],
    });
    const { alert } = await responder.onAnomaly(anomaly());
    const other = await responder.onAnomaly(anomaly({ machineId: 'wld-002' }));
    await responder.acknowledge(other.alert.id, 'olga');
    clock.advance(15 * 60_000 - 1);
    await responder.tick();
    await responder.idle();
    expect(webhook.sent).toEqual([]);
    clock.advance(1);
    await responder.tick();
    await responder.idle();
    expect(webhook.sent.map((n) => [n.alert.id, n.team, n.reason, n.level])).toEqual([[alert.id, 'maintenance', 'escalation', 1]]);
    expect(webhook.sent[0]!.subject).toMatch(/^\[ESCALATION 1\]/);
    clock.advance(30 * 60_000);
    await responder.tick();
    await responder.tick();
    await responder.idle();
    expect(webhook.sent.map((n) => n.team)).toEqual(['maintenance', 'operations']);
    clock.advance(60 * 60_000);
    await responder.tick();
    await responder.idle();
    expect(webhook.sent).toHaveLength(2); // no level 3
    expect((await responder.audit({ category: 'escalation' })).map((e) => e.detail.level)).toEqual([1, 2]);
  });

  it('flood alerts group low-urgency alerts: their commands still run, notifications do not', async () => {
    const { responder, dispatcher, consoleFeed } = setup({ alerts: { flood: { windowMs: 600_000, maxAlerts: 2, passUrgency: 'high' } } });
    for (let i = 1; i <= 4; i++) await responder.onAnomaly(anomaly({ machineId: `asm-00${i}`, areaId: 'assembly-1', machineType: 'assembly', type: 'abnormal_vibration' }));
    await responder.onAnomaly(anomaly({ machineId: 'asm-005', areaId: 'assembly-1', machineType: 'assembly' }));
    await responder.idle();
    expect(consoleFeed.map((n) => n.alert.machineId)).toEqual(['asm-001', 'asm-002']);
    expect(dispatcher.sent.map((c) => c.machineId)).toEqual(['asm-005']);
    const suppressed = (await responder.listActions({ statuses: ['suppressed'] })).map((a) => a.machineId).sort();
    expect(suppressed).toEqual(['asm-003', 'asm-004']);
    expect(responder.listOpenAlerts().filter((a) => a.type === 'alert_flood')).toHaveLength(1);
  });

  it('maintenance: no actions for a machine out of service', async () => {
    const { responder, dispatcher, clock } = setup();
    await responder.startMaintenance('wld-001', clock.nowMs() + 3_600_000, 'mike');
    await responder.onAnomaly(anomaly());
    await responder.idle();
    expect(dispatcher.sent).toEqual([]);
    expect((await responder.audit({ category: 'maintenance.start' }))[0]).toMatchObject({ actor: 'mike', machineId: 'wld-001' });
  });

  it('rate limit per action kind', async () => {
    const { responder, dispatcher } = setup({ rateLimits: { automatic: { max: 3, perMs: 60_000 } } });
    for (let i = 1; i <= 5; i++) await responder.onAnomaly(anomaly({ machineId: `wld-00${i}` }));
    await responder.idle();
    expect(dispatcher.sent).toHaveLength(3);
    expect((await responder.listActions({ statuses: ['rate_limited'] })).map((a) => a.machineId).sort()).toEqual(['wld-004', 'wld-005']);
  });

  it('an alert that becomes critical is decided again: vibration notify, then stop + notify', async () => {
    const { responder, dispatcher, consoleFeed } = setup();
    const first = await responder.onAnomaly(anomaly({ type: 'abnormal_vibration', machineId: 'asm-001', criticality: 'high' }));
    await responder.idle();
    expect(first.alert.urgency).toBe('medium');
    expect(dispatcher.sent).toEqual([]);
    const worse = await responder.onAnomaly(anomaly({ type: 'abnormal_vibration', machineId: 'asm-001', criticality: 'high', score: 1.3 }));
    await responder.idle();
    expect(worse).toMatchObject({ change: 'urgency_raised', decide: true, alert: { id: first.alert.id, urgency: 'critical' } });
    expect(dispatcher.sent.map((c) => [c.machineId, c.type])).toEqual([['asm-001', 'stop']]);
    expect(consoleFeed.map((n) => n.ruleId)).toEqual(['abnormal-vibration', 'abnormal-vibration-severe']);
    // Same urgency again: a repeat, nothing new decided.
    await responder.onAnomaly(anomaly({ type: 'abnormal_vibration', machineId: 'asm-001', criticality: 'high', score: 1.3 }));
    await responder.idle();
    expect(dispatcher.sent).toHaveLength(1);
  });

  it('a restarted responder on the same repositories picks up open alerts and clears them', async () => {
    const clock = new ManualClock();
    const repositories = createMemoryRepositories();
    const first = createResponder({ logger: silentLogger(), clock, repositories, options: { tickMs: null, escalation: [], dryRun: true } });
    await first.start();
    const { alert } = await first.onAnomaly(anomaly());
    await first.close();
    const second = createResponder({ logger: silentLogger(), clock, repositories, options: { tickMs: null, escalation: [], dryRun: true, alerts: { clearAfterTicks: 1, clearAfterMs: null } } });
    await second.start();
    expect(second.listOpenAlerts().map((a) => a.id)).toEqual([alert.id]);
    const again = await second.onAnomaly(anomaly());
    expect(again).toMatchObject({ change: 'repeated', alert: { id: alert.id, count: 2 } });
    expect((await second.onNormal(normal())).map((a) => a.id)).toEqual([alert.id]);
    expect((await second.alertHistory(alert.id)).map((t) => t.to)).toEqual(['active_unacknowledged', 'cleared_unacknowledged']);
    await second.close();
  });

  it('refuses options that would misbehave, naming each problem', () => {
    let err: unknown;
    try {
      createResponder({ logger: silentLogger(), options: { escalation: [{ afterMs: 0, team: 'it', channels: [] }], alerts: { clearAfterTicks: null, clearAfterMs: null } } });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'PW_ERR_RULES_OPTIONS' });
    expect((err as Error).message).toBe(
      'invalid responder options: escalation[0].afterMs must be > 0 ms, got 0; escalation[0].channels must name at least one channel; alerts.clearAfterTicks and alerts.clearAfterMs are both null: alerts could never clear',
    );
  });

  it('a bad event is refused with a reason and the next one still works', async () => {
    const { responder, dispatcher } = setup();
    await expect(responder.onAnomaly({ ...anomaly(), machineId: '' })).rejects.toMatchObject({ code: 'PW_ERR_VALIDATION_ANOMALY_EVENT' });
    await responder.onAnomaly(anomaly());
    await responder.idle();
    expect(dispatcher.sent).toHaveLength(1);
  });
});
