import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, totp, verifyTotp } from './totp.js';

// RFC 6238 Appendix B: seeds are ASCII "1234567890" repeated to the key length of each hash.
const SEED_SHA1 = Buffer.from('12345678901234567890');
const SEED_SHA256 = Buffer.from('12345678901234567890123456789012');
const SEED_SHA512 = Buffer.from('1234567890123456789012345678901234567890123456789012345678901234');
const VECTORS: Array<[number, string, string, string]> = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(VECTORS)('matches the RFC test vectors at T=%i', (tS, sha1, sha256, sha512) => {
    const opts = { digits: 8 } as const;
    expect(totp(base32Encode(SEED_SHA1), tS * 1000, { ...opts, algorithm: 'sha1' })).toBe(sha1);
    expect(totp(base32Encode(SEED_SHA256), tS * 1000, { ...opts, algorithm: 'sha256' })).toBe(sha256);
    expect(totp(base32Encode(SEED_SHA512), tS * 1000, { ...opts, algorithm: 'sha512' })).toBe(sha512);
  });

  it('matches RFC 4226 Appendix D HOTP values', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, counter) => expect(hotp(SEED_SHA1, counter)).toBe(code));
  });

  it('round-trips base32 and accepts one step of drift, not two', () => {
    const secret = base32Encode(SEED_SHA1);
    expect(base32Decode(secret).equals(SEED_SHA1)).toBe(true);
    const t = 1_700_000_000_000;
    expect(verifyTotp(secret, totp(secret, t - 30_000), t)).not.toBeNull();
    expect(verifyTotp(secret, totp(secret, t - 60_000), t)).toBeNull();
    expect(verifyTotp(secret, 'abcdef', t)).toBeNull();
  });
});
