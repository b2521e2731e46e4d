/**
 * Seeded randomness shared by all engines. Dropout masks come from a counter-based hash, so the
 * native and portable engines draw the same mask for the same (seed, layer, element) in any order
 * (native/src/lstm.cpp implements `dropoutKeep` identically).
 */

/** A 32-bit integer mix (Chris Wellons' lowbias32); bijective on uint32. */
export function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** Uniform [0, 1) generator (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Per-layer dropout key for a batch seed. */
export function dropoutKey(seed: number, layer: number): number {
  return hash32((seed ^ hash32(layer + 1)) >>> 0);
}

/** Threshold below which an element is dropped: floor(rate * 2^32). */
export function dropoutThreshold(rate: number): number {
  return Math.min(4294967295, Math.floor(rate * 4294967296));
}

/** Whether element `index` ([t][b][unit] order) survives dropout under `key`. */
export function dropoutKeep(key: number, index: number, threshold: number): boolean {
  return hash32((key ^ index) >>> 0) >= threshold;
}
