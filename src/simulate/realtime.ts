import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { SENSOR_KINDS, SimulationError, channelFilter, isCommandType, isFaultType, machineTopic, parseTopic } from '../domain/index.js';
import type { CommandAck, FaultLabel, FaultType, Machine, MachineStatus, Plant, SensorKind, Telemetry } from '../domain/index.js';
import type { Logger } from '../logging/index.js';
import { DEFAULT_FAULTS_PER_DAY, explicitFault, validateFaultOptions } from './fault-plan.js';
import { MachineModel, SENSOR_COUNT, type StepInfo } from './machine-model.js';

/**
 * Real-time mode (SPEC 1, 2): every machine of the plant publishes its readings over MQTT each
 * tick, obeys commands and acknowledges them; the physics responds.
 *
 * Topics (ISA-95 style, src/domain/topics.ts): `plantwatch/<plant>/<area>/<machine>/<channel>`
 *
 * - `.../telemetry` (machine -> plant, QoS `qos`, default 0), one message per machine per tick:
 *     {"machineId":"asm-001","tsMs":1767607200000,"seq":42,
 *      "values":{"temperature":38.2,"humidity":41.5,"vibration":3.12,"speed":1413,"current":9.35,
 *                "gas":487.2,"coolant_pressure":2.5,"supply_voltage":24}}
 *   Values are quantised to the device resolution (SENSOR_SPECS); `null` = the sensor sent no value
 *   (disconnected, unpowered). `seq` counts ticks from 1, sent or not: a jump is a gap.
 *   `tsMs` is the device clock (epoch ms), which a clock_skew fault offsets.
 * - `.../commands` (plant -> machine, subscribe QoS 1), a MachineCommand:
 *     {"id":"c-1","machineId":"asm-001","type":"cooling","on":true,"issuedAtMs":1767607200000}
 *   `type`: cooling | dehumidify | secondary_power | secondary_pumps | reduce_load |
 *   adjust_parameters | stop | resume; `on` (default true) switches a mode off with false;
 *   `loadFactor` 0..1 for reduce_load (default 0.6) and adjust_parameters.
 * - `.../acks` (machine -> plant, QoS 1), a CommandAck per step:
 *     {"commandId":"c-1","machineId":"asm-001","status":"accepted","tsMs":...}
 *     then {"commandId":"c-1","machineId":"asm-001","status":"done","tsMs":...} once applied, or
 *     {"commandId":"c-1","machineId":"asm-001","status":"rejected","tsMs":...,"detail":"<reason>"}
 *   A payload that is not JSON or has no string `id` is rejected with commandId "". During a
 *   simulated connection_failure the machine receives nothing: no ack, the sender times out.
 * - `.../status` (retained, QoS 1), a MachineStatus:
 *     {"machineId":"asm-001","state":"running"|"idle"|"stopped"|"offline","tsMs":...}
 *   published on start, on shift changes, on stop/resume, on connection failures and on stop().
 *   With one connection per machine the MQTT last will is that machine's `offline` status; with a
 *   shared connection (large plants) the will is the `offline` status of the gateway pseudo-machine
 *   `plantwatch/<plant>/gateway/<gatewayId>/status`.
 */

export const DEFAULT_REALTIME_TICK_MS = 5000;
/** Plants up to this size get one MQTT connection per machine (a last will each); larger share one. */
export const PER_MACHINE_CONNECTION_LIMIT = 200;
const PUMP_INTERVAL_MAX_MS = 20;
const MAX_COMMAND_BYTES = 16 * 1024;

