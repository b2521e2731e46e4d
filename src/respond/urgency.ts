import type { AnomalyEvent, Criticality, OperatingState, SensorKind, Urgency } from '../domain/index.js';
import { URGENCIES } from '../domain/index.js';

/**
 * How much a deviation on each sensor weighs: heat, coolant pressure, gas and vibration can harm
 * people or the machine quickly; the others degrade quality or cost (paper 3.7: a slight deviation
 * triggers a review, a drastic one a high-priority alert).
 */
export const DEFAULT_SENSOR_WEIGHT: Readonly<Record<SensorKind, number>> = Object.freeze({
  temperature: 1,
  coolant_pressure: 1,
  gas: 1,
  vibration: 1,
  humidity: 0,
  speed: 0,
  current: 0,
  supply_voltage: 0,
});

export const CRITICALITY_WEIGHT: Readonly<Record<Criticality, number>> = Object.freeze({ low: -1, medium: 0, high: 1 });

/** A stopped or idle machine can't be harmed by running on; its alerts matter less. */
export const OPERATING_STATE_WEIGHT: Readonly<Record<OperatingState, number>> = Object.freeze({ running: 0, idle: -1, stopped: -2, offline: -2 });

export interface UrgencyInput {
  event: Pick<AnomalyEvent, 'score' | 'threshold' | 'sensors' | 'dataQuality'>;
  criticality: Criticality;
  operatingState: OperatingState;
}

/**
 * Points: score over threshold (x1.5 -> 1, x2 -> 2, x3 -> 3) + sensor weight + criticality +
 * operating state; <= 0 low, 1..2 medium, 3 high, >= 4 critical. Data-quality events are capped
 * at medium: a broken sensor is IT's job, not an emergency stop.
 * @example computeUrgency({ event: { score: 0.9, threshold: 0.3, sensors: [temp], dataQuality: false }, criticality: 'high', operatingState: 'running' }) // 'critical'
 */
export function computeUrgency(input: UrgencyInput, sensorWeight: Readonly<Record<SensorKind, number>> = DEFAULT_SENSOR_WEIGHT): Urgency {
  const { event } = input;
  const ratio = event.threshold > 0 ? event.score / event.threshold : event.score > 0 ? Infinity : 0;
  const scorePoints = ratio >= 3 ? 3 : ratio >= 2 ? 2 : ratio >= 1.5 ? 1 : 0;
  const sensorPoints = Math.max(0, ...event.sensors.map((s) => sensorWeight[s.sensor] ?? 0));
  let points = scorePoints + sensorPoints + CRITICALITY_WEIGHT[input.criticality] + OPERATING_STATE_WEIGHT[input.operatingState];
  if (event.dataQuality) points = Math.min(points, 2);
  const index = points <= 0 ? 0 : points <= 2 ? 1 : points === 3 ? 2 : 3;
  return URGENCIES[index]!;
}
