import { FAULT_TYPES, SENSOR_KINDS, SimulationError, isFaultType, isSensorKind } from '../domain/index.js';
import type { FaultLabel, FaultType, Machine, SensorKind } from '../domain/index.js';
import { MACHINE_PROFILES, nextScheduledMs } from './profiles.js';
import { Random, streamKey } from './prng.js';

/**
 * Fault schedule: which faults hit a machine, when, for how long and how hard (paper Table 8 plus
 * the data faults of SPEC 1). Seeded per machine, generated lazily in time order so that a shorter
 * run is an exact prefix of a longer one. Pure: no I/O.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface FaultTypeSpec {
  /** Shortest and longest duration (drawn log-uniformly between them). */
  minMs: number;
  maxMs: number;
  /**
   * The sensors the label names: a fixed list, or `pick` to draw one sensor from `candidates`
   * (sensor-level faults), or `all` for message-level faults (the whole reading is affected).
   */
  sensors: readonly SensorKind[] | 'pick' | 'all';
  candidates?: readonly SensorKind[];
  /** The effect needs a running machine (no vibration without rotation): start moves into a shift. */
  needsRunning: boolean;
}

/** Sensors whose signal varies enough that a stuck value, drift or spike is visible in the data. */
const SIGNAL_SENSORS: readonly SensorKind[] = ['temperature', 'humidity', 'vibration', 'speed', 'current', 'gas', 'coolant_pressure'];

export const FAULT_TYPE_SPECS: Readonly<Record<FaultType, FaultTypeSpec>> = Object.freeze({
  overheating: { minMs: 20 * MINUTE_MS, maxMs: 2 * HOUR_MS, sensors: ['temperature'], needsRunning: false },
  abnormal_vibration: { minMs: 20 * MINUTE_MS, maxMs: 3 * HOUR_MS, sensors: ['vibration'], needsRunning: true },
  high_humidity: { minMs: 30 * MINUTE_MS, maxMs: 3 * HOUR_MS, sensors: ['humidity'], needsRunning: false },
  // A sensor loses its supply: the supply rail reads 0 V and the sensor reports nothing.
  power_interruption: { minMs: 5 * MINUTE_MS, maxMs: HOUR_MS, sensors: 'pick', candidates: SIGNAL_SENSORS, needsRunning: false },
  high_emission: { minMs: 20 * MINUTE_MS, maxMs: 2 * HOUR_MS, sensors: ['gas'], needsRunning: false },
  connection_failure: { minMs: 5 * MINUTE_MS, maxMs: HOUR_MS, sensors: 'all', needsRunning: false },
  sensor_disconnected: { minMs: 10 * MINUTE_MS, maxMs: 4 * HOUR_MS, sensors: 'pick', candidates: SENSOR_KINDS, needsRunning: false },
  low_cooling_pressure: { minMs: 30 * MINUTE_MS, maxMs: 3 * HOUR_MS, sensors: ['coolant_pressure'], needsRunning: true },
  high_energy: { minMs: 30 * MINUTE_MS, maxMs: 4 * HOUR_MS, sensors: ['current'], needsRunning: true },
  stuck_sensor: { minMs: 20 * MINUTE_MS, maxMs: 4 * HOUR_MS, sensors: 'pick', candidates: SIGNAL_SENSORS, needsRunning: true },
  drift: { minMs: 2 * HOUR_MS, maxMs: 12 * HOUR_MS, sensors: 'pick', candidates: SIGNAL_SENSORS, needsRunning: false },
  spikes: { minMs: 10 * MINUTE_MS, maxMs: HOUR_MS, sensors: 'pick', candidates: SIGNAL_SENSORS, needsRunning: false },
  gap: { minMs: 15_000, maxMs: 5 * MINUTE_MS, sensors: 'all', needsRunning: false },
  clock_skew: { minMs: 30 * MINUTE_MS, maxMs: 3 * HOUR_MS, sensors: 'all', needsRunning: false },
});

/** A fault as the model applies it: the label plus the parameters of its effect. */
export interface ActiveFault {
  label: FaultLabel;
  /** Index into SENSOR_KINDS of the one affected sensor (sensor-level faults), else -1. */
  sensorIndex: number;
  /** clock_skew: offset added to timestamps; never a multiple of the tick so no reading collides. */
  skewMs: number;
  /** drift: sign of the drift (+1 or -1); spikes: reserved. */
  direction: number;
}

/** A fault to inject at a chosen time (tests, demos): "overheating on asm-001 from t for 10 min". */
export interface ExplicitFault {
  machineId: string;
  type: FaultType;
  startMs: number;
  durationMs: number;
  /** 0..1; default {@link DEFAULT_EXPLICIT_SEVERITY}. */
  severity?: number;
  /** For sensor-level faults; default the type's first candidate (temperature). */
  sensor?: SensorKind;
  /** clock_skew offset; default 2.5 ticks ahead. */
  skewMs?: number;
}