export interface RealtimeSimulatorOptions {
  plant: Plant;
  /** Broker URL: mqtt://, mqtts://, ws://, wss://. */
  url: string;
  seed: number;
  /** Interval between two messages of one machine; default {@link DEFAULT_REALTIME_TICK_MS} (paper 3.4). */
  tickMs?: number;
  /** QoS of telemetry; default 0. Commands, acks and status always use QoS 1. */
  qos?: 0 | 1;
  /** Random faults per machine per day; default {@link DEFAULT_FAULTS_PER_DAY}; 0 for none. */
  faultsPerDay?: number;
  /** Fault types drawn at random; default all. */
  faultTypes?: readonly FaultType[];
  /** One MQTT connection per machine (true) or one shared (false); default: per machine up to {@link PER_MACHINE_CONNECTION_LIMIT} machines. */
  perMachineConnections?: boolean;
  /** Extra mqtt.js options (username, password, ca, protocolVersion...). */
  mqttOptions?: IClientOptions;
  /** Prefix of client ids; default `plantwatch-sim`. */
  clientIdPrefix?: string;
  logger?: Logger;
  /** Clock, epoch ms; default Date.now. */
  now?: () => number;
  /** Called with the ground-truth label of every fault as it starts. */
  onFaultLabel?: (label: FaultLabel) => void;
}

export interface RealtimeCounters {
  /** Telemetry messages published. */
  published: number;
  /** Machine ticks on which nothing was sent (gap or connection failure faults). */
  silentTicks: number;
  /** Ticks skipped because the process fell more than a whole round behind. */
  skippedTicks: number;
  publishErrors: number;
  commandsReceived: number;
  commandsAccepted: number;
  commandsRejected: number;
  /** Commands that reached a machine while its connection had failed: a real machine never sees them, so no ack. */
  commandsLost: number;
  acksPublished: number;
  statusPublished: number;
  faultsStarted: number;
}

export interface InjectFaultOptions {
  durationMs: number;
  /** 0..1; default 0.8. */
  severity?: number;
  /** For sensor-level faults. */
  sensor?: SensorKind;
  /** Start, epoch ms; default now. */
  startMs?: number;
}

interface SimMachine {
  machine: Machine;
  model: MachineModel;
  client: MqttClient;
  telemetryTopic: string;
  statusTopic: string;
  ackTopic: string;
  seq: number;
  lastState: MachineStatus['state'] | undefined;
  injected: number;
}

/**
 * The simulated plant on an MQTT broker.
 * @example
 * const sim = new RealtimePlantSimulator({ plant: buildPlant(), url: 'mqtt://127.0.0.1:1883', seed: 1 });
 * await sim.start(); ... sim.injectFault('asm-001', 'overheating', { durationMs: 600_000 }); ... await sim.stop();
 */
export class RealtimePlantSimulator {
  private readonly options: RealtimeSimulatorOptions;
  private readonly tickMs: number;
  private readonly qos: 0 | 1;
  private readonly now: () => number;
  private readonly log: Logger | undefined;
  private readonly machines: SimMachine[] = [];
  private readonly byId = new Map<string, SimMachine>();
  private readonly clients: MqttClient[] = [];
  private readonly out = new Float64Array(SENSOR_COUNT);
  private readonly info: StepInfo = { emit: true, skewMs: 0 };
  private timer: NodeJS.Timeout | undefined;
  private t0Ms = 0;
  private slotsDone = 0;
  private running = false;
  readonly counters: RealtimeCounters = {
    published: 0,
    silentTicks: 0,
    skippedTicks: 0,
    publishErrors: 0,
    commandsReceived: 0,
    commandsAccepted: 0,
    commandsRejected: 0,
    commandsLost: 0,
    acksPublished: 0,
    statusPublished: 0,
    faultsStarted: 0,
  };

