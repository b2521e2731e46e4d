import { MAX_MACHINES, SENSOR_KINDS, SimulationError } from '../domain/index.js';
import type { FaultLabel, FaultType, Machine, Plant, Telemetry } from '../domain/index.js';
import { explicitFault, validateFaultOptions, DEFAULT_FAULTS_PER_DAY, type ExplicitFault } from './fault-plan.js';
import { MachineModel, SENSOR_COUNT, type StepInfo } from './machine-model.js';

/**
 * Fast mode (SPEC 1): history of a plant over [startMs, startMs + days), machine by machine
 * (machine-major, time order within a machine), handed in batches to a sink such as a Store.
 * Pure generation; the sink does the I/O.
 */

export const DEFAULT_TICK_MS = 5000;
export const DEFAULT_HISTORY_BATCH_SIZE = 20_000;
const DAY_MS = 86_400_000;

export interface HistoryOptions {
  plant: Plant;
  /** First reading's time, epoch ms. */
  startMs: number;
  /** Length of the history in days (fractions allowed). */
  days: number;
  seed: number;
  /** Interval between readings of one machine; default {@link DEFAULT_TICK_MS} (paper 3.4). */
  tickMs?: number;
  /** Expected random faults per machine per day; default {@link DEFAULT_FAULTS_PER_DAY}; 0 for none. */
  faultsPerDay?: number;
  /** Fault types drawn at random; default all of FAULT_TYPES (train on some, test on others). */
  faultTypes?: readonly FaultType[];
  /** Faults injected at chosen times, in addition to the random ones. */
  faults?: readonly ExplicitFault[];
  /** Only these machines (ids of the plant); default all. Each gives the same values as in a full run. */
  machineIds?: readonly string[];
  /** Readings per batch handed to the sink; default {@link DEFAULT_HISTORY_BATCH_SIZE}. */
  batchSize?: number;
}

/** Where history goes: the Store fits (writeTelemetry, writeFaultLabels). */
export interface HistorySink {
  writeTelemetry(batch: readonly Telemetry[]): unknown;
  writeFaultLabels(labels: readonly FaultLabel[]): unknown;
}

export interface HistoryProgress {
  machinesDone: number;
  machines: number;
  readings: number;
  /** Readings expected in all (ticks x machines, before gaps). */
  ticksTotal: number;
}

export interface HistorySummary {
  machines: number;
  readings: number;
  labels: number;
  labelsByType: Partial<Record<FaultType, number>>;
  startMs: number;
  endMs: number;
}

export interface ResolvedHistoryOptions {
  machines: Machine[];
  startMs: number;
  endMs: number;
  seed: number;
  tickMs: number;
  faultsPerDay: number;
  faultTypes: readonly FaultType[] | undefined;
  faults: readonly ExplicitFault[];
  batchSize: number;
}

/** Validates options and names what was wrong. */
export function resolveHistoryOptions(o: HistoryOptions): ResolvedHistoryOptions {
  const tickMs = o.tickMs ?? DEFAULT_TICK_MS;
  if (!Number.isInteger(tickMs) || tickMs < 10) throw new SimulationError('PW_ERR_SIM_TICK', `tickMs must be an integer of at least 10, got ${tickMs}`);
  if (!Number.isFinite(o.startMs)) throw new SimulationError('PW_ERR_SIM_START', `startMs must be epoch milliseconds, got ${o.startMs}`);
  if (!(o.days > 0 && o.days <= 3660)) throw new SimulationError('PW_ERR_SIM_DAYS', `days must be more than 0 and at most 3660, got ${o.days}`);
  if (!Number.isInteger(o.seed)) throw new SimulationError('PW_ERR_SIM_SEED', `seed must be an integer, got ${o.seed}`);
  const faultsPerDay = o.faultsPerDay ?? DEFAULT_FAULTS_PER_DAY;
  validateFaultOptions(faultsPerDay, o.faultTypes);
  const batchSize = o.batchSize ?? DEFAULT_HISTORY_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new SimulationError('PW_ERR_SIM_BATCH', `batchSize must be a positive integer, got ${batchSize}`);
  const byId = new Map(o.plant.machines.map((m) => [m.id, m]));
  if (byId.size > MAX_MACHINES) throw new SimulationError('PW_ERR_SIM_MACHINES', `a plant has at most ${MAX_MACHINES} machines, got ${byId.size}`);
  let machines: Machine[];
  if (o.machineIds) {
    machines = o.machineIds.map((id) => {
      const m = byId.get(id);
      if (!m) throw new SimulationError('PW_ERR_SIM_MACHINE', `machine "${id}" is not in plant ${o.plant.id}`);
      return m;
    });
  } else machines = [...o.plant.machines];
  // Id order: stores keyed by (machine, time) then append at the end of their index.
  machines.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const f of o.faults ?? []) {
    if (!byId.has(f.machineId)) throw new SimulationError('PW_ERR_SIM_MACHINE', `fault ${f.type} names machine "${f.machineId}", which is not in plant ${o.plant.id}`);
    explicitFault(f, 'check', tickMs);
  }
  return {
    machines,
    startMs: Math.round(o.startMs),
    endMs: Math.round(o.startMs + o.days * DAY_MS),
    seed: o.seed,
    tickMs,
    faultsPerDay,
    faultTypes: o.faultTypes,
    faults: o.faults ?? [],
    batchSize,
  };
}