export const DEFAULT_EXPLICIT_SEVERITY = 0.8;
/** Expected faults per machine per day when none is given (SPEC 1; config simulator.faultsPerMachineDay). */
export const DEFAULT_FAULTS_PER_DAY = 0.5;
/** Quiet time after a fault before the next may start, so labels of one machine never overlap. */
const FAULT_SPACING_MS = 10 * MINUTE_MS;
const MAX_SKEW_TICKS = 24;

export interface FaultPlanOptions {
  seed: number;
  /** Expected faults per machine per day (Poisson); 0 disables random faults. */
  faultsPerDay: number;
  /** Types drawn from, uniformly; default every type of FAULT_TYPES. */
  types?: readonly FaultType[];
  /** Interval between readings; clock skews are chosen off this grid. */
  tickMs: number;
}

/** Checks options shared by fast and real-time mode, naming what was wrong. */
export function validateFaultOptions(faultsPerDay: number, types: readonly string[] | undefined): void {
  if (!Number.isFinite(faultsPerDay) || faultsPerDay < 0 || faultsPerDay > 1000) {
    throw new SimulationError('PW_ERR_SIM_FAULT_RATE', `faultsPerDay must be a number from 0 to 1000, got ${faultsPerDay}`);
  }
  for (const t of types ?? []) {
    if (!isFaultType(t)) throw new SimulationError('PW_ERR_SIM_FAULT_TYPE', `unknown fault type "${t}"; expected one of ${FAULT_TYPES.join(', ')}`);
  }
}

function skewFor(rand: Random, tickMs: number, severity: number): number {
  const whole = Math.floor(severity * MAX_SKEW_TICKS);
  // A fractional tick keeps skewed timestamps off the grid of regular readings (no duplicate keys).
  const frac = 0.2 + 0.6 * rand.next();
  const sign = rand.next() < 0.5 ? -1 : 1;
  return sign * Math.round((whole + frac) * tickMs);
}

/**
 * Lazily draws one machine's random faults in time order, starting after `fromMs`.
 * @example const plan = new FaultPlan(machine, { seed: 1, faultsPerDay: 2, tickMs: 5000 }, t0); plan.next();
 */
export class FaultPlan {
  private readonly rand: Random;
  private readonly types: readonly FaultType[];
  private cursorMs: number;
  private count = 0;

  constructor(
    private readonly machine: Machine,
    private readonly options: FaultPlanOptions,
    fromMs: number,
  ) {
    this.rand = new Random(streamKey(options.seed, machine.id, 'faults'));
    this.types = options.types ?? FAULT_TYPES;
    this.cursorMs = fromMs;
  }

  /** The next fault, or undefined when the rate is 0 or no type is enabled. */
  next(): ActiveFault | undefined {
    const { faultsPerDay, tickMs } = this.options;
    if (!(faultsPerDay > 0) || this.types.length === 0) return undefined;
    const r = this.rand;
    let startMs = this.cursorMs + Math.round(r.exponential(DAY_MS / faultsPerDay));
    const type = this.types[r.int(this.types.length)]!;
    const spec = FAULT_TYPE_SPECS[type];
    const durationMs = Math.round(spec.minMs * Math.pow(spec.maxMs / spec.minMs, r.next()));
    const severity = Math.round((0.3 + 0.7 * r.next()) * 1000) / 1000;
    const pick = r.next();
    const extra = r.next();
    if (spec.needsRunning) {
      const calendar = MACHINE_PROFILES[this.machine.type].calendar;
      const next = nextScheduledMs(calendar, startMs);
      // Land inside the shift, not on its first instant (the machine is still warming up).
      if (next !== undefined && next !== startMs) startMs = next + Math.round(extra * 2 * HOUR_MS);
    }
    const fault = makeFault(this.machine.id, `${this.machine.id}-f${++this.count}`, type, startMs, durationMs, severity, pick, tickMs, r);
    this.cursorMs = fault.label.endMs + FAULT_SPACING_MS;
    return fault;
  }
}

