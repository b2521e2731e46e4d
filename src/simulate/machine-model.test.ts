import { describe, expect, it } from 'vitest';
import { FAULT_TYPES, SENSOR_KINDS, buildPlant } from '../domain/index.js';
import type { FaultLabel, FaultType, SensorKind, Telemetry } from '../domain/index.js';
import { explicitFault, type ExplicitFault } from './fault-plan.js';
import { generateHistory } from './history.js';
import { MachineModel, SENSOR_COUNT, type StepInfo } from './machine-model.js';

const MONDAY = Date.UTC(2026, 0, 5);
const HOUR = 3_600_000;
const MIN = 60_000;
const plant = buildPlant({ machineCount: 95 });
const asm = plant.machines.find((m) => m.id === 'asm-001')!;
const idx = (k: SensorKind): number => SENSOR_KINDS.indexOf(k);

async function run(faults: ExplicitFault[]): Promise<{ rows: Telemetry[]; labels: FaultLabel[] }> {
  const rows: Telemetry[] = [];
  const labels: FaultLabel[] = [];
  await generateHistory(
    { plant, startMs: MONDAY, days: 0.5, seed: 3, faultsPerDay: 0, machineIds: ['asm-001'], faults },
    { writeTelemetry: (b) => void rows.push(...b), writeFaultLabels: (l) => void labels.push(...l) },
  );
  return { rows, labels };
}

const FAULT_START = MONDAY + 9 * HOUR;
const FAULT_END = FAULT_START + HOUR;
const inFault = (r: Telemetry): boolean => r.seq! > (FAULT_START - MONDAY) / 5000 && r.seq! <= (FAULT_END - MONDAY) / 5000;
const secondHalf = (r: Telemetry): boolean => r.seq! > (FAULT_START + HOUR / 2 - MONDAY) / 5000 && r.seq! <= (FAULT_END - MONDAY) / 5000;
const mean = (rows: Telemetry[], k: SensorKind): number => rows.reduce((a, r) => a + (r.values[k] ?? 0), 0) / rows.length;

describe('fault injection', () => {
  const baseline = run([]);

  /** What each fault must visibly do to its sensors, against the same machine without it. */
  const effects: Record<FaultType, (faulty: Telemetry[], base: Telemetry[]) => void> = {
    overheating: (f, b) => expect(mean(f.filter(secondHalf), 'temperature')).toBeGreaterThan(mean(b.filter(secondHalf), 'temperature') + 15),
    abnormal_vibration: (f, b) => expect(mean(f.filter(secondHalf), 'vibration')).toBeGreaterThan(2 * mean(b.filter(secondHalf), 'vibration')),
    high_humidity: (f, b) => expect(mean(f.filter(secondHalf), 'humidity')).toBeGreaterThan(mean(b.filter(secondHalf), 'humidity') + 15),
    power_interruption: (f) => {
      const during = f.filter(inFault);
      // The rail reads 0 V give or take the ADC's offset and noise.
      expect(during.every((r) => r.values.temperature === null && r.values.supply_voltage! < 0.2)).toBe(true);
      expect(f.filter((r) => !inFault(r)).every((r) => r.values.temperature !== null)).toBe(true);
    },
    high_emission: (f, b) => expect(mean(f.filter(secondHalf), 'gas')).toBeGreaterThan(mean(b.filter(secondHalf), 'gas') + 150),
    connection_failure: (f, b) => {
      expect(f.filter(inFault)).toEqual([]);
      expect(f.length).toBe(b.length - HOUR / 5000);
    },
    sensor_disconnected: (f) => {
      expect(f.filter(inFault).every((r) => r.values.temperature === null && r.values.supply_voltage! > 23)).toBe(true);
    },
    low_cooling_pressure: (f, b) => expect(mean(f.filter(secondHalf), 'coolant_pressure')).toBeLessThan(0.6 * mean(b.filter(secondHalf), 'coolant_pressure')),
    high_energy: (f, b) => expect(mean(f.filter(secondHalf), 'current')).toBeGreaterThan(1.25 * mean(b.filter(secondHalf), 'current')),
    stuck_sensor: (f, b) => {
      expect(new Set(f.filter(inFault).map((r) => r.values.temperature)).size).toBe(1);
      expect(new Set(b.filter(inFault).map((r) => r.values.temperature)).size).toBeGreaterThan(10);
    },
    drift: (f, b) => {
      const fi = f.filter(inFault);
      const bi = b.filter(inFault);
      const diffEnd = Math.abs(fi.at(-1)!.values.temperature! - bi.at(-1)!.values.temperature!);
      const diffStart = Math.abs(fi[0]!.values.temperature! - bi[0]!.values.temperature!);
      expect(diffStart).toBeLessThan(0.5);
      // 0.8 x 15 C at the end of the fault.
      expect(diffEnd).toBeGreaterThan(10);
    },
    spikes: (f, b) => {
      const bi = b.filter(inFault);
      const jumps = f.filter(inFault).filter((r, i) => Math.abs(r.values.temperature! - bi[i]!.values.temperature!) > 20).length;
      expect(jumps).toBeGreaterThan(40);
      expect(jumps).toBeLessThan(200);
    },
    gap: (f) => expect(f.filter(inFault)).toEqual([]),
    clock_skew: (f, b) => {
      const fi = f.filter(inFault);
      expect(fi.length).toBe(b.filter(inFault).length);
      expect(fi.every((r) => r.tsMs !== MONDAY + (r.seq! - 1) * 5000 && (r.tsMs - MONDAY) % 5000 !== 0)).toBe(true);
      expect(f.filter((r) => !inFault(r)).every((r) => r.tsMs === MONDAY + (r.seq! - 1) * 5000)).toBe(true);
    },
  };

  for (const type of FAULT_TYPES) {
    it(`${type}: gives a ground-truth label and a visible effect on its sensors`, async () => {
      const faulty = await run([{ machineId: 'asm-001', type, startMs: FAULT_START, durationMs: HOUR, severity: 0.8, sensor: 'temperature' }]);
      expect(faulty.labels).toHaveLength(1);
      const label = faulty.labels[0]!;
      expect(label).toMatchObject({ machineId: 'asm-001', type, startMs: FAULT_START, endMs: FAULT_END, severity: 0.8 });
      expect(label.sensors.length).toBeGreaterThan(0);
      const base = await baseline;
      // Outside the fault the readings are untouched (same seed, same physics).
      const before = (r: Telemetry): boolean => r.tsMs < FAULT_START;
      expect(faulty.rows.filter(before)).toEqual(base.rows.filter(before));
      effects[type](faulty.rows, base.rows);
    });
  }
});

