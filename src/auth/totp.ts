import { createHmac, randomBytes } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding (what authenticator apps expect in otpauth URIs). */
export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/=+$/, '').replace(/\s+/g, '');
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const i = BASE32.indexOf(ch);
    if (i < 0) throw new Error(`not base32: "${ch}"`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export interface TotpOptions {
  /** Time step in seconds (RFC 6238 section 4: X, default 30). */
  stepS?: number;
  digits?: number;
  algorithm?: 'sha1' | 'sha256' | 'sha512';
}

export const DEFAULT_TOTP_STEP_S = 30;
export const DEFAULT_TOTP_DIGITS = 6;
/** Steps either side of now accepted, for clock drift (RFC 6238 section 5.2 recommends at most one). */
export const DEFAULT_TOTP_WINDOW = 1;

/** HOTP (RFC 4226 section 5.3): HMAC of the 8-byte counter, dynamic truncation, modulo 10^digits. */
export function hotp(key: Uint8Array, counter: number, digits = DEFAULT_TOTP_DIGITS, algorithm: TotpOptions['algorithm'] = 'sha1'): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(msg).digest();
  const offset = mac[mac.length - 1]! & 0xf;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The time step of `tsMs` (RFC 6238 section 4.2: T = floor((now - T0) / X), T0 = 0). */
export function totpStep(tsMs: number, stepS = DEFAULT_TOTP_STEP_S): number {
  return Math.floor(tsMs / 1000 / stepS);
}

/** The TOTP code at `tsMs` for a base32 secret. */
export function totp(secretBase32: string, tsMs: number, options: TotpOptions = {}): string {
  return hotp(base32Decode(secretBase32), totpStep(tsMs, options.stepS), options.digits, options.algorithm);
}

/**
 * Checks a code within +-window steps; returns the matched step (so the caller can refuse a replay
 * of the same or an earlier step) or null.
 */
export function verifyTotp(secretBase32: string, code: string, tsMs: number, window = DEFAULT_TOTP_WINDOW, options: TotpOptions = {}): number | null {
  if (!/^\d{6,8}$/.test(code)) return null;
  const key = base32Decode(secretBase32);
  const now = totpStep(tsMs, options.stepS);
  for (let d = -window; d <= window; d++) {
    if (hotp(key, now + d, options.digits, options.algorithm) === code) return now + d;
  }
  return null;
}

/** A new 160-bit secret (RFC 4226 section 4 recommends 160 bits), base32. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/** The `otpauth://` URI authenticator apps scan (Key Uri Format). */
export function otpauthUri(secretBase32: string, account: string, issuer = 'plantwatch'): string {
  return `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(account)}?secret=${secretBase32}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}