function makeFault(
  machineId: string,
  id: string,
  type: FaultType,
  startMs: number,
  durationMs: number,
  severity: number,
  pick: number,
  tickMs: number,
  rand: Random | undefined,
  sensor?: SensorKind,
  skewMs?: number,
): ActiveFault {
  const spec = FAULT_TYPE_SPECS[type];
  let sensors: readonly SensorKind[];
  let sensorIndex = -1;
  if (spec.sensors === 'all') sensors = SENSOR_KINDS;
  else if (spec.sensors === 'pick') {
    const candidates = spec.candidates ?? SENSOR_KINDS;
    const chosen = sensor ?? candidates[Math.floor(pick * candidates.length)]!;
    sensorIndex = SENSOR_KINDS.indexOf(chosen);
    sensors = type === 'power_interruption' ? [chosen, 'supply_voltage'] : [chosen];
  } else {
    sensors = spec.sensors;
    sensorIndex = SENSOR_KINDS.indexOf(spec.sensors[0]!);
  }
  const skew = type === 'clock_skew' ? (skewMs ?? (rand ? skewFor(rand, tickMs, severity) : Math.round(2.5 * tickMs))) : 0;
  return {
    label: { id, machineId, type, sensors, startMs, endMs: startMs + durationMs, severity },
    sensorIndex,
    skewMs: skew,
    direction: pick < 0.5 ? 1 : -1,
  };
}

/** Turns an explicit fault into the active form the model applies; validates it. */
export function explicitFault(fault: ExplicitFault, id: string, tickMs: number): ActiveFault {
  if (!isFaultType(fault.type)) {
    throw new SimulationError('PW_ERR_SIM_FAULT_TYPE', `unknown fault type "${String(fault.type)}"; expected one of ${FAULT_TYPES.join(', ')}`);
  }
  if (!Number.isFinite(fault.startMs)) throw new SimulationError('PW_ERR_SIM_FAULT_START', `fault startMs must be epoch milliseconds, got ${fault.startMs}`);
  if (!Number.isFinite(fault.durationMs) || fault.durationMs <= 0) {
    throw new SimulationError('PW_ERR_SIM_FAULT_DURATION', `fault durationMs must be a positive number, got ${fault.durationMs}`);
  }
  const severity = fault.severity ?? DEFAULT_EXPLICIT_SEVERITY;
  if (!(severity >= 0 && severity <= 1)) throw new SimulationError('PW_ERR_SIM_FAULT_SEVERITY', `fault severity must be from 0 to 1, got ${severity}`);
  if (fault.sensor !== undefined && !isSensorKind(fault.sensor)) {
    throw new SimulationError('PW_ERR_SIM_FAULT_SENSOR', `unknown sensor "${String(fault.sensor)}"; expected one of ${SENSOR_KINDS.join(', ')}`);
  }
  if (fault.skewMs !== undefined && fault.skewMs % tickMs === 0) {
    throw new SimulationError('PW_ERR_SIM_FAULT_SKEW', `clock skew must not be a multiple of the tick (${tickMs} ms), or skewed readings collide with regular ones; got ${fault.skewMs}`);
  }
  const spec = FAULT_TYPE_SPECS[fault.type];
  const sensor = fault.sensor ?? (spec.sensors === 'pick' ? (spec.candidates ?? SENSOR_KINDS)[0] : undefined);
  return makeFault(fault.machineId, id, fault.type, Math.round(fault.startMs), Math.round(fault.durationMs), severity, 0.25, tickMs, undefined, sensor, fault.skewMs);
}

/**
 * Parses the CLI form `type:machine:startISO:duration[:severity[:sensor]]`, e.g.
 * `overheating:asm-001:2026-01-05T10:00:00Z:10m:0.9`. Durations take s, m, h or d.
 */
export function parseExplicitFault(text: string): ExplicitFault {
  const m = /^([a-z_]+):([a-z0-9-]+):(.+?):(\d+(?:\.\d+)?)(ms|s|m|h|d)(?::([0-9.]+))?(?::([a-z_]+))?$/.exec(text);
  if (!m) {
    throw new SimulationError('PW_ERR_SIM_FAULT_SPEC', `fault "${text}" must look like type:machine:startISO:duration[:severity[:sensor]], e.g. overheating:asm-001:2026-01-05T10:00:00Z:10m`);
  }
  const [, type, machineId, startIso, amount, unit, sev, sensor] = m;
  const startMs = Date.parse(startIso!);
  if (!Number.isFinite(startMs)) throw new SimulationError('PW_ERR_SIM_FAULT_START', `fault "${text}": "${startIso}" is not an ISO date`);
  const unitMs = { ms: 1, s: 1000, m: MINUTE_MS, h: HOUR_MS, d: DAY_MS }[unit as 'ms'];
  if (!isFaultType(type)) throw new SimulationError('PW_ERR_SIM_FAULT_TYPE', `fault "${text}": unknown type "${type}"; expected one of ${FAULT_TYPES.join(', ')}`);
  const out: ExplicitFault = { machineId: machineId!, type, startMs, durationMs: Number(amount) * unitMs };
  if (sev !== undefined) out.severity = Number(sev);
  if (sensor !== undefined) {
    if (!isSensorKind(sensor)) throw new SimulationError('PW_ERR_SIM_FAULT_SENSOR', `fault "${text}": unknown sensor "${sensor}"`);
    out.sensor = sensor;
  }
  return out;
}
