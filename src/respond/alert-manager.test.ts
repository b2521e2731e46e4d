import { describe, expect, it } from 'vitest';
import { AlertError, type AlertTransition } from '../domain/index.js';
import { AlertManager, ALERT_TRANSITIONS } from './alert-manager.js';
import { MemoryAlertRepository } from './memory-repositories.js';
import { anomaly, ManualClock, normal } from './test-fixtures.js';

function setup(options: ConstructorParameters<typeof AlertManager>[2] = {}) {
  const clock = new ManualClock();
  const repo = new MemoryAlertRepository();
  const manager = new AlertManager(repo, clock, options);
  const transitions: AlertTransition[] = [];
  manager.onTransition((_a, t) => transitions.push(t));
  return { clock, repo, manager, transitions };
}

describe('AlertManager lifecycle (ISA-18.2)', () => {
  it('raises one alert per machine and type; a repeat updates count, peak score and last seen', async () => {
    const { manager, clock } = setup();
    const first = await manager.onAnomaly(anomaly({ score: 0.5 }));
    clock.advance(5000);
    const second = await manager.onAnomaly(anomaly({ score: 0.9 }));
    clock.advance(5000);
    const third = await manager.onAnomaly(anomaly({ score: 0.6 }));
    expect(first.change).toBe('raised');
    expect(second.alert.id).toBe(first.alert.id);
    expect(third.alert.count).toBe(3);
    expect(third.alert.peakScore).toBe(0.9);
    expect(third.alert.score).toBe(0.6);
    expect(third.alert.lastSeenAtMs).toBe(clock.nowMs());
    expect(second.change).toBe('urgency_raised'); // 0.9 / 0.4 > 2: more urgent, rules decide again
    expect(third.change).toBe('repeated');
    const other = await manager.onAnomaly(anomaly({ type: 'high_energy' }));
    expect(other.alert.id).not.toBe(first.alert.id);
    expect(manager.listOpen()).toHaveLength(2);
  });

  it('decides an open alert once per urgency level: a dip and recovery is a repeat; escalation and reactivation decide again', async () => {
    const { manager, clock } = setup({ clearAfterTicks: 1, clearAfterMs: null });
    const seq: string[] = [];
    // threshold 0.4: 0.5 medium, 0.8 high, 1.3 critical (temperature, medium criticality, running).
    for (const score of [0.5, 0.8, 0.5, 0.8, 0.5, 0.8, 1.3, 0.8, 1.3]) {
      clock.advance(60_000);
      const out = await manager.onAnomaly(anomaly({ score }));
      seq.push(`${out.alert.urgency}:${out.change}:${out.decide}`);
    }
    expect(seq).toEqual([
      'medium:raised:true',
      'high:urgency_raised:true',
      'medium:repeated:false',
      'high:repeated:false',
      'medium:repeated:false',
      'high:repeated:false',
      'critical:urgency_raised:true',
      'high:repeated:false',
      'critical:repeated:false',
    ]);
    // Cleared and back: decided again, and its escalation counts from the new activation.
    await manager.onNormal(normal());
    const back = await manager.onAnomaly(anomaly({ score: 0.5 }));
    const worse = await manager.onAnomaly(anomaly({ score: 0.8 }));
    expect([back, worse].map((o) => `${o.alert.urgency}:${o.change}:${o.decide}`)).toEqual(['medium:reactivated:true', 'high:urgency_raised:true']);
  });

  it('carries context and a plain-words recommendation', async () => {
    const { manager } = setup();
    const { alert } = await manager.onAnomaly(anomaly({ recent: [{ tsMs: 1, values: { temperature: 70 } }] }));
    expect(alert.context.sensors[0]).toMatchObject({ sensor: 'temperature', actual: 78.4, predicted: 66.1 });
    expect(alert.context.recent.map((r) => r.tsMs)).toContain(1);
    expect(alert.recommendation).toMatch(/Temperature on wld-001 reads 78\.4 C, 12\.3 C above the expected 66\.1 C\. Check the cooling loop/);
  });

  it('walks active -> acknowledged -> closed on return to normal, recording every transition', async () => {
    const { manager, repo, transitions } = setup({ clearAfterTicks: 2, clearAfterMs: null });
    const { alert } = await manager.onAnomaly(anomaly());
    const acked = await manager.acknowledge(alert.id, 'olga', 'looking at it');
    expect(acked).toMatchObject({ state: 'active_acknowledged', acknowledgedBy: 'olga', ackComment: 'looking at it' });
    await manager.onNormal(normal());
    const cleared = await manager.onNormal(normal());
    expect(cleared.map((a) => a.state)).toEqual(['closed']);
    expect(transitions.map((t) => `${t.from}>${t.to}:${t.reason}`)).toEqual(['null>active_unacknowledged:raise', 'active_unacknowledged>active_acknowledged:acknowledge', 'active_acknowledged>closed:clear']);
    expect((await repo.listTransitions(alert.id)).map((t) => t.to)).toEqual(['active_unacknowledged', 'active_acknowledged', 'closed']);
    expect(manager.listOpen()).toEqual([]);
    // Closed is final: a new occurrence is a new alert.
    const again = await manager.onAnomaly(anomaly());
    expect(again.alert.id).not.toBe(alert.id);
  });

  it('returns to normal unacknowledged, re-activates if the condition comes back, closes on ack', async () => {
    const { manager } = setup({ clearAfterTicks: 1, clearAfterMs: null });
    const { alert } = await manager.onAnomaly(anomaly());
    await manager.onNormal(normal());
    expect(manager.getOpen(alert.id)?.state).toBe('cleared_unacknowledged');
    const back = await manager.onAnomaly(anomaly());
    expect(back).toMatchObject({ change: 'reactivated', decide: true });
    expect(back.alert.state).toBe('active_unacknowledged');
    await manager.onNormal(normal());
    const closed = await manager.acknowledge(alert.id, 'olga');
    expect(closed.state).toBe('closed');
  });

  it('refuses illegal transitions with PW_ERR_ALERT_ILLEGAL_TRANSITION and unknown ids with PW_ERR_ALERT_NOT_FOUND', async () => {
    const { manager } = setup();
    const { alert } = await manager.onAnomaly(anomaly());
    await manager.acknowledge(alert.id, 'olga');
    const err = await manager.acknowledge(alert.id, 'olga').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlertError);
    expect((err as AlertError).code).toBe('PW_ERR_ALERT_ILLEGAL_TRANSITION');
    expect((err as AlertError).message).toMatch(/active_acknowledged -> active_acknowledged is not allowed/);
    await expect(manager.acknowledge('nope', 'olga')).rejects.toMatchObject({ code: 'PW_ERR_ALERT_NOT_FOUND', httpStatus: 404 });
    await expect(manager.unshelve(alert.id, 'olga')).rejects.toMatchObject({ code: 'PW_ERR_ALERT_NOT_SHELVED' });
    await manager.shelve(alert.id, 'olga', 60_000);
    await expect(manager.acknowledge(alert.id, 'olga')).rejects.toMatchObject({ code: 'PW_ERR_ALERT_ILLEGAL_TRANSITION' });
    expect(ALERT_TRANSITIONS.closed).toEqual([]);
  });

  it('refuses a malformed anomaly event with a reason, changing nothing', async () => {
    const { manager } = setup();
    await expect(manager.onAnomaly({ ...anomaly(), score: Number.NaN })).rejects.toMatchObject({ code: 'PW_ERR_VALIDATION_ANOMALY_EVENT', message: expect.stringContaining('score must be a finite number') });
    expect(manager.listOpen()).toEqual([]);
  });
});

