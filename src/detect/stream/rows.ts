import type { Machine, MachineType, SensorKind, Telemetry } from '../../domain/index.js';

/** Readings of one machine as model rows in `sensors` order (null = missing). */
export function telemetryToRows(list: readonly Telemetry[], sensors: readonly SensorKind[]): (number | null)[][] {
  return list.map((t) => sensors.map((s) => t.values[s] ?? null));
}

/** Machine types present and the sensors of each (the first machine of a type decides). */
export function sensorsByType(machines: readonly Machine[]): Map<MachineType, readonly SensorKind[]> {
  const out = new Map<MachineType, readonly SensorKind[]>();
  for (const m of machines) if (!out.has(m.type)) out.set(m.type, m.sensors);
  return out;
}
