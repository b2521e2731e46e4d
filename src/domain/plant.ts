import type { SensorKind } from './sensors.js';
import { SENSOR_KINDS } from './sensors.js';

/** Machine types of the paper's plant (paper 3.2): assembly stations, welding machines, paint booths. */
export const MACHINE_TYPES = ['assembly', 'welding', 'paint_booth'] as const;
export type MachineType = (typeof MACHINE_TYPES)[number];

export type Criticality = 'low' | 'medium' | 'high';

export interface Machine {
  /** Stable id, also the MQTT topic segment: lowercase letters, digits and dashes. */
  id: string;
  areaId: string;
  type: MachineType;
  criticality: Criticality;
  sensors: readonly SensorKind[];
}

export interface Area {
  id: string;
  name: string;
}

export interface Plant {
  id: string;
  name: string;
  areas: readonly Area[];
  machines: readonly Machine[];
}

/**
 * Sensors fitted per machine type. Every type carries the full set of eight channels so that one
 * forecaster shape (F = 8) serves every type; SPEC 1's placement decides which channels carry the
 * type's process signal (paint booths: humidity and emissions; welding: temperature, current and
 * emissions; assembly: vibration and speed).
 */
export const SENSORS_BY_TYPE: Readonly<Record<MachineType, readonly SensorKind[]>> = Object.freeze({
  assembly: SENSOR_KINDS,
  welding: SENSOR_KINDS,
  paint_booth: SENSOR_KINDS,
});

export const MACHINE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The paper's plant mix: 50 assembly, 30 welding, 15 paint booths out of 95. */
const TYPE_SHARE: ReadonlyArray<{ type: MachineType; share: number; prefix: string; area: string; criticality: Criticality }> = [
  { type: 'assembly', share: 50 / 95, prefix: 'asm', area: 'assembly', criticality: 'medium' },
  { type: 'welding', share: 30 / 95, prefix: 'wld', area: 'welding', criticality: 'high' },
  { type: 'paint_booth', share: 15 / 95, prefix: 'pnt', area: 'paint', criticality: 'high' },
];

/** Machines per area, so that alarm rates per area (EEMUA 191) stay meaningful at any plant size. */
export const MACHINES_PER_AREA = 25;
export const MAX_MACHINES = 10_000;
export const DEFAULT_MACHINE_COUNT = 95;

/**
 * Builds a plant of `machineCount` machines in the paper's proportions, grouped into areas of at
 * most {@link MACHINES_PER_AREA} machines of one type.
 * @example buildPlant({ machineCount: 95 }).machines.length === 95
 */
export function buildPlant(options: { machineCount?: number; plantId?: string; name?: string } = {}): Plant {
  const machineCount = options.machineCount ?? DEFAULT_MACHINE_COUNT;
  if (!Number.isInteger(machineCount) || machineCount < 1 || machineCount > MAX_MACHINES) {
    throw new RangeError(`machineCount must be an integer from 1 to ${MAX_MACHINES}, got ${machineCount}`);
  }
  // Largest-remainder apportionment keeps the 50:30:15 mix exact for 95 and close for any size.
  const raw = TYPE_SHARE.map((t) => t.share * machineCount);
  const counts = raw.map(Math.floor);
  let left = machineCount - counts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => ({ i, frac: r - Math.floor(r) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    counts[i]! += 1;
  }
  const areas: Area[] = [];
  const machines: Machine[] = [];
  TYPE_SHARE.forEach((t, ti) => {
    const n = counts[ti]!;
    const width = Math.max(3, String(n).length);
    for (let k = 0; k < n; k++) {
      const areaIndex = Math.floor(k / MACHINES_PER_AREA) + 1;
      const areaId = `${t.area}-${areaIndex}`;
      if (k % MACHINES_PER_AREA === 0) areas.push({ id: areaId, name: `${t.area.replace('_', ' ')} ${areaIndex}` });
      machines.push({
        id: `${t.prefix}-${String(k + 1).padStart(width, '0')}`,
        areaId,
        type: t.type,
        criticality: t.criticality,
        sensors: SENSORS_BY_TYPE[t.type],
      });
    }
  });
  return { id: options.plantId ?? 'plant-1', name: options.name ?? 'Machinery assembly plant', areas, machines };
}
