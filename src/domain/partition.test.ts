import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPlant } from './plant.js';
import { fnv1a32, formatPartition, machinesOfPartition, MAX_PARTITIONS, ownsMachine, parsePartition, partitionOf, tryParsePartition } from './partition.js';

const machineId = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,62}$/);

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });
});

describe('partitionOf', () => {
  it('puts every machine in exactly one partition, the same one every time', () => {
    fc.assert(
      fc.property(machineId, fc.integer({ min: 1, max: MAX_PARTITIONS }), (id, n) => {
        const p = partitionOf(id, n);
        expect(p).toBeGreaterThanOrEqual(1);
        expect(p).toBeLessThanOrEqual(n);
        expect(partitionOf(id, n)).toBe(p);
        const owners = Array.from({ length: Math.min(n, 64) }, (_, i) => i + 1).filter((i) => ownsMachine({ index: i, count: n }, id));
        expect(owners).toEqual(p <= 64 ? [p] : []);
      }),
    );
  });

  it('splits any plant into disjoint partitions that together hold every machine', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 16 }), (machines, n) => {
        const plant = buildPlant({ machineCount: machines });
        const parts = Array.from({ length: n }, (_, i) => machinesOfPartition(plant.machines, { index: i + 1, count: n }).map((m) => m.id));
        const all = parts.flat();
        expect(all).toHaveLength(machines);
        expect(new Set(all)).toEqual(new Set(plant.machines.map((m) => m.id)));
      }),
      { numRuns: 50 },
    );
  });

  it('is roughly balanced on real plant ids: each of n partitions within 25% of the mean at 10,000 machines', () => {
    const plant = buildPlant({ machineCount: 10_000 });
    for (const n of [2, 3, 4, 8, 16]) {
      const sizes = Array.from({ length: n }, (_, i) => machinesOfPartition(plant.machines, { index: i + 1, count: n }).length);
      const mean = 10_000 / n;
      for (const s of sizes) expect(Math.abs(s - mean) / mean, `n=${n} sizes ${sizes.join(',')}`).toBeLessThan(0.25);
    }
  });

  it('refuses a count outside 1..MAX_PARTITIONS', () => {
    expect(() => partitionOf('wld-001', 0)).toThrow(`partition count must be an integer from 1 to ${MAX_PARTITIONS}, got 0`);
  });
});

describe('parsePartition', () => {
  it('round-trips every valid i/n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_PARTITIONS }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n))), ([i, n]) => {
        expect(parsePartition(formatPartition({ index: i, count: n }))).toEqual({ index: i, count: n });
      }),
    );
  });

  it('names the key, the value and the rule', () => {
    for (const [text, why] of [
      ['3/2', 'i = 3 is outside 1..2'],
      ['0/2', 'i = 0 is outside 1..2'],
      ['1/0', 'n = 0 is outside 1..1024'],
      ['1/2000', 'n = 2000 is outside 1..1024'],
    ] as const) {
      let caught: unknown;
      try {
        parsePartition(text);
      } catch (err) {
        caught = err;
      }
      expect(caught).toMatchObject({
        code: 'PW_ERR_CONFIG_INVALID',
        message: `invalid configuration: cluster.partition must be i/n with whole numbers 1 <= i <= n <= 1024 (e.g. 2/3); ${why} (got "${text}")`,
      });
    }
    expect(() => parsePartition('half', '--partition')).toThrow('invalid configuration: --partition must be i/n with whole numbers 1 <= i <= n <= 1024 (e.g. 2/3) (got "half")');
    expect(tryParsePartition(' 2 / 3 ')).toEqual({ ok: true, partition: { index: 2, count: 3 } });
  });
});
