import type { ProcessFaultType, SensorKind } from '../domain/index.js';

export type Direction = 'above' | 'below';

/** One sensor's share of an anomaly. */
export interface SensorDeviation {
  sensor: string;
  /** Column index in the scored rows. */
  index: number;
  /** actual - predicted, in the units given. */
  residual: number;
  /** |residual| / scale: how many "normal errors" away it is. */
  severity: number;
  direction: Direction;
}

export interface Attribution {
  /** Deviations sorted by severity, strongest first. */
  deviations: SensorDeviation[];
  /** The named anomaly type (SPEC 1 / paper Table 8), or null when no rule names it. */
  type: ProcessFaultType | null;
  /** The sensor that drove the decision. */
  sensor: string | null;
  direction: Direction | null;
}

/** Which deviation names which fault (paper Table 8, SPEC 1). */
export const FAULT_BY_DEVIATION: Readonly<Partial<Record<SensorKind, Partial<Record<Direction, ProcessFaultType>>>>> = Object.freeze({
  temperature: { above: 'overheating' },
  vibration: { above: 'abnormal_vibration' },
  speed: { above: 'abnormal_vibration' },
  humidity: { above: 'high_humidity' },
  coolant_pressure: { below: 'low_cooling_pressure' },
  current: { above: 'high_energy' },
  gas: { above: 'high_emission' },
  supply_voltage: { below: 'power_interruption' },
});

/** Options for {@link attribute}. */
export interface AttributionOptions {
  /** Per-sensor normal error size (e.g. training residual std); default 1. */
  scale?: readonly number[];
  /** Severity below which a sensor is not reported. Default 0 (report all, sorted). */
  minSeverity?: number;
}

/**
 * Says which sensor deviated, in which direction, and names the anomaly type (SPEC 5).
 * A missing reading (`null`) names `sensor_disconnected`; a supply voltage or any reading that
 * drops to exactly 0 while predicted non-zero names `power_interruption` (the sensor lost power).
 *
 * @example
 * attribute(['temperature', 'current'], [70, 10], [60, 10]).type; // 'overheating'
 */
export function attribute(sensors: readonly string[], actual: readonly (number | null)[], predicted: readonly number[], options: AttributionOptions = {}): Attribution {
  const missing = actual.findIndex((v) => v === null || (typeof v === 'number' && Number.isNaN(v)));
  if (missing >= 0) {
    return { deviations: [], type: 'sensor_disconnected', sensor: sensors[missing] ?? null, direction: null };
  }
  const deviations: SensorDeviation[] = [];
  actual.forEach((v, i) => {
    const residual = (v as number) - predicted[i]!;
    const s = options.scale?.[i] ?? 1;
    const severity = Math.abs(residual) / (s > 0 ? s : 1);
    if (severity >= (options.minSeverity ?? 0)) deviations.push({ sensor: sensors[i] ?? `#${i}`, index: i, residual, severity, direction: residual >= 0 ? 'above' : 'below' });
  });
  deviations.sort((a, b) => b.severity - a.severity);
  const powerLoss = actual.findIndex((v, i) => v === 0 && Math.abs(predicted[i]!) > 1e-9);
  if (powerLoss >= 0 && (sensors[powerLoss] === 'supply_voltage' || deviations[0]?.index === powerLoss)) {
    return { deviations, type: 'power_interruption', sensor: sensors[powerLoss] ?? null, direction: 'below' };
  }
  for (const d of deviations) {
    const type = FAULT_BY_DEVIATION[d.sensor as SensorKind]?.[d.direction];
    if (type) return { deviations, type, sensor: d.sensor, direction: d.direction };
    break; // the strongest deviation decides; a weaker one must not name the fault
  }
  const top = deviations[0];
  return { deviations, type: null, sensor: top?.sensor ?? null, direction: top?.direction ?? null };
}