describe('hysteresis', () => {
  it('does not chatter when the score oscillates around the threshold', async () => {
    const { manager, transitions, clock } = setup({ clearRatio: 0.8, clearAfterTicks: 3, clearAfterMs: 15_000 });
    const threshold = 0.4;
    let ts = clock.nowMs();
    // 60 ticks of 5 s: above, just below (in the deadband), above, far below once, above...
    for (let i = 0; i < 60; i++) {
      ts += 5000;
      clock.ms = ts;
      const phase = i % 4;
      if (phase === 0 || phase === 2) await manager.onAnomaly(anomaly({ score: threshold * 1.05, tsMs: ts }));
      else if (phase === 1) await manager.onNormal(normal({ score: threshold * 0.95, tsMs: ts })); // deadband
      else await manager.onNormal(normal({ score: threshold * 0.3, tsMs: ts })); // below clear level, but only once
    }
    expect(transitions.filter((t) => t.reason === 'raise')).toHaveLength(1);
    expect(transitions.filter((t) => t.reason === 'clear')).toHaveLength(0);
    expect(manager.listOpen()[0]).toMatchObject({ count: 30, state: 'active_unacknowledged' });
  });

  it('clears after N consecutive quiet ticks, and deadband ticks reset the count', async () => {
    const { manager } = setup({ clearRatio: 0.8, clearAfterTicks: 3, clearAfterMs: null });
    const { alert } = await manager.onAnomaly(anomaly());
    await manager.onNormal(normal({ score: 0.1 }));
    await manager.onNormal(normal({ score: 0.1 }));
    await manager.onNormal(normal({ score: 0.35 })); // 0.35 >= 0.8 x 0.4: deadband, resets
    await manager.onNormal(normal({ score: 0.1 }));
    expect(await manager.onNormal(normal({ score: 0.1 }))).toEqual([]);
    const cleared = await manager.onNormal(normal({ score: 0.1 }));
    expect(cleared.map((a) => a.id)).toEqual([alert.id]);
  });

  it('clears after the score stayed low for T ms of event time', async () => {
    const { manager } = setup({ clearAfterTicks: null, clearAfterMs: 20_000 });
    await manager.onAnomaly(anomaly());
    const t0 = Date.UTC(2026, 0, 5, 9);
    expect(await manager.onNormal(normal({ tsMs: t0 }))).toEqual([]);
    expect(await manager.onNormal(normal({ tsMs: t0 + 19_999 }))).toEqual([]);
    expect(await manager.onNormal(normal({ tsMs: t0 + 20_000 }))).toHaveLength(1);
  });
});

