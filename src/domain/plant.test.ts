import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPlant, MACHINE_ID_PATTERN, MACHINES_PER_AREA } from './plant.js';
import { quantise, SENSOR_KINDS, SENSOR_SPECS } from './sensors.js';
import { machineTopic, parseTopic } from './topics.js';

describe('buildPlant', () => {
  it('builds the paper plant: 50 assembly, 30 welding, 15 paint booths', () => {
    const plant = buildPlant();
    const count = (t: string) => plant.machines.filter((m) => m.type === t).length;
    expect(plant.machines).toHaveLength(95);
    expect([count('assembly'), count('welding'), count('paint_booth')]).toEqual([50, 30, 15]);
  });

  it('gives unique topic-safe ids and areas of bounded size at any size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (n) => {
        const plant = buildPlant({ machineCount: n });
        expect(plant.machines).toHaveLength(n);
        expect(new Set(plant.machines.map((m) => m.id)).size).toBe(n);
        for (const m of plant.machines) expect(m.id).toMatch(MACHINE_ID_PATTERN);
        const perArea = new Map<string, number>();
        for (const m of plant.machines) perArea.set(m.areaId, (perArea.get(m.areaId) ?? 0) + 1);
        for (const size of perArea.values()) expect(size).toBeLessThanOrEqual(MACHINES_PER_AREA);
        expect(new Set(plant.areas.map((a) => a.id))).toEqual(new Set(perArea.keys()));
      }),
      { numRuns: 30 },
    );
  });

  it('refuses sizes outside 1..10,000', () => {
    expect(() => buildPlant({ machineCount: 0 })).toThrow(/1 to 10000, got 0/);
    expect(() => buildPlant({ machineCount: 10_001 })).toThrow(/got 10001/);
  });
});

describe('quantise', () => {
  it('rounds to the device resolution', () => {
    expect(quantise('temperature', 21.234)).toBe(21.2);
    expect(quantise('vibration', 0.30000000000000004)).toBe(0.3);
    expect(quantise('speed', 1499.6)).toBe(1500);
  });
  it('is idempotent for every sensor', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SENSOR_KINDS), fc.double({ min: -50, max: 6000, noNaN: true }), (kind, v) => {
        const once = quantise(kind, v);
        expect(quantise(kind, once)).toBe(once);
        expect(Math.abs(once - v)).toBeLessThanOrEqual(SENSOR_SPECS[kind].resolution / 2 + 1e-9);
      }),
    );
  });
});

describe('topics', () => {
  it('round-trips machine topics and refuses others', () => {
    const parts = { plantId: 'plant-1', areaId: 'welding-1', machineId: 'wld-001', channel: 'telemetry' as const };
    expect(parseTopic(machineTopic(parts))).toEqual(parts);
    expect(parseTopic('plantwatch/plant-1/welding-1/wld-001/other')).toBeUndefined();
    expect(parseTopic('other/plant-1/welding-1/wld-001/telemetry')).toBeUndefined();
    expect(parseTopic('plantwatch/plant-1//wld-001/telemetry')).toBeUndefined();
  });
});
