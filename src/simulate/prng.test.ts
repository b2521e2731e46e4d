import { describe, expect, it } from 'vitest';
import { Random, streamKey } from './prng.js';

describe('Random', () => {
  it('gives the same stream for the same key and different streams for different keys', () => {
    const a = new Random(streamKey(1, 'asm-001', 'noise'));
    const b = new Random(streamKey(1, 'asm-001', 'noise'));
    const c = new Random(streamKey(1, 'asm-002', 'noise'));
    const xa = Array.from({ length: 100 }, () => a.uint32());
    const xb = Array.from({ length: 100 }, () => b.uint32());
    const xc = Array.from({ length: 100 }, () => c.uint32());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });

  it('draws uniforms in [0, 1) with mean 1/2 and variance 1/12', () => {
    const r = new Random('uniform-test');
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      sq += u * u;
    }
    const mean = sum / n;
    expect(outside).toBe(0);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sq / n - mean * mean).toBeCloseTo(1 / 12, 2);
  });

  it('draws standard normals: mean 0, variance 1, tails as the normal distribution', () => {
    const r = new Random('normal-test');
    const n = 400_000;
    let sum = 0;
    let sq = 0;
    let beyond2 = 0;
    let beyond3 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      sum += z;
      sq += z * z;
      if (Math.abs(z) > 2) beyond2++;
      if (Math.abs(z) > 3) beyond3++;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(sq / n).toBeGreaterThan(0.98);
    expect(sq / n).toBeLessThan(1.02);
    // P(|Z| > 2) = 0.0455, P(|Z| > 3) = 0.0027
    expect(beyond2 / n).toBeGreaterThan(0.042);
    expect(beyond2 / n).toBeLessThan(0.049);
    expect(beyond3 / n).toBeGreaterThan(0.0021);
    expect(beyond3 / n).toBeLessThan(0.0033);
  });
});