describe('shelving and maintenance', () => {
  it('shelves for a duration and unshelves by itself: active again if the condition persists', async () => {
    const { manager, clock, transitions } = setup();
    const { alert } = await manager.onAnomaly(anomaly());
    await manager.shelve(alert.id, 'olga', 60_000, 'known issue');
    await manager.onAnomaly(anomaly());
    expect(manager.getOpen(alert.id)).toMatchObject({ state: 'shelved', count: 2 });
    clock.advance(59_999);
    await manager.tick();
    expect(manager.getOpen(alert.id)?.state).toBe('shelved');
    clock.advance(1);
    await manager.tick();
    expect(manager.getOpen(alert.id)?.state).toBe('active_unacknowledged');
    expect(transitions.at(-1)).toMatchObject({ reason: 'unshelve', actor: 'system' });
    await expect(manager.shelve(alert.id, 'olga', 9 * 3_600_000)).rejects.toMatchObject({ code: 'PW_ERR_VALIDATION_SHELVE_DURATION' });
  });

  it('a shelved alert whose condition cleared closes when unshelved', async () => {
    const { manager } = setup({ clearAfterTicks: 1, clearAfterMs: null });
    const { alert } = await manager.onAnomaly(anomaly());
    await manager.shelve(alert.id, 'olga', 60_000);
    await manager.onNormal(normal());
    expect(manager.getOpen(alert.id)).toMatchObject({ state: 'shelved', conditionActive: false });
    expect((await manager.unshelve(alert.id, 'olga')).state).toBe('closed');
  });

  it('suppresses alerts of a machine in maintenance and releases them when the window ends', async () => {
    const { manager, clock } = setup();
    const before = await manager.onAnomaly(anomaly());
    await manager.startMaintenance('wld-001', clock.nowMs() + 3_600_000, 'mike', 'bearing change');
    expect(manager.getOpen(before.alert.id)).toMatchObject({ state: 'suppressed', suppressedReason: 'maintenance' });
    const during = await manager.onAnomaly(anomaly({ type: 'abnormal_vibration' }));
    expect(during).toMatchObject({ change: 'raised', decide: false });
    expect(during.alert).toMatchObject({ state: 'suppressed', suppressedReason: 'maintenance' });
    const elsewhere = await manager.onAnomaly(anomaly({ machineId: 'wld-002' }));
    expect(elsewhere.alert.state).toBe('active_unacknowledged');
    clock.advance(3_600_000);
    await manager.tick();
    expect(manager.getOpen(before.alert.id)?.state).toBe('active_unacknowledged');
    expect(manager.getOpen(during.alert.id)?.state).toBe('active_unacknowledged');
  });
});

