/**
 * Command dispatch through a real in-process MQTT broker (aedes v1 on port 0) with a real mqtt.js
 * client, and a fake machine (another real client) that acknowledges, refuses, answers late or
 * never. Ends with a small closed loop: overheating -> cooling command -> ack -> temperature falls
 * -> the alert clears by itself -> the effect and every stage are recorded.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { machineTopic, parseTopic, type CommandAck, type MachineCommand } from '../../src/domain/index.js';
import { createResponder, MqttCommandDispatcher } from '../../src/respond/index.js';
import { anomaly, normal, silentLogger } from '../../src/respond/test-fixtures.js';

const PLANT = 'plant-1';
let broker: Aedes;
let server: Server;
let url: string;
const clients: MqttClient[] = [];

beforeAll(async () => {
  broker = await Aedes.createBroker();
  server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
});

afterAll(async () => {
  await new Promise<void>((r) => broker.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
});

async function client(id: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { clientId: `${id}-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 0 });
  clients.push(c);
  return c;
}

type Behaviour = 'ack' | 'never' | 'reject' | 'third';

/** A machine that listens for its commands and answers as told. */
async function fakeMachine(behaviour: Behaviour, onCommand?: (cmd: MachineCommand) => void): Promise<{ received: MachineCommand[] }> {
  const c = await client('machine');
  const received: MachineCommand[] = [];
  await c.subscribeAsync(`plantwatch/${PLANT}/+/+/commands`, { qos: 1 });
  c.on('message', (topic, payload) => {
    const parts = parseTopic(topic)!;
    const cmd = JSON.parse(payload.toString()) as MachineCommand;
    received.push(cmd);
    const copies = received.filter((r) => r.id === cmd.id).length;
    if (behaviour === 'never' || (behaviour === 'third' && copies < 3)) return;
    const ack: CommandAck = { commandId: cmd.id, machineId: cmd.machineId, status: behaviour === 'reject' ? 'rejected' : 'accepted', tsMs: Date.now(), ...(behaviour === 'reject' ? { detail: 'machine in manual mode' } : {}) };
    onCommand?.(cmd);
    c.publish(machineTopic({ ...parts, channel: 'acks' }), JSON.stringify(ack), { qos: 1 });
  });
  return { received };
}

function command(machineId = 'wld-001'): MachineCommand {
  return { id: `cmd-${Math.random().toString(16).slice(2)}`, machineId, type: 'cooling', on: true, issuedAtMs: Date.now() };
}

describe('MqttCommandDispatcher (real aedes broker)', () => {
  it('publishes the command on the machine topic and returns when the machine acknowledges', async () => {
    const machine = await fakeMachine('ack');
    const d = new MqttCommandDispatcher(await client('responder'), { plantId: PLANT, logger: silentLogger(), ackTimeoutMs: 1_000 });
    const cmd = command();
    const r = await d.dispatch(cmd, { areaId: 'welding-1' });
    expect(r).toMatchObject({ status: 'acked', attempts: 1, ack: { commandId: cmd.id, status: 'accepted' } });
    expect(machine.received).toEqual([cmd]);
    expect(r.ackAtMs! - r.firstSentAtMs).toBeGreaterThanOrEqual(0);
    expect(r.ackAtMs! - r.firstSentAtMs).toBeLessThan(1_000);
    await d.close();
  });

  it('a machine that never answers: retries with backoff, same command id, then timeout', async () => {
    const machine = await fakeMachine('never');
    const d = new MqttCommandDispatcher(await client('responder'), { plantId: PLANT, logger: silentLogger(), ackTimeoutMs: 150, maxAttempts: 3, backoffMs: 50 });
    const cmd = command();
    const t0 = Date.now();
    const r = await d.dispatch(cmd, { areaId: 'welding-1' });
    const elapsed = Date.now() - t0;
    expect(r).toMatchObject({ status: 'timeout', attempts: 3, ackAtMs: null });
    expect(r.detail).toMatch(/no acknowledgement after 3 attempt\(s\) of 150 ms/);
    expect(machine.received.map((c) => c.id)).toEqual([cmd.id, cmd.id, cmd.id]);
    // 3 x 150 ms waits + 50 + 100 ms backoff.
    expect(elapsed).toBeGreaterThanOrEqual(600);
    expect(r.lastSentAtMs - r.firstSentAtMs).toBeGreaterThanOrEqual(150 + 50 + 150 + 100 - 20);
    await d.close();
  });

  it('a machine that answers the third copy: acked on attempt 3', async () => {
    await fakeMachine('third');
    const d = new MqttCommandDispatcher(await client('responder'), { plantId: PLANT, logger: silentLogger(), ackTimeoutMs: 150, maxAttempts: 4, backoffMs: 20 });
    const r = await d.dispatch(command(), { areaId: 'welding-1' });
    expect(r).toMatchObject({ status: 'acked', attempts: 3 });
    await d.close();
  });

  it('a refusal is "rejected", with the machine\'s reason, and not retried', async () => {
    const machine = await fakeMachine('reject');
    const d = new MqttCommandDispatcher(await client('responder'), { plantId: PLANT, logger: silentLogger(), ackTimeoutMs: 500 });
    const r = await d.dispatch(command(), { areaId: 'welding-1' });
    expect(r).toMatchObject({ status: 'rejected', attempts: 1, detail: 'machine in manual mode' });
    expect(machine.received).toHaveLength(1);
    await d.close();
  });

  it('a broker that went away is a failure result, not a throw', async () => {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    await c.endAsync(true);
    const d = new MqttCommandDispatcher(c, { plantId: PLANT, logger: silentLogger(), ackTimeoutMs: 100, maxAttempts: 1 });
    const r = await d.dispatch(command(), { areaId: 'welding-1' });
    expect(r).toMatchObject({ status: 'failed', attempts: 0, ackAtMs: null });
    expect(r.detail).toMatch(/cannot subscribe to acks: the MQTT client is ending or ended/);
    await d.close();
  });

  it('ignores garbage and acks for other machines on the acks topic', async () => {
    await fakeMachine('never');
    const rogue = await client('rogue');
    const d = new MqttCommandDispatcher(await client('responder'), { plantId: PLANT, logger: silentLogger(), ackTimeoutMs: 300, maxAttempts: 1 });
    await d.start();
    const cmd = command();
    const pending = d.dispatch(cmd, { areaId: 'welding-1' });
    await rogue.publishAsync(`plantwatch/${PLANT}/welding-1/wld-001/acks`, 'not json', { qos: 1 });
    await rogue.publishAsync(`plantwatch/${PLANT}/welding-1/wld-999/acks`, JSON.stringify({ commandId: cmd.id, machineId: 'wld-001', status: 'accepted', tsMs: 0 }), { qos: 1 });
    expect((await pending).status).toBe('timeout');
    await d.close();
  });
});

