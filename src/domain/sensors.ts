/**
 * Sensor kinds and their physical specs, from the paper's device list (paper 3.3, SPEC 1):
 * HTS221 (temperature, humidity), ADXL345 (vibration, speed), ACS712 (current), MQ-135 (gas).
 * Coolant pressure and supply voltage come from SPEC 1's "cooling loop (pressure) and a power
 * supply per sensor".
 */
export const SENSOR_KINDS = [
  'temperature',
  'humidity',
  'vibration',
  'speed',
  'current',
  'gas',
  'coolant_pressure',
  'supply_voltage',
] as const;

export type SensorKind = (typeof SENSOR_KINDS)[number];

export interface SensorSpec {
  kind: SensorKind;
  /** Device model the spec comes from. */
  device: string;
  unit: string;
  /** Physical range of the device; a value outside it is impossible, not anomalous. */
  min: number;
  max: number;
  /** Smallest step the device reports (quantisation). */
  resolution: number;
  /** Stated accuracy, absolute in `unit` (or relative when `accuracyRelative` is set). */
  accuracy: number;
  accuracyRelative?: boolean;
}

export const SENSOR_SPECS: Readonly<Record<SensorKind, SensorSpec>> = Object.freeze({
  // HTS221: -40..120 C, +-0.5 C
  temperature: { kind: 'temperature', device: 'HTS221', unit: 'C', min: -40, max: 120, resolution: 0.1, accuracy: 0.5 },
  // HTS221: 0..100 %RH, +-3.5 %RH
  humidity: { kind: 'humidity', device: 'HTS221', unit: '%RH', min: 0, max: 100, resolution: 0.1, accuracy: 3.5 },
  // ADXL345: +-16 g full scale; RMS acceleration at 0.01 m/s2 resolution
  vibration: { kind: 'vibration', device: 'ADXL345', unit: 'm/s2', min: 0, max: 156.9, resolution: 0.01, accuracy: 0.05 },
  // Spindle / conveyor / fan speed derived from the ADXL345 signal
  speed: { kind: 'speed', device: 'ADXL345', unit: 'rpm', min: 0, max: 6000, resolution: 1, accuracy: 5 },
  // ACS712-30A: up to 30 A, +-1.5 %
  current: { kind: 'current', device: 'ACS712', unit: 'A', min: 0, max: 30, resolution: 0.01, accuracy: 0.015, accuracyRelative: true },
  // MQ-135 (CO2, CO, NH3, NOx as CO2-equivalent): 10..1000 ppm, +-0.1 ppm
  gas: { kind: 'gas', device: 'MQ-135', unit: 'ppm', min: 0, max: 1000, resolution: 0.1, accuracy: 0.1 },
  coolant_pressure: { kind: 'coolant_pressure', device: 'pressure transducer', unit: 'bar', min: 0, max: 10, resolution: 0.01, accuracy: 0.02 },
  supply_voltage: { kind: 'supply_voltage', device: 'sensor power supply', unit: 'V', min: 0, max: 30, resolution: 0.01, accuracy: 0.05 },
});

export function isSensorKind(value: unknown): value is SensorKind {
  return typeof value === 'string' && (SENSOR_KINDS as readonly string[]).includes(value);
}

/** Rounds a value to the device's resolution, as the device itself would report it. */
export function quantise(kind: SensorKind, value: number): number {
  const step = SENSOR_SPECS[kind].resolution;
  const q = Math.round(value / step) * step;
  // Trim binary noise such as 0.30000000000000004 so stored values match what a device sends.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return Number(q.toFixed(decimals));
}
