/**
 * Seeded pseudo-random numbers for the simulator: sfc32 (Chris Doty-Humphrey's Small Fast Chaotic
 * generator, 128-bit state, passes PractRand) seeded by a cyrb128 hash of a string key, so that every
 * (seed, machine, purpose) gets its own independent stream and a machine simulated alone draws exactly
 * the numbers it draws in a full plant run. Pure: no I/O, no global state.
 */

const TWO_POW_32 = 4294967296;

// Ziggurat tables for the normal distribution (128 layers), Marsaglia and Tsang 2000.
const ZIG_R = 3.442619855899;
const KN = new Float64Array(128);
const WN = new Float64Array(128);
const FN = new Float64Array(128);
{
  const m1 = 2147483648;
  const vn = 9.91256303526217e-3;
  let dn = ZIG_R;
  let tn = dn;
  const q = vn / Math.exp(-0.5 * dn * dn);
  KN[0] = (dn / q) * m1;
  KN[1] = 0;
  WN[0] = q / m1;
  WN[127] = dn / m1;
  FN[0] = 1;
  FN[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    KN[i + 1] = (dn / tn) * m1;
    tn = dn;
    FN[i] = Math.exp(-0.5 * dn * dn);
    WN[i] = dn / m1;
  }
}

/** cyrb128: a fast 128-bit string hash (four 32-bit words) used only to seed streams. */
export function hash128(key: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < key.length; i++) {
    const k = key.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/**
 * One random stream. `next()` is uniform in [0, 1); `normal()` is a standard normal deviate
 * (ziggurat).
 * @example const r = new Random('1:asm-001:noise'); r.normal();
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(key: string) {
    const [a, b, c, d] = hash128(key);
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    // Warm up so that similar keys diverge fully (recommended for sfc32).
    for (let i = 0; i < 15; i++) this.uint32();
  }

  /** Uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / TWO_POW_32;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /**
   * Standard normal deviate by Marsaglia and Tsang's ziggurat (J. Stat. Softw. 5(8), 2000): one
   * 32-bit draw and a multiply in ~98 % of calls, several times faster than Box-Muller, which
   * matters at eleven deviates per reading.
   */
  normal(): number {
    const hz = this.uint32() | 0;
    const iz = hz & 127;
    if (Math.abs(hz) < KN[iz]!) return hz * WN[iz]!;
    return this.normalTail(hz, iz);
  }

  private normalTail(hz: number, iz: number): number {
    for (;;) {
      const x = hz * WN[iz]!;
      if (iz === 0) {
        let xt: number;
        let y: number;
        do {
          xt = -Math.log(1 - this.next()) / ZIG_R;
          y = -Math.log(1 - this.next());
        } while (y + y < xt * xt);
        return hz > 0 ? ZIG_R + xt : -ZIG_R - xt;
      }
      if (FN[iz]! + this.next() * (FN[iz - 1]! - FN[iz]!) < Math.exp(-0.5 * x * x)) return x;
      hz = this.uint32() | 0;
      iz = hz & 127;
      if (Math.abs(hz) < KN[iz]!) return hz * WN[iz]!;
    }
  }

  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }
}

/** The stream key of one purpose of one machine: independent of every other machine and purpose. */
export function streamKey(seed: number, machineId: string, purpose: string): string {
  return `plantwatch-sim:${seed}:${machineId}:${purpose}`;
}
