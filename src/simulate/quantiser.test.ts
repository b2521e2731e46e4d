import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SENSOR_KINDS, SENSOR_SPECS, quantise } from '../domain/index.js';
import { quantiserFor } from './quantiser.js';

describe('quantiserFor', () => {
  it('equals domain quantise for every sensor kind over its range', () => {
    for (const kind of SENSOR_KINDS) {
      const fast = quantiserFor(kind);
      const { min, max } = SENSOR_SPECS[kind];
      fc.assert(
        fc.property(fc.double({ min, max, noNaN: true }), (v) => {
          expect(Object.is(fast(v), quantise(kind, v))).toBe(true);
        }),
        { numRuns: 2000 },
      );
    }
  });
});