describe('flood control', () => {
  it('above K new alerts in an area within the window, groups lower-urgency ones under one flood alert', async () => {
    const { manager, clock } = setup({ flood: { windowMs: 600_000, maxAlerts: 3, passUrgency: 'high' } });
    const outcomes = [];
    for (let i = 1; i <= 6; i++) {
      clock.advance(1000);
      outcomes.push(await manager.onAnomaly(anomaly({ machineId: `wld-00${i}` })));
    }
    // A critical one still gets through.
    clock.advance(1000);
    const critical = await manager.onAnomaly(anomaly({ machineId: 'wld-009', score: 2, criticality: 'high' }));
    // Another area is not affected.
    const other = await manager.onAnomaly(anomaly({ machineId: 'asm-001', areaId: 'assembly-1', machineType: 'assembly' }));
    expect(outcomes.slice(0, 3).map((o) => o.alert.state)).toEqual(['active_unacknowledged', 'active_unacknowledged', 'active_unacknowledged']);
    expect(outcomes.slice(3).map((o) => o.alert.state)).toEqual(['suppressed', 'suppressed', 'suppressed']);
    expect(outcomes[3]!.floodAlert?.type).toBe('alert_flood');
    expect(outcomes[4]!.floodAlert).toBeUndefined(); // one flood alert per area
    const floods = manager.listOpen().filter((a) => a.type === 'alert_flood');
    expect(floods).toHaveLength(1);
    expect(floods[0]!.groupedAlertIds).toEqual(outcomes.slice(3).map((o) => o.alert.id));
    expect(critical.alert.urgency).toBe('critical');
    expect(critical.alert.state).toBe('active_unacknowledged');
    expect(other.alert.state).toBe('active_unacknowledged');
    // The window passes: the flood alert returns to normal.
    clock.advance(600_000);
    await manager.tick();
    expect(manager.getOpen(floods[0]!.id)?.state).toBe('cleared_unacknowledged');
  });
});

describe('urgency', () => {
  it('weighs score, sensor, criticality and operating state', async () => {
    const { manager } = setup();
    const base = { score: 0.9, threshold: 0.3 } as const; // ratio 3 -> 3 points
    const hot = await manager.onAnomaly(anomaly({ ...base, criticality: 'medium' })); // 3 + 1 temperature
    manager.setOperatingState('wld-002', 'stopped');
    const stopped = await manager.onAnomaly(anomaly({ ...base, machineId: 'wld-002', criticality: 'medium' })); // 4 - 2
    const energy = await manager.onAnomaly(anomaly({ type: 'high_energy', score: 0.45, threshold: 0.4, criticality: 'low' })); // 0 + 0 - 1
    const dq = await manager.onAnomaly(anomaly({ ...base, type: 'stuck_sensor', machineId: 'wld-003', dataQuality: true, criticality: 'high' }));
    expect([hot.alert.urgency, stopped.alert.urgency, energy.alert.urgency, dq.alert.urgency]).toEqual(['critical', 'medium', 'low', 'medium']);
  });
});
