import { SENSOR_SPECS, type SensorKind } from '../domain/index.js';

/**
 * A fast form of domain `quantise` for the simulator's hot loop: `Math.round(v / step)` as in
 * `quantise`, then an exact division by a power of ten, which yields the same double as
 * `quantise`'s `Number(q.toFixed(decimals))` (both are the double nearest to k / 10^decimals)
 * without formatting a string per reading. `+ 0` turns -0 into 0 as toFixed does.
 * A property test checks it against `quantise`.
 */
export function quantiserParams(kind: SensorKind): { step: number; stepsPerUnit: number; scale: number } {
  const step = SENSOR_SPECS[kind].resolution;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const scale = 10 ** decimals;
  return { step, stepsPerUnit: Math.round(step * scale), scale };
}

export function quantiserFor(kind: SensorKind): (value: number) => number {
  const { step, stepsPerUnit, scale } = quantiserParams(kind);
  return (value: number) => (Math.round(value / step) * stepsPerUnit) / scale + 0;
}