/** Steps two identical machines to compare one that got a command with one that did not. */
class Twin {
  readonly model: MachineModel;
  readonly out = new Float64Array(SENSOR_COUNT);
  private readonly info: StepInfo = { emit: true, skewMs: 0 };
  t = MONDAY;
  constructor(faults: ExplicitFault[] = []) {
    this.model = new MachineModel(asm, { seed: 11, startMs: MONDAY });
    faults.forEach((f, i) => this.model.inject(explicitFault(f, `x${i}`, 5000)));
  }
  stepTo(tMs: number): Float64Array {
    for (; this.t <= tMs; this.t += 5000) this.model.step(this.t, this.out, this.info);
    return this.out;
  }
  meanOver(fromMs: number, toMs: number, k: SensorKind): number {
    this.stepTo(fromMs);
    let sum = 0;
    let n = 0;
    while (this.t <= toMs) {
      sum += this.stepTo(this.t)[idx(k)]!;
      n++;
    }
    return sum / n;
  }
}

describe('commands', () => {
  const overheat: ExplicitFault = { machineId: 'asm-001', type: 'overheating', startMs: MONDAY + 9 * HOUR, durationMs: 3 * HOUR, severity: 0.8 };

  it('cooling lowers the temperature while an overheating fault is still heating', () => {
    const hot = new Twin([overheat]);
    const cooled = new Twin([overheat]);
    const at930 = cooled.stepTo(MONDAY + 9.5 * HOUR)[idx('temperature')]!;
    hot.stepTo(MONDAY + 9.5 * HOUR);
    expect(cooled.model.applyCommand({ type: 'cooling' })).toEqual({ ok: true });
    const cooledAt1030 = cooled.stepTo(MONDAY + 10.5 * HOUR)[idx('temperature')]!;
    const hotAt1030 = hot.stepTo(MONDAY + 10.5 * HOUR)[idx('temperature')]!;
    expect(cooled.model.activeFaults().map((f) => f.type)).toEqual(['overheating']);
    expect(cooledAt1030).toBeLessThan(at930 - 10);
    expect(hotAt1030).toBeGreaterThan(cooledAt1030 + 15);
    // A realistic time constant: not instant. Ten seconds after switching on it is still hot.
    const again = new Twin([overheat]);
    const before = again.stepTo(MONDAY + 9.5 * HOUR)[idx('temperature')]!;
    again.model.applyCommand({ type: 'cooling' });
    expect(again.stepTo(MONDAY + 9.5 * HOUR + 10_000)[idx('temperature')]!).toBeGreaterThan(before - 2);
  });

  it('stop halts the machine (speed, vibration and current fall) and resume restarts it', () => {
    const m = new Twin();
    const running = m.stepTo(MONDAY + 10 * HOUR);
    expect(running[idx('current')]!).toBeGreaterThan(1.5);
    expect(m.model.applyCommand({ type: 'stop' })).toEqual({ ok: true });
    expect(m.model.state()).toBe('stopped');
    const speed = m.meanOver(MONDAY + 10 * HOUR + 2 * MIN, MONDAY + 10.5 * HOUR, 'speed');
    const vibration = m.meanOver(MONDAY + 10.5 * HOUR, MONDAY + 11 * HOUR, 'vibration');
    const current = m.meanOver(MONDAY + 11 * HOUR, MONDAY + 11.5 * HOUR, 'current');
    expect(speed).toBeLessThan(2);
    expect(vibration).toBeLessThan(0.15);
    expect(current).toBeLessThan(0.5);
    m.model.applyCommand({ type: 'resume' });
    expect(m.meanOver(MONDAY + 12 * HOUR, MONDAY + 13 * HOUR, 'speed')).toBeGreaterThan(500);
  });

  it('secondary power restores a power-interrupted sensor', () => {
    const m = new Twin([{ machineId: 'asm-001', type: 'power_interruption', startMs: MONDAY + 9 * HOUR, durationMs: HOUR, sensor: 'humidity' }]);
    const off = m.stepTo(MONDAY + 9 * HOUR + 5 * MIN);
    expect(Number.isNaN(off[idx('humidity')]!)).toBe(true);
    expect(off[idx('supply_voltage')]!).toBeLessThan(0.2);
    m.model.applyCommand({ type: 'secondary_power' });
    const on = m.stepTo(MONDAY + 9 * HOUR + 6 * MIN);
    expect(on[idx('humidity')]!).toBeGreaterThan(5);
    expect(on[idx('supply_voltage')]!).toBeGreaterThan(23);
  });

  it('secondary pumps restore coolant pressure during low cooling pressure', () => {
    const low = { machineId: 'asm-001', type: 'low_cooling_pressure' as const, startMs: MONDAY + 9 * HOUR, durationMs: 2 * HOUR, severity: 0.8 };
    const m = new Twin([low]);
    expect(m.stepTo(MONDAY + 9.5 * HOUR)[idx('coolant_pressure')]!).toBeLessThan(1.2);
    m.model.applyCommand({ type: 'secondary_pumps' });
    expect(m.stepTo(MONDAY + 9.5 * HOUR + 2 * MIN)[idx('coolant_pressure')]!).toBeGreaterThan(2.2);
  });

  it('reduce_load lowers current and heat; dehumidify lowers humidity', () => {
    const base = new Twin();
    const reduced = new Twin();
    base.stepTo(MONDAY + 9 * HOUR);
    reduced.stepTo(MONDAY + 9 * HOUR);
    expect(reduced.model.applyCommand({ type: 'reduce_load', loadFactor: 0.5 })).toEqual({ ok: true });
    expect(reduced.model.applyCommand({ type: 'dehumidify' })).toEqual({ ok: true });
    const window = [MONDAY + 10 * HOUR, MONDAY + 12 * HOUR] as const;
    expect(reduced.meanOver(...window, 'current')).toBeLessThan(0.8 * base.meanOver(...window, 'current'));
    const base2 = new Twin();
    const reduced2 = new Twin();
    base2.stepTo(MONDAY + 9 * HOUR);
    reduced2.stepTo(MONDAY + 9 * HOUR);
    reduced2.model.applyCommand({ type: 'reduce_load', loadFactor: 0.5 });
    reduced2.model.applyCommand({ type: 'dehumidify' });
    expect(reduced2.meanOver(...window, 'temperature')).toBeLessThan(base2.meanOver(...window, 'temperature') - 3);
    const base3 = new Twin();
    const dry = new Twin();
    base3.stepTo(MONDAY + 9 * HOUR);
    dry.stepTo(MONDAY + 9 * HOUR);
    dry.model.applyCommand({ type: 'dehumidify' });
    expect(dry.meanOver(...window, 'humidity')).toBeLessThan(base3.meanOver(...window, 'humidity') - 10);
  });

  it('rejects unknown or invalid commands with a reason and changes nothing', () => {
    const m = new Twin();
    const before = m.model.controls();
    expect(m.model.applyCommand({ type: 'explode' as never })).toEqual({ ok: false, reason: 'unknown command type "explode"' });
    expect(m.model.applyCommand({ type: 'reduce_load', loadFactor: 2 })).toMatchObject({ ok: false, reason: expect.stringContaining('loadFactor') });
    expect(m.model.applyCommand({ type: 'cooling', on: 'yes' as never })).toMatchObject({ ok: false, reason: expect.stringContaining('"on"') });
    expect(m.model.controls()).toEqual(before);
  });
});

describe('scale', () => {
  it('builds and steps a plant of 10,000 machines', () => {
    const big = buildPlant({ machineCount: 10_000 });
    expect(big.machines).toHaveLength(10_000);
    expect(new Set(big.machines.map((m) => m.id)).size).toBe(10_000);
    const out = new Float64Array(SENSOR_COUNT);
    const info: StepInfo = { emit: true, skewMs: 0 };
    let finite = 0;
    for (const machine of big.machines) {
      const model = new MachineModel(machine, { seed: 1, startMs: MONDAY + 10 * HOUR, faults: { faultsPerDay: 1, tickMs: 5000 } });
      model.step(MONDAY + 10 * HOUR, out, info);
      model.step(MONDAY + 10 * HOUR + 5000, out, info);
      if (out.every((v) => Number.isFinite(v))) finite++;
    }
    expect(finite).toBeGreaterThan(9_900);
  });
});