describe('closed loop through the responder (real broker)', () => {
  it('overheating -> alert -> cooling command -> ack -> temperature falls -> alert clears; every stage timed and audited', async () => {
    let cooling = false;
    const machine = await fakeMachine('ack', (cmd) => {
      if (cmd.type === 'cooling') cooling = cmd.on !== false;
    });
    const dispatcher = new MqttCommandDispatcher(await client('responder'), { plantId: PLANT, logger: silentLogger(), ackTimeoutMs: 1_000 });
    const responder = createResponder({ logger: silentLogger(), dispatcher, options: { tickMs: null, escalation: [], alerts: { clearAfterTicks: 3, clearAfterMs: null } } });
    await responder.start();
    const cleared: string[] = [];
    responder.on('alert', (a, t) => {
      if (t.reason === 'clear') cleared.push(a.id);
    });
    // The machine heats up by itself; cooling brings it down 3 C per tick. Threshold 75 C.
    let temperature = 80;
    let alertId: string | undefined;
    const t0 = Date.now();
    for (let tick = 0; tick < 40 && cleared.length === 0; tick++) {
      temperature += cooling ? -3 : 0.5;
      const tsMs = Date.now();
      const score = Math.max(0, (temperature - 66) / 20);
      if (temperature > 75) {
        const out = await responder.onAnomaly(anomaly({ score, threshold: 0.45, tsMs, sensors: [{ sensor: 'temperature', score, actual: temperature, predicted: 66, threshold: 0.45, direction: 'above' }] }));
        alertId ??= out.alert.id;
      } else await responder.onNormal(normal({ score, threshold: 0.45, tsMs }));
      await new Promise((r) => setTimeout(r, 30));
    }
    await responder.idle();
    expect(alertId).toBeDefined();
    expect(cleared).toEqual([alertId]);
    expect(machine.received.map((c) => c.type)).toEqual(['cooling']);
    const [action] = await responder.listActions({ alertId: alertId! });
    expect(action).toMatchObject({ status: 'acked', command: 'cooling', ruleId: 'overheating-cooling', effect: { cleared: true } });
    // Stage timestamps: alert raised <= decided <= sent <= acked <= cleared, all within this test's run.
    expect(action!.alertRaisedAtMs).toBeGreaterThanOrEqual(t0);
    expect(action!.decidedAtMs).toBeGreaterThanOrEqual(action!.alertRaisedAtMs);
    expect(action!.sentAtMs!).toBeGreaterThanOrEqual(action!.decidedAtMs);
    expect(action!.ackAtMs!).toBeGreaterThanOrEqual(action!.sentAtMs!);
    expect(action!.effect!.clearedAfterMs!).toBeGreaterThan(0);
    const audit = await responder.audit({ alertId: alertId! });
    expect(audit.map((e) => `${e.category}:${e.outcome}`)).toEqual(
      expect.arrayContaining(['alert.transition:active_unacknowledged', 'rule.decision:matched', 'action.outcome:acked', 'alert.transition:cleared_unacknowledged', 'action.effect:cleared']),
    );
    const alert = (await responder.listAlerts({ machineId: 'wld-001' }))[0]!;
    expect(alert).toMatchObject({ state: 'cleared_unacknowledged', conditionActive: false });
    await responder.close();
  });
});
