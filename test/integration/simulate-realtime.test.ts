/**
 * Real-time mode against a real broker: an in-process aedes on port 0 and a real mqtt.js client.
 * The simulator's clock runs 600x faster than the wall clock (a 5 s tick every 8 ms), so minutes of
 * plant physics pass in a test's seconds; the broker, the sockets and the payloads are all real.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlant, channelFilter, machineTopic, parseTopic } from '../../src/domain/index.js';
import type { CommandAck, FaultLabel, MachineStatus, Plant, Telemetry } from '../../src/domain/index.js';
import { RealtimePlantSimulator } from '../../src/simulate/index.js';
import { connectClient } from '../support/mqtt.js';
import type { MqttClient } from 'mqtt';

const SPEED_UP = 600;
// Monday 10:00 UTC: every machine type is in its shift.
const SIM_T0 = Date.UTC(2026, 0, 5, 10);

describe('RealtimePlantSimulator over MQTT', () => {
  let broker: Aedes;
  let server: net.Server;
  let url: string;
  let observer: MqttClient;
  let sim: RealtimePlantSimulator;
  let plant: Plant;
  const telemetry: Telemetry[] = [];
  const acks: CommandAck[] = [];
  const status = new Map<string, MachineStatus>();
  const labels: FaultLabel[] = [];

  beforeAll(async () => {
    broker = await Aedes.createBroker();
    server = net.createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    plant = buildPlant({ machineCount: 6, plantId: 'rt-test' });
    observer = await connectClient(url, { clientId: 'observer' });
    observer.on('message', (topic, payload) => {
      const parts = parseTopic(topic)!;
      const body = JSON.parse(payload.toString()) as unknown;
      if (parts.channel === 'telemetry') telemetry.push(body as Telemetry);
      else if (parts.channel === 'acks') acks.push(body as CommandAck);
      else if (parts.channel === 'status') status.set(parts.machineId, body as MachineStatus);
    });
    await observer.subscribeAsync([channelFilter('telemetry', plant.id), channelFilter('acks', plant.id), channelFilter('status', plant.id)], { qos: 1 });
    const real0 = Date.now();
    sim = new RealtimePlantSimulator({
      plant,
      url,
      seed: 5,
      tickMs: 5000,
      faultsPerDay: 0,
      now: () => SIM_T0 + (Date.now() - real0) * SPEED_UP,
      onFaultLabel: (l) => labels.push(l),
    });
    await sim.start();
  });

  afterAll(async () => {
    await sim?.stop();
    await observer?.endAsync();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await new Promise<void>((resolve) => broker?.close(() => resolve()));
  });

  const waitFor = async (what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> => {
    const until = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  const cmdTopic = (machineId: string): string => {
    const m = plant.machines.find((x) => x.id === machineId)!;
    return machineTopic({ plantId: plant.id, areaId: m.areaId, machineId, channel: 'commands' });
  };

  it('publishes telemetry of every machine with the documented payload and retained status', async () => {
    await waitFor('telemetry of every machine', () => new Set(telemetry.map((t) => t.machineId)).size === plant.machines.length && telemetry.length > 60);
    const sample = telemetry.find((t) => t.machineId === 'asm-001')!;
    expect(Object.keys(sample).sort()).toEqual(['machineId', 'seq', 'tsMs', 'values']);
    expect(Object.keys(sample.values).sort()).toEqual(['coolant_pressure', 'current', 'gas', 'humidity', 'speed', 'supply_voltage', 'temperature', 'vibration']);
    expect(sample.tsMs).toBeGreaterThanOrEqual(SIM_T0);
    // seq counts up by one per tick for each machine.
    const seqs = telemetry.filter((t) => t.machineId === 'wld-001').map((t) => t.seq!);
    expect(seqs.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    await waitFor('status of every machine', () => status.size === plant.machines.length);
    expect(status.get('asm-001')).toMatchObject({ machineId: 'asm-001', state: 'running' });
  });

  it('acknowledges a stop command and the machine halts; resume restarts it', async () => {
    const latest = (id: string): Telemetry => telemetry.filter((t) => t.machineId === id).at(-1)!;
    await waitFor('asm-002 turning', () => (latest('asm-002')?.values.speed ?? 0) > 300);
    await observer.publishAsync(cmdTopic('asm-002'), JSON.stringify({ id: 'c-stop', machineId: 'asm-002', type: 'stop', issuedAtMs: Date.now() }), { qos: 1 });
    await waitFor('ack of c-stop', () => acks.some((a) => a.commandId === 'c-stop' && a.status === 'done'));
    expect(acks.filter((a) => a.commandId === 'c-stop').map((a) => a.status)).toEqual(['accepted', 'done']);
    await waitFor('stopped status', () => status.get('asm-002')?.state === 'stopped');
    // Speed lag 6 s: within a minute of plant time the spindle has run down.
    await waitFor('asm-002 halted', () => (latest('asm-002').values.speed ?? 999) < 5 && (latest('asm-002').values.current ?? 99) < 0.6);
    expect(sim.machineModel('asm-002')!.controls().stopped).toBe(true);
    await observer.publishAsync(cmdTopic('asm-002'), JSON.stringify({ id: 'c-resume', machineId: 'asm-002', type: 'resume', issuedAtMs: Date.now() }), { qos: 1 });
    await waitFor('asm-002 turning again', () => (latest('asm-002').values.speed ?? 0) > 300);
    expect(status.get('asm-002')?.state).toBe('running');
  });

  it('cooling lowers the temperature of an overheating machine', async () => {
    const temps = (id: string, fromMs: number): number[] => telemetry.filter((t) => t.machineId === id && t.tsMs >= fromMs).map((t) => t.values.temperature!);
    const label = sim.injectFault('wld-002', 'overheating', { durationMs: 3 * 3_600_000, severity: 1 });
    await waitFor('fault label', () => labels.some((l) => l.id === label.id));
    // Let it heat for 20 minutes of plant time (2 s).
    await waitFor('heating', () => temps('wld-002', label.startMs + 20 * 60_000).length > 3, 20_000);
    const hot = Math.max(...temps('wld-002', label.startMs + 18 * 60_000));
    await observer.publishAsync(cmdTopic('wld-002'), JSON.stringify({ id: 'c-cool', machineId: 'wld-002', type: 'cooling', on: true, issuedAtMs: Date.now() }), { qos: 1 });
    await waitFor('ack of c-cool', () => acks.some((a) => a.commandId === 'c-cool' && a.status === 'done'));
    const coolFrom = telemetry.filter((t) => t.machineId === 'wld-002').at(-1)!.tsMs;
    await waitFor('cooled for 30 min', () => temps('wld-002', coolFrom + 30 * 60_000).length > 3, 20_000);
    const after = temps('wld-002', coolFrom + 25 * 60_000);
    expect(sim.machineModel('wld-002')!.activeFaults().map((f) => f.type)).toContain('overheating');
    expect(Math.max(...after)).toBeLessThan(hot - 5);
  });

  it('rejects malformed and invalid commands with a reason and keeps running', async () => {
    const before = sim.counters.published;
    await observer.publishAsync(cmdTopic('pnt-001'), Buffer.from([0xff, 0x00, 0x7b]), { qos: 1 });
    await observer.publishAsync(cmdTopic('pnt-001'), JSON.stringify({ id: 'c-bad-type', type: 'launch' }), { qos: 1 });
    await observer.publishAsync(cmdTopic('pnt-001'), JSON.stringify({ id: 'c-bad-lf', type: 'reduce_load', loadFactor: 'half' }), { qos: 1 });
    await observer.publishAsync(cmdTopic('pnt-001'), JSON.stringify({ id: 'c-wrong-machine', machineId: 'asm-001', type: 'stop' }), { qos: 1 });
    await observer.publishAsync(cmdTopic('pnt-001'), JSON.stringify([1, 2, 3]), { qos: 1 });
    await waitFor('five rejections', () => acks.filter((a) => a.machineId === 'pnt-001' && a.status === 'rejected').length === 5);
    const rejected = acks.filter((a) => a.machineId === 'pnt-001' && a.status === 'rejected');
    expect(rejected.find((a) => a.commandId === 'c-bad-type')!.detail).toContain('unknown command type "launch"');
    expect(rejected.find((a) => a.commandId === 'c-bad-lf')!.detail).toContain('loadFactor');
    expect(rejected.find((a) => a.commandId === 'c-wrong-machine')!.detail).toContain('does not match');
    expect(rejected.filter((a) => a.commandId === '').map((a) => a.detail)).toEqual([expect.stringContaining('not JSON'), expect.stringContaining('JSON object')]);
    expect(sim.machineModel('pnt-001')!.controls().stopped).toBe(false);
    await waitFor('publishing goes on', () => sim.counters.published > before + 30);
    expect(sim.counters.commandsRejected).toBeGreaterThanOrEqual(5);
  });

  it('connection failure: the machine goes silent and offline, misses commands, then comes back', async () => {
    const label = sim.injectFault('asm-003', 'connection_failure', { durationMs: 10 * 60_000 });
    await waitFor('offline status', () => status.get('asm-003')?.state === 'offline');
    const lostBefore = sim.counters.commandsLost;
    await observer.publishAsync(cmdTopic('asm-003'), JSON.stringify({ id: 'c-lost', type: 'cooling' }), { qos: 1 });
    await waitFor('command lost', () => sim.counters.commandsLost === lostBefore + 1);
    await waitFor('back online', () => status.get('asm-003')?.state === 'running');
    const seen = telemetry.filter((t) => t.machineId === 'asm-003');
    // Nothing was sent during the fault, and seq jumped over the silent ticks.
    expect(seen.filter((t) => t.tsMs >= label.startMs + 5000 && t.tsMs < label.endMs)).toEqual([]);
    await waitFor('telemetry again', () => telemetry.filter((t) => t.machineId === 'asm-003' && t.tsMs >= label.endMs).length > 0);
    const after = telemetry.filter((t) => t.machineId === 'asm-003' && t.tsMs >= label.endMs)[0]!;
    const before = seen.filter((t) => t.tsMs < label.startMs).at(-1)!;
    // 120 ticks at most in 10 min; fewer when a loaded test machine made the simulator skip rounds.
    expect(after.seq! - before.seq!).toBeGreaterThan(10);
    expect(acks.some((a) => a.commandId === 'c-lost')).toBe(false);
  });

  it('marks machines offline (retained) on stop', async () => {
    await sim.stop();
    await waitFor('offline status', () => [...status.values()].every((s) => s.state === 'offline'));
    const late = await connectClient(url, { clientId: 'late-observer' });
    const seen = new Map<string, MachineStatus>();
    late.on('message', (topic, payload) => seen.set(parseTopic(topic)!.machineId, JSON.parse(payload.toString()) as MachineStatus));
    await late.subscribeAsync(channelFilter('status', plant.id), { qos: 1 });
    await waitFor('retained status', () => seen.size === plant.machines.length);
    expect([...seen.values()].every((s) => s.state === 'offline')).toBe(true);
    await late.endAsync();
  });
});
