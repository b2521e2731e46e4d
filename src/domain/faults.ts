import type { SensorKind } from './sensors.js';

/**
 * Fault types: paper Table 8's process faults, plus the data faults real plants have (SPEC 1).
 * Data faults become data-quality events at run time, not process anomalies (SPEC 4).
 */
export const PROCESS_FAULT_TYPES = [
  'overheating',
  'abnormal_vibration',
  'high_humidity',
  'power_interruption',
  'high_emission',
  'connection_failure',
  'sensor_disconnected',
  'low_cooling_pressure',
  'high_energy',
] as const;

export const DATA_FAULT_TYPES = ['stuck_sensor', 'drift', 'spikes', 'gap', 'clock_skew'] as const;

export const FAULT_TYPES = [...PROCESS_FAULT_TYPES, ...DATA_FAULT_TYPES] as const;
export type FaultType = (typeof FAULT_TYPES)[number];
export type ProcessFaultType = (typeof PROCESS_FAULT_TYPES)[number];
export type DataFaultType = (typeof DATA_FAULT_TYPES)[number];

export function isFaultType(value: unknown): value is FaultType {
  return typeof value === 'string' && (FAULT_TYPES as readonly string[]).includes(value);
}

export function isDataFault(type: FaultType): type is DataFaultType {
  return (DATA_FAULT_TYPES as readonly string[]).includes(type);
}

/** Ground truth for one injected fault (SPEC 1: machine, sensors, type, start, end). */
export interface FaultLabel {
  id: string;
  machineId: string;
  type: FaultType;
  sensors: readonly SensorKind[];
  startMs: number;
  /** Exclusive end, epoch ms. */
  endMs: number;
  /** 0..1: how far the fault pushes its sensors at its peak. */
  severity: number;
}
