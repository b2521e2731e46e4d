import { buildPlant, PROCESS_FAULT_TYPES, type FaultLabel, type FaultType, type Machine, type Telemetry } from '../../domain/index.js';
import { applyThreshold } from '../../detect/index.js';
import { generateHistory } from '../../simulate/index.js';
import { addConfusion, confusion, emptyConfusion, eventMetrics, pointMetrics, type Confusion, type PointMetrics } from '../metrics/index.js';
import { fitWindowDetector } from '../pipeline/window-detector.js';
import type { DetectorSpec } from './skab-protocol.js';

/** Options of {@link evaluateSimulated}. */
export interface SimulatedOptions {
  /** Plant size; one machine of each type is evaluated at least. Default 3. */
  machineCount?: number;
  /** Days of fault-free training history. Default 7. */
  trainDays?: number;
  /** Days of held-out test history. Default 7. */
  testDays?: number;
  /** Reading interval of the evaluation histories. Default 60 000 (1 min keeps runs short). */
  tickMs?: number;
  trainSeed?: number;
  /** A different seed for the test weeks. */
  testSeed?: number;
  /** Random process faults per machine per day in the test weeks. Default 1. */
  testFaultsPerDay?: number;
  /** Fault types injected in the test weeks. Default every process fault (the training saw none). */
  testFaultTypes?: readonly FaultType[];
  onProgress?: (done: number, total: number, machine: string) => void;
}

export interface SimulatedMachineResult {
  machineId: string;
  sensors: string[];
  confusion: Confusion;
  events: number;
  detected: number;
  falseAlarms: number;
  delaysMs: number[];
  threshold: number;
}

export interface SimulatedModelResult {
  name: string;
  point: PointMetrics;
  events: { events: number; detected: number; falseAlarms: number; precision: number; recall: number; f1: number; meanDelayMs: number };
  machines: SimulatedMachineResult[];
  fitMs: number;
}

interface Collected {
  telemetry: Map<string, Telemetry[]>;
  labels: FaultLabel[];
}

async function collect(machines: readonly Machine[], plant: ReturnType<typeof buildPlant>, startMs: number, days: number, seed: number, tickMs: number, faultsPerDay: number, faultTypes?: readonly FaultType[]): Promise<Collected> {
  const telemetry = new Map<string, Telemetry[]>();
  const labels: FaultLabel[] = [];
  await generateHistory(
    { plant, startMs, days, seed, tickMs, faultsPerDay, ...(faultTypes ? { faultTypes } : {}), machineIds: machines.map((m) => m.id) },
    {
      writeTelemetry(batch) {
        for (const t of batch) {
          let list = telemetry.get(t.machineId);
          if (!list) telemetry.set(t.machineId, (list = []));
          list.push(t);
        }
      },
      writeFaultLabels(ls) {
        labels.push(...ls);
      },
    },
  );
  for (const list of telemetry.values()) list.sort((a, b) => a.tsMs - b.tsMs);
  return { telemetry, labels };
}

/** Rows of a machine's readings; a missing value carries the last one forward and is reported. */
function toRows(list: readonly Telemetry[], sensors: readonly string[]): { rows: number[][]; missing: number[] } {
  const last = sensors.map(() => 0);
  const missing: number[] = [];
  const rows = list.map((t) => {
    let miss = 0;
    const row = sensors.map((k, c) => {
      const v = (t.values as Record<string, number | null | undefined>)[k];
      if (v === null || v === undefined || !Number.isFinite(v)) {
        miss = 1;
        return last[c]!;
      }
      last[c] = v;
      return v;
    });
    missing.push(miss);
    return row;
  });
  return { rows, missing };
}

/**
 * The simulated plant (issue 4, paper Tables 1 and 3): train per machine on fault-free weeks of
 * one seed, test on other weeks of another seed with faults the training never saw; event-level
 * precision, recall and delay. A missing reading in the test weeks is a data-quality alarm
 * (SPEC 4) and counts as an alarm: it is how a disconnected sensor or lost power shows.
 */
export async function evaluateSimulated(spec: DetectorSpec, options: SimulatedOptions = {}): Promise<SimulatedModelResult> {
  const plant = buildPlant({ machineCount: options.machineCount ?? 3 });
  const machines = plant.machines;
  const tickMs = options.tickMs ?? 60_000;
  const trainDays = options.trainDays ?? 7;
  const testDays = options.testDays ?? 7;
  const t0 = Date.UTC(2026, 0, 5);
  const train = await collect(machines, plant, t0, trainDays, options.trainSeed ?? 1, tickMs, 0);
  const testStart = t0 + Math.ceil(trainDays + 7) * 86_400_000;
  const test = await collect(machines, plant, testStart, testDays, options.testSeed ?? 2, tickMs, options.testFaultsPerDay ?? 1, options.testFaultTypes ?? PROCESS_FAULT_TYPES);
  const results: SimulatedMachineResult[] = [];
  let fitMs = 0;
  let done = 0;
  for (const m of machines) {
    const sensors = [...m.sensors];
    const tr = toRows(train.telemetry.get(m.id) ?? [], sensors);
    const teList = test.telemetry.get(m.id) ?? [];
    const te = toRows(teList, sensors);
    const start = performance.now();
    const det = await fitWindowDetector(spec.build(), tr.rows, spec.pipeline);
    fitMs += performance.now() - start;
    const from = spec.pipeline.windowSize + 1;
    const scored = det.score(te.rows, from);
    const alarms = applyThreshold(scored.score, det.threshold).map((a, i) => (a || te.missing[i + from] ? 1 : 0));
    const ts = teList.slice(from).map((t) => t.tsMs);
    const mine = test.labels.filter((l) => l.machineId === m.id);
    const labels = ts.map((t) => (mine.some((l) => t >= l.startMs && t < l.endMs) ? 1 : 0));
    const e = eventMetrics(alarms, labels, ts);
    results.push({ machineId: m.id, sensors, confusion: confusion(alarms, labels), events: e.events, detected: e.detectedEvents, falseAlarms: e.falseAlarmEvents, delaysMs: e.delays, threshold: det.threshold });
    options.onProgress?.(++done, machines.length, m.id);
  }
  const c = results.reduce((acc, r) => addConfusion(acc, r.confusion), emptyConfusion());
  const events = results.reduce((s, r) => s + r.events, 0);
  const detected = results.reduce((s, r) => s + r.detected, 0);
  const falseAlarms = results.reduce((s, r) => s + r.falseAlarms, 0);
  const delays = results.flatMap((r) => r.delaysMs);
  const precision = detected + falseAlarms ? detected / (detected + falseAlarms) : 0;
  const recall = events ? detected / events : 0;
  return {
    name: spec.name,
    point: pointMetrics(c),
    events: { events, detected, falseAlarms, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, meanDelayMs: delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length : Number.NaN },
    machines: results,
    fitMs,
  };
}