/** Builds the model of one machine for a run, with its explicit faults. */
export function machineModelFor(machine: Machine, o: ResolvedHistoryOptions): MachineModel {
  const model = new MachineModel(machine, {
    seed: o.seed,
    startMs: o.startMs,
    faults: { faultsPerDay: o.faultsPerDay, types: o.faultTypes, tickMs: o.tickMs },
  });
  let n = 0;
  for (const f of o.faults) if (f.machineId === machine.id) model.inject(explicitFault(f, `${machine.id}-x${++n}`, o.tickMs));
  return model;
}

/**
 * One machine's pass through the run, resumable: `fill` steps until `maxRows` readings were
 * emitted or the run ends, so a caller can hand each batch to an async sink before going on.
 * Readings go to `emit` with values in SENSOR_KINDS order, NaN = null. Allocation-free per reading.
 */
export class MachineRun {
  private readonly model: MachineModel;
  private readonly out = new Float64Array(SENSOR_COUNT);
  private readonly info: StepInfo = { emit: true, skewMs: 0 };
  private tMs: number;
  private seq = 0;

  constructor(
    readonly machine: Machine,
    private readonly o: ResolvedHistoryOptions,
  ) {
    this.model = machineModelFor(machine, o);
    this.tMs = o.startMs;
  }

  get done(): boolean {
    return this.tMs >= this.o.endMs;
  }

  /** Steps on; returns the number of readings emitted. */
  fill(maxRows: number, emit: (tsMs: number, seq: number, values: Float64Array) => void): number {
    const { model, out, info } = this;
    const endMs = this.o.endMs;
    const tickMs = this.o.tickMs;
    let t = this.tMs;
    let n = 0;
    while (t < endMs && n < maxRows) {
      model.step(t, out, info);
      // seq counts ticks, sent or not, so a receiver tells a gap from a skewed clock.
      this.seq++;
      if (info.emit) {
        emit(t + info.skewMs, this.seq, out);
        n++;
      }
      t += tickMs;
    }
    this.tMs = t;
    return n;
  }

  /** Ground truth of the faults that started during the run so far. */
  labels(): FaultLabel[] {
    return this.model.startedLabels.filter((l) => l.startMs < this.o.endMs);
  }
}

/** Steps one machine through the whole run (see {@link MachineRun}); returns its fault labels. */
export function runMachine(
  machine: Machine,
  o: ResolvedHistoryOptions,
  emit: (tsMs: number, seq: number, values: Float64Array) => void,
): FaultLabel[] {
  const run = new MachineRun(machine, o);
  run.fill(Infinity, emit);
  return run.labels();
}

/** Converts one reading to Telemetry (NaN -> null). */
export function toTelemetry(machineId: string, tsMs: number, seq: number, v: ArrayLike<number>, offset = 0): Telemetry {
  const t = v[offset]!;
  const h = v[offset + 1]!;
  const vib = v[offset + 2]!;
  const s = v[offset + 3]!;
  const c = v[offset + 4]!;
  const g = v[offset + 5]!;
  const p = v[offset + 6]!;
  const u = v[offset + 7]!;
  // x === x is false only for NaN, the model's "no value".
  return {
    machineId,
    tsMs,
    seq,
    values: {
      temperature: t === t ? t : null,
      humidity: h === h ? h : null,
      vibration: vib === vib ? vib : null,
      speed: s === s ? s : null,
      current: c === c ? c : null,
      gas: g === g ? g : null,
      coolant_pressure: p === p ? p : null,
      supply_voltage: u === u ? u : null,
    },
  };
}

if (SENSOR_KINDS.length !== 8 || SENSOR_KINDS[7] !== 'supply_voltage') {
  // toTelemetry spells out the channel order for speed; keep it in step with SENSOR_KINDS.
  throw new Error('SENSOR_KINDS changed: update toTelemetry');
}

export function summarise(o: ResolvedHistoryOptions, readings: number, labels: readonly FaultLabel[]): HistorySummary {
  const labelsByType: Partial<Record<FaultType, number>> = {};
  for (const l of labels) labelsByType[l.type] = (labelsByType[l.type] ?? 0) + 1;
  return { machines: o.machines.length, readings, labels: labels.length, labelsByType, startMs: o.startMs, endMs: o.endMs };
}

/**
 * Generates the history in this thread and awaits the sink after every batch.
 * @example await generateHistory({ plant: buildPlant(), startMs: Date.UTC(2026, 0, 5), days: 1, seed: 1 }, store);
 */
export async function generateHistory(
  options: HistoryOptions,
  sink: HistorySink,
  onProgress?: (p: HistoryProgress) => void,
): Promise<HistorySummary> {
  const o = resolveHistoryOptions(options);
  const ticksPerMachine = Math.ceil((o.endMs - o.startMs) / o.tickMs);
  const allLabels: FaultLabel[] = [];
  let readings = 0;
  let machinesDone = 0;
  for (const machine of o.machines) {
    const run = new MachineRun(machine, o);
    const id = machine.id;
    while (!run.done) {
      const batch: Telemetry[] = [];
      run.fill(o.batchSize, (tsMs, seq, v) => {
        batch.push(toTelemetry(id, tsMs, seq, v));
      });
      if (batch.length === 0) continue;
      await sink.writeTelemetry(batch);
      readings += batch.length;
      onProgress?.({ machinesDone, machines: o.machines.length, readings, ticksTotal: ticksPerMachine * o.machines.length });
    }
    const labels = run.labels();
    if (labels.length > 0) await sink.writeFaultLabels(labels);
    allLabels.push(...labels);
    machinesDone++;
    onProgress?.({ machinesDone, machines: o.machines.length, readings, ticksTotal: ticksPerMachine * o.machines.length });
  }
  return summarise(o, readings, allLabels);
}
