import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantise, SENSOR_KINDS } from '../domain/index.js';
import { SENSOR_SCALES } from './columns.js';
import { decodeScaled, encodeScaled } from './value-codec.js';

describe('value codec', () => {
  it('stores every quantised device value as a small integer', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SENSOR_KINDS), fc.double({ min: -1000, max: 10_000, noNaN: true }), (kind, raw) => {
        const v = quantise(kind, raw);
        if (Object.is(v, -0)) return;
        const k = encodeScaled(v, SENSOR_SCALES[kind]);
        expect(k).toBeDefined();
        expect(Number.isInteger(k)).toBe(true);
        expect(decodeScaled(k!, SENSOR_SCALES[kind])).toBe(v);
      }),
      { seed: 7, numRuns: 2000 },
    );
  });

  it('round-trips any other double exactly, or declines to encode it', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.constantFrom(1, 10, 100), (v, scale) => {
        const k = encodeScaled(v, scale);
        if (k !== undefined) expect(Object.is(decodeScaled(k, scale), v)).toBe(true);
      }),
      { seed: 11, numRuns: 5000 },
    );
    expect(encodeScaled(25.34, 10)).toBeUndefined();
    expect(encodeScaled(-0, 10)).toBeUndefined();
    expect(encodeScaled(25.3, 10)).toBe(253);
  });
});
