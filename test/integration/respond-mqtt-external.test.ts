/**
 * The same command dispatch against an external broker (Mosquitto at PLANTWATCH_TEST_MQTT_URL):
 * the dispatcher only needs a connected mqtt.js client, whichever broker it talks to.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { machineTopic, parseTopic, type CommandAck, type MachineCommand } from '../../src/domain/index.js';
import { MqttCommandDispatcher } from '../../src/respond/index.js';
import { silentLogger } from '../../src/respond/test-fixtures.js';
import { connectClient, serviceUrl } from '../support/mqtt.js';

const url = serviceUrl('PLANTWATCH_TEST_MQTT_URL', 'external MQTT broker');

describe.skipIf(!url)('command dispatch through an external MQTT broker', () => {
  // A plant id of its own, so parallel runs on a shared broker don't see each other's commands.
  const plantId = `resp-${process.pid}-${Date.now().toString(36)}`;
  const clients: MqttClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
  });

  it('acknowledged commands and timeouts', async () => {
    const machine = await connectClient(url!);
    const responderClient = await connectClient(url!);
    clients.push(machine, responderClient);
    const received: MachineCommand[] = [];
    await machine.subscribeAsync(`plantwatch/${plantId}/+/+/commands`, { qos: 1 });
    machine.on('message', (topic, payload) => {
      const cmd = JSON.parse(payload.toString()) as MachineCommand;
      received.push(cmd);
      if (cmd.machineId === 'silent-1') return;
      const ack: CommandAck = { commandId: cmd.id, machineId: cmd.machineId, status: 'done', tsMs: Date.now() };
      machine.publish(machineTopic({ ...parseTopic(topic)!, channel: 'acks' }), JSON.stringify(ack), { qos: 1 });
    });
    const d = new MqttCommandDispatcher(responderClient, { plantId, logger: silentLogger(), ackTimeoutMs: 500, maxAttempts: 2, backoffMs: 50 });
    const ok = await d.dispatch({ id: 'c1', machineId: 'wld-001', type: 'cooling', issuedAtMs: Date.now() }, { areaId: 'welding-1' });
    expect(ok).toMatchObject({ status: 'acked', attempts: 1, ack: { status: 'done' } });
    const silent = await d.dispatch({ id: 'c2', machineId: 'silent-1', type: 'stop', issuedAtMs: Date.now() }, { areaId: 'welding-1' });
    expect(silent).toMatchObject({ status: 'timeout', attempts: 2 });
    expect(received.map((c) => c.id)).toEqual(['c1', 'c2', 'c2']);
    await d.close();
  });
});
