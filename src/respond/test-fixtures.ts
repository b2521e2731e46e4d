/** Builders shared by respond's tests (kept out of production paths; imported only by *.test.ts). */
import type { AnomalyEvent, AnomalyType, NormalEvent, SensorEvidence } from '../domain/index.js';
import { createLogger, type Logger } from '../logging/index.js';
import type { Clock } from './ports.js';

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(public ms = Date.UTC(2026, 0, 5, 8, 0, 0)) {}
  nowMs(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export function silentLogger(): Logger {
  return createLogger({ level: 'silent', pretty: false });
}

const SENSOR_BY_TYPE: Partial<Record<AnomalyType, SensorEvidence['sensor']>> = {
  overheating: 'temperature',
  abnormal_vibration: 'vibration',
  high_humidity: 'humidity',
  power_interruption: 'supply_voltage',
  high_emission: 'gas',
  low_cooling_pressure: 'coolant_pressure',
  high_energy: 'current',
};

/** An anomaly event; `score` / `threshold` default to 0.5 / 0.4 (ratio 1.25: no score points). */
export function anomaly(over: Partial<AnomalyEvent> & { type?: AnomalyType } = {}): AnomalyEvent {
  const type = over.type ?? 'overheating';
  const sensor = SENSOR_BY_TYPE[type] ?? 'temperature';
  const score = over.score ?? 0.5;
  const threshold = over.threshold ?? 0.4;
  return {
    machineId: 'wld-001',
    areaId: 'welding-1',
    machineType: 'welding',
    type,
    score,
    threshold,
    tsMs: Date.UTC(2026, 0, 5, 8, 0, 0),
    dataQuality: false,
    sensors: [{ sensor, score, actual: 78.4, predicted: 66.1, threshold, direction: 'above' }],
    ...over,
  };
}

export function normal(over: Partial<NormalEvent> = {}): NormalEvent {
  return { machineId: 'wld-001', score: 0.1, threshold: 0.4, tsMs: Date.UTC(2026, 0, 5, 8, 0, 0), ...over };
}