  constructor(options: RealtimeSimulatorOptions) {
    const tickMs = options.tickMs ?? DEFAULT_REALTIME_TICK_MS;
    if (!Number.isInteger(tickMs) || tickMs < 10) throw new SimulationError('PW_ERR_SIM_TICK', `tickMs must be an integer of at least 10, got ${tickMs}`);
    if (options.qos !== undefined && options.qos !== 0 && options.qos !== 1) throw new SimulationError('PW_ERR_SIM_QOS', `qos must be 0 or 1, got ${String(options.qos)}`);
    if (!/^(mqtts?|wss?):\/\//.test(options.url)) throw new SimulationError('PW_ERR_SIM_URL', `broker url must start with mqtt://, mqtts://, ws:// or wss://, got "${options.url}"`);
    if (!Number.isInteger(options.seed)) throw new SimulationError('PW_ERR_SIM_SEED', `seed must be an integer, got ${options.seed}`);
    validateFaultOptions(options.faultsPerDay ?? DEFAULT_FAULTS_PER_DAY, options.faultTypes);
    this.options = options;
    this.tickMs = tickMs;
    this.qos = options.qos ?? 0;
    this.now = options.now ?? Date.now;
    this.log = options.logger?.child({ component: 'simulator' });
  }

  /** Connects, publishes each machine's status and starts publishing telemetry. */
  async start(): Promise<void> {
    if (this.running) return;
    const { plant } = this.options;
    const startMs = this.now();
    const perMachine = this.options.perMachineConnections ?? plant.machines.length <= PER_MACHINE_CONNECTION_LIMIT;
    const prefix = this.options.clientIdPrefix ?? 'plantwatch-sim';
    const base: IClientOptions = { reconnectPeriod: 1000, connectTimeout: 10_000, ...this.options.mqttOptions };
    const connect = async (clientId: string, willTopic: string, willMachineId: string): Promise<MqttClient> => {
      const will: MachineStatus = { machineId: willMachineId, state: 'offline', tsMs: startMs };
      // No retries on the first connect: a wrong URL fails start() at once (fail fast); later drops reconnect.
      const client = await connectAsync(
        this.options.url,
        { ...base, clientId, will: { topic: willTopic, payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true } },
        false,
      );
      client.on('error', (err) => this.log?.warn({ err, clientId }, 'MQTT client error'));
      client.on('message', (topic, payload) => this.onCommand(topic, payload));
      this.clients.push(client);
      return client;
    };
    try {
      let shared: MqttClient | undefined;
      if (!perMachine) {
        const gatewayId = `${prefix}-${this.options.seed}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
        const willTopic = machineTopic({ plantId: plant.id, areaId: 'gateway', machineId: gatewayId, channel: 'status' });
        shared = await connect(`${prefix}-${plant.id}-${process.pid}`, willTopic, gatewayId);
        await shared.subscribeAsync(channelFilter('commands', plant.id), { qos: 1 });
      }
      for (const machine of plant.machines) {
        const topic = (channel: 'telemetry' | 'status' | 'acks' | 'commands'): string => machineTopic({ plantId: plant.id, areaId: machine.areaId, machineId: machine.id, channel });
        const client = shared ?? (await connect(`${prefix}-${plant.id}-${machine.id}-${process.pid}`, topic('status'), machine.id));
        if (!shared) await client.subscribeAsync(topic('commands'), { qos: 1 });
        const sim: SimMachine = {
          machine,
          model: new MachineModel(machine, {
            seed: this.options.seed,
            startMs,
            faults: { faultsPerDay: this.options.faultsPerDay ?? DEFAULT_FAULTS_PER_DAY, types: this.options.faultTypes, tickMs: this.tickMs },
          }),
          client,
          telemetryTopic: topic('telemetry'),
          statusTopic: topic('status'),
          ackTopic: topic('acks'),
          seq: 0,
          lastState: undefined,
          injected: 0,
        };
        this.machines.push(sim);
        this.byId.set(machine.id, sim);
      }
    } catch (err) {
      await this.closeClients();
      throw new SimulationError('PW_ERR_SIM_CONNECT', `could not connect the simulator to ${this.options.url}: ${(err as Error).message}`, { cause: err });
    }
    this.running = true;
    this.t0Ms = this.now();
    this.slotsDone = 0;
    // Spread machines evenly across the tick: machine i publishes at t0 + k * tick + i * tick / n.
    const interval = Math.max(1, Math.min(PUMP_INTERVAL_MAX_MS, Math.floor(this.tickMs / Math.max(1, this.machines.length))));
    this.timer = setInterval(() => this.pump(), interval);
    this.log?.info({ machines: this.machines.length, tickMs: this.tickMs, connections: this.clients.length, url: this.options.url }, 'simulated plant publishing');
  }

  /** Stops publishing, marks every machine offline (retained) and disconnects. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.running) return;
    this.running = false;
    const tsMs = this.now();
    await Promise.all(
      this.machines.map((m) =>
        m.client.publishAsync(m.statusTopic, JSON.stringify({ machineId: m.machine.id, state: 'offline', tsMs } satisfies MachineStatus), { qos: 1, retain: true }).catch((err: unknown) => {
          this.log?.warn({ err, machineId: m.machine.id }, 'could not publish offline status');
        }),
      ),
    );
    await this.closeClients();
    this.log?.info({ counters: this.counters }, 'simulated plant stopped');
  }

  /**
   * Injects a fault now (or at `startMs`) on one machine; it takes effect on that machine's next
   * tick. Returns its ground-truth label.
   */
  injectFault(machineId: string, type: FaultType, options: InjectFaultOptions): FaultLabel {
    const sim = this.byId.get(machineId);
    if (!sim) throw new SimulationError('PW_ERR_SIM_MACHINE', `machine "${machineId}" is not simulated (plant ${this.options.plant.id}${this.running ? '' : ', not started'})`);
    if (!isFaultType(type)) throw new SimulationError('PW_ERR_SIM_FAULT_TYPE', `unknown fault type "${String(type)}"`);
    const fault = explicitFault(
      { machineId, type, startMs: options.startMs ?? this.now(), durationMs: options.durationMs, severity: options.severity, sensor: options.sensor },
      `${machineId}-i${++sim.injected}-${this.now()}`,
      this.tickMs,
    );
    sim.model.inject(fault);
    return fault.label;
  }

  /** The model of one machine (read its controls or active faults in tests and demos). */
  machineModel(machineId: string): MachineModel | undefined {
    return this.byId.get(machineId)?.model;
  }

  private pump(): void {
    const n = this.machines.length;
    if (!this.running || n === 0) return;
    const now = this.now();
    const due = Math.floor(((now - this.t0Ms) * n) / this.tickMs) + 1;
    if (due - this.slotsDone > n) {
      // More than a whole round behind (event loop blocked): skip rather than burst, and count it.
      const skip = due - this.slotsDone - n;
      this.counters.skippedTicks += skip;
      this.slotsDone += skip;
    }
    while (this.slotsDone < due) {
      const sim = this.machines[this.slotsDone % n]!;
      this.slotsDone++;
      try {
        this.tickMachine(sim, now);
      } catch (err) {
        // A failing machine never stops the plant (STYLE 4): log and go on.
        this.counters.publishErrors++;
        this.log?.error({ err, machineId: sim.machine.id }, 'simulated machine tick failed');
      }
    }
  }

  private tickMachine(sim: SimMachine, now: number): void {
    const { model, out, info } = { model: sim.model, out: this.out, info: this.info };
    model.step(now, out, info);
    sim.seq++;
    const started = model.drainStartedLabels();
    for (const label of started) {
      this.counters.faultsStarted++;
      this.log?.debug({ label }, 'fault started');
      this.options.onFaultLabel?.(label);
    }
    const connectionLost = model.activeFaults().some((f) => f.type === 'connection_failure');
    const state: MachineStatus['state'] = connectionLost ? 'offline' : model.state();
    if (state !== sim.lastState) {
      sim.lastState = state;
      this.publishStatus(sim, state, now);
    }
    if (!info.emit) {
      this.counters.silentTicks++;
      return;
    }
    const values: Telemetry['values'] = {};
    for (let i = 0; i < SENSOR_COUNT; i++) {
      const v = out[i]!;
      values[SENSOR_KINDS[i]!] = v === v ? v : null;
    }
    const msg: Telemetry = { machineId: sim.machine.id, tsMs: now + info.skewMs, seq: sim.seq, values };
    if (this.qos === 0) {
      // No callback at QoS 0: mqtt.js would park one 'drain' listener per message while the socket
      // is busy; write errors still reach the client's 'error' handler.
      sim.client.publish(sim.telemetryTopic, JSON.stringify(msg), { qos: 0 });
    } else {
      sim.client.publish(sim.telemetryTopic, JSON.stringify(msg), { qos: this.qos }, (err) => {
        if (err) {
          this.counters.publishErrors++;
          this.log?.warn({ err, machineId: sim.machine.id }, 'telemetry publish failed');
        }
      });
    }
    this.counters.published++;
  }

  private publishStatus(sim: SimMachine, state: MachineStatus['state'], tsMs: number): void {
    const status: MachineStatus = { machineId: sim.machine.id, state, tsMs };
    sim.client.publish(sim.statusTopic, JSON.stringify(status), { qos: 1, retain: true }, (err) => {
      if (err) this.log?.warn({ err, machineId: sim.machine.id }, 'status publish failed');
    });
    this.counters.statusPublished++;
  }

  private onCommand(topic: string, payload: Buffer): void {
    try {
      this.handleCommand(topic, payload);
    } catch (err) {
      // Never let a command take the plant down.
      this.log?.error({ err, topic }, 'command handling failed');
    }
  }

  private handleCommand(topic: string, payload: Buffer): void {
    const parts = parseTopic(topic);
    if (!parts || parts.channel !== 'commands') return;
    const sim = this.byId.get(parts.machineId);
    if (!sim) {
      this.log?.warn({ topic }, 'command for a machine this simulator does not run');
      return;
    }
    this.counters.commandsReceived++;
    if (sim.lastState === 'offline') {
      // connection_failure: the machine is cut off, so the sender's command times out as it would.
      this.counters.commandsLost++;
      this.log?.info({ machineId: sim.machine.id, topic }, 'command not delivered: machine connection failed (simulated fault)');
      return;
    }
    const reject = (commandId: string, detail: string): void => {
      this.counters.commandsRejected++;
      this.log?.warn({ machineId: sim.machine.id, commandId, detail }, 'command rejected');
      this.ack(sim, { commandId, machineId: sim.machine.id, status: 'rejected', tsMs: this.now(), detail });
    };
    if (payload.length > MAX_COMMAND_BYTES) return reject('', `command payload is ${payload.length} bytes; at most ${MAX_COMMAND_BYTES} accepted`);
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch (err) {
      return reject('', `command payload is not JSON: ${(err as Error).message}`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return reject('', 'command payload must be a JSON object');
    const cmd = body as Record<string, unknown>;
    if (typeof cmd.id !== 'string' || cmd.id.length === 0 || cmd.id.length > 200) return reject('', 'command "id" must be a non-empty string of at most 200 characters');
    const id = cmd.id;
    if (cmd.machineId !== undefined && cmd.machineId !== sim.machine.id) {
      return reject(id, `command "machineId" ${JSON.stringify(cmd.machineId)} does not match the topic's machine "${sim.machine.id}"`);
    }
    if (!isCommandType(cmd.type)) return reject(id, `unknown command type ${JSON.stringify(cmd.type)}`);
    const outcome = sim.model.applyCommand({ type: cmd.type, on: cmd.on as boolean | undefined, loadFactor: cmd.loadFactor as number | undefined });
    if (!outcome.ok) return reject(id, outcome.reason);
    this.counters.commandsAccepted++;
    const tsMs = this.now();
    this.ack(sim, { commandId: id, machineId: sim.machine.id, status: 'accepted', tsMs });
    // The actuator switches at once; the physics answers over the following ticks.
    this.ack(sim, { commandId: id, machineId: sim.machine.id, status: 'done', tsMs });
    if (cmd.type === 'stop' || cmd.type === 'resume') {
      const state = sim.model.state();
      if (state !== sim.lastState) {
        sim.lastState = state;
        this.publishStatus(sim, state, tsMs);
      }
    }
  }

  private ack(sim: SimMachine, ack: CommandAck): void {
    sim.client.publish(sim.ackTopic, JSON.stringify(ack), { qos: 1 }, (err) => {
      if (err) this.log?.warn({ err, machineId: sim.machine.id }, 'ack publish failed');
    });
    this.counters.acksPublished++;
  }

  private async closeClients(): Promise<void> {
    const clients = this.clients.splice(0, this.clients.length);
    await Promise.all(clients.map((c) => c.endAsync().catch((err: unknown) => this.log?.warn({ err }, 'MQTT disconnect failed'))));
    this.machines.length = 0;
    this.byId.clear();
  }
}
