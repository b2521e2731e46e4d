import { describe, expect, it } from 'vitest';
import { FAULT_TYPES, buildPlant } from '../domain/index.js';
import { FAULT_TYPE_SPECS, FaultPlan, explicitFault, parseExplicitFault } from './fault-plan.js';
import { MACHINE_PROFILES, isScheduled } from './profiles.js';

const MONDAY = Date.UTC(2026, 0, 5);
const plant = buildPlant({ machineCount: 95 });

describe('FaultPlan', () => {
  it('draws faults in time order that never overlap on one machine, with sensors and severity', () => {
    for (const machine of [plant.machines[0]!, plant.machines[60]!, plant.machines[90]!]) {
      const plan = new FaultPlan(machine, { seed: 1, faultsPerDay: 5, tickMs: 5000 }, MONDAY);
      let prevEnd = MONDAY;
      const seen = new Set<string>();
      for (let i = 0; i < 300; i++) {
        const f = plan.next()!;
        const l = f.label;
        expect(l.startMs).toBeGreaterThanOrEqual(prevEnd);
        expect(l.endMs - l.startMs).toBeGreaterThanOrEqual(FAULT_TYPE_SPECS[l.type].minMs - 1);
        expect(l.endMs - l.startMs).toBeLessThanOrEqual(FAULT_TYPE_SPECS[l.type].maxMs + 1);
        expect(l.severity).toBeGreaterThanOrEqual(0.3);
        expect(l.severity).toBeLessThanOrEqual(1);
        expect(l.sensors.length).toBeGreaterThan(0);
        if (FAULT_TYPE_SPECS[l.type].needsRunning) expect(isScheduled(MACHINE_PROFILES[machine.type].calendar, l.startMs)).toBe(true);
        if (l.type === 'clock_skew') expect(f.skewMs % 5000).not.toBe(0);
        prevEnd = l.endMs;
        seen.add(l.type);
      }
      expect(seen).toEqual(new Set(FAULT_TYPES));
    }
  });

  it('draws nothing at rate 0 or with no type enabled', () => {
    expect(new FaultPlan(plant.machines[0]!, { seed: 1, faultsPerDay: 0, tickMs: 5000 }, MONDAY).next()).toBeUndefined();
    expect(new FaultPlan(plant.machines[0]!, { seed: 1, faultsPerDay: 3, types: [], tickMs: 5000 }, MONDAY).next()).toBeUndefined();
  });
});

describe('explicit faults', () => {
  it('parses the CLI form', () => {
    expect(parseExplicitFault('overheating:asm-001:2026-01-05T10:00:00Z:10m:0.9')).toEqual({
      machineId: 'asm-001',
      type: 'overheating',
      startMs: Date.UTC(2026, 0, 5, 10),
      durationMs: 600_000,
      severity: 0.9,
    });
    expect(parseExplicitFault('stuck_sensor:pnt-002:2026-01-05T10:00:00Z:2h:0.5:humidity')).toMatchObject({ sensor: 'humidity', durationMs: 7_200_000 });
  });

  it('names what is wrong', () => {
    expect(() => parseExplicitFault('overheating:asm-001')).toThrow(expect.objectContaining({ code: 'PW_ERR_SIM_FAULT_SPEC' }));
    expect(() => parseExplicitFault('overheating:asm-001:yesterday:10m')).toThrow(expect.objectContaining({ code: 'PW_ERR_SIM_FAULT_START', message: expect.stringContaining('"yesterday"') }));
    expect(() => parseExplicitFault('stuck_sensor:asm-001:2026-01-05T10:00:00Z:1h:0.5:pressure')).toThrow(expect.objectContaining({ code: 'PW_ERR_SIM_FAULT_SENSOR' }));
    expect(() => explicitFault({ machineId: 'asm-001', type: 'gap', startMs: MONDAY, durationMs: 0 }, 'x', 5000)).toThrow(expect.objectContaining({ code: 'PW_ERR_SIM_FAULT_DURATION' }));
    expect(() => explicitFault({ machineId: 'asm-001', type: 'drift', startMs: MONDAY, durationMs: 1, severity: 2 }, 'x', 5000)).toThrow(expect.objectContaining({ code: 'PW_ERR_SIM_FAULT_SEVERITY' }));
    expect(() => explicitFault({ machineId: 'asm-001', type: 'clock_skew', startMs: MONDAY, durationMs: 1, skewMs: 10_000 }, 'x', 5000)).toThrow(expect.objectContaining({ code: 'PW_ERR_SIM_FAULT_SKEW' }));
  });
});
