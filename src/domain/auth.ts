/**
 * Users, roles, sessions and API tokens (SPEC 8, paper 3.4 access control). Types and the
 * persistence port only; hashing and policy live in src/auth, tables in src/store.
 */

export const ROLES = ['viewer', 'operator', 'engineer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Rank of a role, viewer = 0 .. admin = 3 (each role can do everything the lower ones can). */
export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

export interface UserRecord {
  id: string;
  username: string;
  role: Role;
  /** argon2id PHC string. */
  passwordHash: string;
  /** Base32 TOTP secret once two-factor is confirmed; null without two-factor. */
  totpSecret: string | null;
  /** Secret offered at enrolment, not yet confirmed by a code. */
  totpPendingSecret: string | null;
  /** Consecutive failed sign-ins (reset by a success); drives the lock-out. */
  failedLogins: number;
  lockedUntilMs: number | null;
  disabled: boolean;
  createdAtMs: number;
  lastLoginAtMs: number | null;
  /** Last TOTP time step accepted, so a code cannot be replayed (RFC 6238 section 5.2). */
  totpLastStep: number | null;
}

export interface SessionRecord {
  /** SHA-256 of the cookie value (the cookie itself is never stored). */
  idHash: string;
  userId: string;
  /** Double-submit CSRF token for cookie-authenticated state changes. */
  csrfToken: string;
  createdAtMs: number;
  expiresAtMs: number;
  lastSeenAtMs: number;
}

export interface ApiTokenRecord {
  id: string;
  name: string;
  role: Role;
  /** SHA-256 of the secret part (tokens are 256-bit random, so a fast hash is enough). */
  secretHash: string;
  createdBy: string;
  createdAtMs: number;
  lastUsedAtMs: number | null;
  expiresAtMs: number | null;
  revoked: boolean;
}

export interface RecoveryCodeRecord {
  userId: string;
  /** argon2id hash of the code. */
  codeHash: string;
  usedAtMs: number | null;
}

export interface LoginAttempt {
  tsMs: number;
  username: string;
  ip: string;
  ok: boolean;
  /** password, totp, recovery, locked, rate_limited. */
  reason: string;
}

/** Persistence of users, sessions, tokens, recovery codes and sign-in attempts (store migration 4). */
export interface AuthRepository {
  countUsers(): Promise<number>;
  /** Inserts the user unless the username exists; returns false when it does. */
  insertUser(user: UserRecord): Promise<boolean>;
  /** Inserts the user only while no user exists (first-run setup, race-free); returns false otherwise. */
  insertFirstUser(user: UserRecord): Promise<boolean>;
  updateUser(user: UserRecord): Promise<void>;
  deleteUser(id: string): Promise<void>;
  getUser(id: string): Promise<UserRecord | undefined>;
  getUserByName(username: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;

  saveSession(session: SessionRecord): Promise<void>;
  getSession(idHash: string): Promise<SessionRecord | undefined>;
  deleteSession(idHash: string): Promise<void>;
  deleteUserSessions(userId: string): Promise<void>;
  deleteExpiredSessions(nowMs: number): Promise<number>;

  saveToken(token: ApiTokenRecord): Promise<void>;
  getToken(id: string): Promise<ApiTokenRecord | undefined>;
  listTokens(): Promise<ApiTokenRecord[]>;

  /** Replaces every recovery code of the user. */
  replaceRecoveryCodes(userId: string, codeHashes: readonly string[]): Promise<void>;
  listRecoveryCodes(userId: string): Promise<RecoveryCodeRecord[]>;
  markRecoveryCodeUsed(userId: string, codeHash: string, usedAtMs: number): Promise<boolean>;

  recordLoginAttempt(attempt: LoginAttempt): Promise<void>;
  listLoginAttempts(query: { username?: string; fromMs?: number; limit?: number }): Promise<LoginAttempt[]>;
}
