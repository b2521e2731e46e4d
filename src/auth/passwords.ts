import { hash, verify, type Algorithm } from '@node-rs/argon2';

// Algorithm is an ambient const enum (not importable under isolatedModules): 2 = Argon2id.
const ARGON2ID = 2 as Algorithm;

/**
 * argon2id parameters: OWASP's minimum (19 MiB, t=2, p=1), about 20-40 ms a hash on one core, so a
 * sign-in is cheap for us and a stolen hash expensive to guess.
 */
export const ARGON2_OPTIONS = Object.freeze({ algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 });

/** Shortest accepted password (NIST SP 800-63B: at least 8; we ask 10 for operators of a plant). */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

export function hashSecret(secret: string): Promise<string> {
  return hash(secret, ARGON2_OPTIONS);
}

export async function verifySecret(phc: string, secret: string): Promise<boolean> {
  try {
    return await verify(phc, secret);
  } catch {
    // A malformed stored hash is a failed check, never a crash of the sign-in route.
    return false;
  }
}

/** A constant argon2id hash to verify against for unknown users, so timing does not reveal who exists. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  return (dummyHash ??= hashSecret('plantwatch-no-such-user'));
}
