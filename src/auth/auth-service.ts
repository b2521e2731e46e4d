import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { AppError, AuthError, NotFoundError, ValidationError, isRole, type ApiTokenRecord, type AuditEntry, type AuthRepository, type Role, type UserRecord } from '../domain/index.js';
import type { Logger } from '../logging/index.js';
import { dummyPasswordHash, hashSecret, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, verifySecret } from './passwords.js';
import { newTotpSecret, otpauthUri, verifyTotp } from './totp.js';

/** Where sign-ins, failures and changes are written (the audit log of migration 3, or the responder's). */
export interface AuditSink {
  append(entry: AuditEntry): Promise<void>;
}

export interface AuthServiceOptions {
  repository: AuthRepository;
  logger: Logger;
  /** Every sign-in, failure and change is appended here. Default: only the log. */
  audit?: AuditSink;
  clock?: { nowMs(): number };
  /** Session lifetime after the last request. Default {@link DEFAULT_SESSION_TTL_MS}. */
  sessionTtlMs?: number;
  /** Consecutive failures before a user is locked out. Default {@link DEFAULT_MAX_FAILED_LOGINS}. */
  maxFailedLogins?: number;
  /** How long a lock-out lasts. Default {@link DEFAULT_LOCKOUT_MS}. */
  lockoutMs?: number;
  /** Failed sign-ins accepted per client address per minute before 429. Default {@link DEFAULT_LOGIN_RATE_PER_MINUTE}. */
  loginRatePerMinute?: number;
  /** Recovery codes issued with two-factor. Default {@link DEFAULT_RECOVERY_CODE_COUNT}. */
  recoveryCodeCount?: number;
}

export const DEFAULT_SESSION_TTL_MS = 8 * 3_600_000;
export const DEFAULT_MAX_FAILED_LOGINS = 5;
export const DEFAULT_LOCKOUT_MS = 15 * 60_000;
export const DEFAULT_LOGIN_RATE_PER_MINUTE = 20;
export const DEFAULT_RECOVERY_CODE_COUNT = 10;
/** How long the second step (TOTP) of a sign-in may take. */
export const TOTP_CHALLENGE_TTL_MS = 5 * 60_000;
export const TOKEN_PREFIX = 'pwt_';

/** Who is calling: a signed-in user (cookie) or an API token (bearer). */
export interface Principal {
  kind: 'user' | 'token';
  id: string;
  name: string;
  role: Role;
  /** Session callers must echo this in `x-csrf-token` on state changes. */
  csrfToken?: string;
  sessionIdHash?: string;
}

export interface PublicUser {
  id: string;
  username: string;
  role: Role;
  totpEnabled: boolean;
  disabled: boolean;
  lockedUntilMs: number | null;
  createdAtMs: number;
  lastLoginAtMs: number | null;
}

export interface PublicToken {
  id: string;
  name: string;
  role: Role;
  createdBy: string;
  createdAtMs: number;
  lastUsedAtMs: number | null;
  expiresAtMs: number | null;
  revoked: boolean;
}

export interface IssuedSession {
  /** The cookie value (only ever sent to the client). */
  cookieValue: string;
  csrfToken: string;
  expiresAtMs: number;
  user: PublicUser;
}

export type LoginResult = { status: 'signed_in'; session: IssuedSession } | { status: 'totp_required'; challenge: string };

export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const USERNAME_PATTERN = /^[a-zA-Z0-9._@-]{1,64}$/;

export function publicUser(u: UserRecord): PublicUser {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    totpEnabled: u.totpSecret !== null,
    disabled: u.disabled,
    lockedUntilMs: u.lockedUntilMs,
    createdAtMs: u.createdAtMs,
    lastLoginAtMs: u.lastLoginAtMs,
  };
}

function publicToken(t: ApiTokenRecord): PublicToken {
  const { secretHash: _omit, ...rest } = t;
  return rest;
}

function checkUsername(username: unknown): string {
  if (typeof username !== 'string' || !USERNAME_PATTERN.test(username)) {
    throw new ValidationError('PW_ERR_VALIDATION_USERNAME', `username must be 1-64 letters, digits or . _ @ -, got ${JSON.stringify(typeof username === 'string' ? username.slice(0, 80) : typeof username)}`);
  }
  return username;
}

function checkPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError('PW_ERR_VALIDATION_PASSWORD', `password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters, got ${typeof password === 'string' ? `${password.length}` : typeof password}`);
  }
  return password;
}

function formatRecoveryCode(): string {
  const hex = randomBytes(5).toString('hex');
  return `${hex.slice(0, 5)}-${hex.slice(5)}`;
}

/**
 * Local users, two-factor, sessions and API tokens (SPEC 8). Stateless apart from the repository,
 * the in-flight TOTP challenges and the per-address failure counters (both bounded, in memory).
 * @example
 * const auth = new AuthService({ repository: store.authRepository(), logger, audit });
 * const r = await auth.login({ username, password }, ip); // -> totp_required -> loginTotp(...)
 */
export class AuthService {
  private readonly repo: AuthRepository;
  private readonly log: Logger;
  private readonly audit: AuditSink | undefined;
  private readonly clock: { nowMs(): number };
  readonly sessionTtlMs: number;
  private readonly maxFailedLogins: number;
  private readonly lockoutMs: number;
  private readonly loginRatePerMinute: number;
  private readonly recoveryCodeCount: number;
  private readonly challenges = new Map<string, { userId: string; expiresMs: number }>();
  private readonly failuresByIp = new Map<string, number[]>();

  constructor(options: AuthServiceOptions) {
    this.repo = options.repository;
    this.log = options.logger.child({ component: 'auth' });
    this.audit = options.audit;
    this.clock = options.clock ?? { nowMs: () => Date.now() };
    this.sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
    this.maxFailedLogins = options.maxFailedLogins ?? DEFAULT_MAX_FAILED_LOGINS;
    this.lockoutMs = options.lockoutMs ?? DEFAULT_LOCKOUT_MS;
    this.loginRatePerMinute = options.loginRatePerMinute ?? DEFAULT_LOGIN_RATE_PER_MINUTE;
    this.recoveryCodeCount = options.recoveryCodeCount ?? DEFAULT_RECOVERY_CODE_COUNT;
    for (const [k, v] of Object.entries({ sessionTtlMs: this.sessionTtlMs, maxFailedLogins: this.maxFailedLogins, lockoutMs: this.lockoutMs, loginRatePerMinute: this.loginRatePerMinute })) {
      if (!Number.isSafeInteger(v) || v < 1) throw new AppError('PW_ERR_CONFIG_AUTH', `auth option ${k} must be a positive integer, got ${String(v)}`, 500);
    }
  }

  /** Records an audit entry; a failing audit sink is logged, never breaks the request. */
  async record(actor: string, category: string, outcome: string, detail: Record<string, unknown> = {}): Promise<void> {
    const entry: AuditEntry = { id: randomUUID(), tsMs: this.clock.nowMs(), category, alertId: null, actionId: null, ruleId: null, machineId: null, actor, action: null, outcome, detail };
    this.log.info({ category, actor, outcome, ...detail }, 'audit');
    try {
      await this.audit?.append(entry);
    } catch (err) {
      this.log.error({ err, category }, 'could not write an audit entry');
    }
  }

  async needsSetup(): Promise<boolean> {
    return (await this.repo.countUsers()) === 0;
  }

  private newUser(username: string, passwordHash: string, role: Role): UserRecord {
    return {
      id: randomUUID(),
      username,
      role,
      passwordHash,
      totpSecret: null,
      totpPendingSecret: null,
      totpLastStep: null,
      failedLogins: 0,
      lockedUntilMs: null,
      disabled: false,
      createdAtMs: this.clock.nowMs(),
      lastLoginAtMs: null,
    };
  }

  /**
   * First-run setup: creates the admin while no user exists (no default password anywhere), with
   * a pending TOTP secret to confirm through {@link confirmTotp}.
   */
  async setup(input: { username: unknown; password: unknown }, ip: string): Promise<{ user: PublicUser; totp: TotpEnrolment }> {
    const username = checkUsername(input.username);
    const password = checkPassword(input.password);
    const user = this.newUser(username, await hashSecret(password), 'admin');
    user.totpPendingSecret = newTotpSecret();
    if (!(await this.repo.insertFirstUser(user))) {
      await this.record(username, 'auth.setup', 'refused', { ip });
      throw new AuthError('PW_ERR_AUTH_SETUP_DONE', 'setup is done: a user already exists; sign in instead', 403);
    }
    await this.record(username, 'auth.setup', 'admin_created', { ip, userId: user.id });
    return { user: publicUser(user), totp: { secret: user.totpPendingSecret!, otpauthUri: otpauthUri(user.totpPendingSecret!, username) } };
  }

  async createUser(input: { username: unknown; password: unknown; role: unknown }, actor: string): Promise<PublicUser> {
    const username = checkUsername(input.username);
    const password = checkPassword(input.password);
    if (!isRole(input.role)) throw new ValidationError('PW_ERR_VALIDATION_ROLE', `role must be viewer, operator, engineer or admin, got ${JSON.stringify(input.role)}`);
    const user = this.newUser(username, await hashSecret(password), input.role);
    if (!(await this.repo.insertUser(user))) throw new AppError('PW_ERR_AUTH_USER_EXISTS', `a user named "${username}" exists already`, 409);
    await this.record(actor, 'user.create', 'created', { userId: user.id, username, role: user.role });
    return publicUser(user);
  }

  async listUsers(): Promise<PublicUser[]> {
    return (await this.repo.listUsers()).map(publicUser);
  }

  private async userOrThrow(id: string): Promise<UserRecord> {
    const user = await this.repo.getUser(id);
    if (!user) throw new NotFoundError('PW_ERR_NOT_FOUND_USER', `no user with id "${id}"`);
    return user;
  }

  /** Changes role, enables/disables (which ends sessions), resets a password or unlocks. */
  async updateUser(id: string, patch: { role?: Role; disabled?: boolean; password?: string; unlock?: boolean }, actor: string): Promise<PublicUser> {
    const user = await this.userOrThrow(id);
    const changes: string[] = [];
    if (patch.role !== undefined && patch.role !== user.role) {
      if (user.role === 'admin' && (await this.otherActiveAdmins(user.id)) === 0) throw new AppError('PW_ERR_AUTH_LAST_ADMIN', 'cannot change the role of the last admin', 409);
      user.role = patch.role;
      changes.push('role');
    }
    if (patch.disabled !== undefined && patch.disabled !== user.disabled) {
      if (patch.disabled && user.role === 'admin' && (await this.otherActiveAdmins(user.id)) === 0) throw new AppError('PW_ERR_AUTH_LAST_ADMIN', 'cannot disable the last admin', 409);
      user.disabled = patch.disabled;
      changes.push('disabled');
    }
    if (patch.password !== undefined) {
      user.passwordHash = await hashSecret(checkPassword(patch.password));
      changes.push('password');
    }
    if (patch.unlock) {
      user.failedLogins = 0;
      user.lockedUntilMs = null;
      changes.push('unlock');
    }
    await this.repo.updateUser(user);
    if (changes.includes('disabled') || changes.includes('password') || changes.includes('role')) await this.repo.deleteUserSessions(user.id);
    await this.record(actor, 'user.update', 'updated', { userId: id, username: user.username, changes });
    return publicUser(user);
  }

  private async otherActiveAdmins(exceptId: string): Promise<number> {
    return (await this.repo.listUsers()).filter((u) => u.role === 'admin' && !u.disabled && u.id !== exceptId).length;
  }

  async deleteUser(id: string, actor: string): Promise<void> {
    const user = await this.userOrThrow(id);
    if (user.role === 'admin' && (await this.otherActiveAdmins(id)) === 0) throw new AppError('PW_ERR_AUTH_LAST_ADMIN', 'cannot delete the last admin', 409);
    await this.repo.deleteUser(id);
    await this.record(actor, 'user.delete', 'deleted', { userId: id, username: user.username });
  }

  private checkRate(ip: string): void {
    const now = this.clock.nowMs();
    const recent = (this.failuresByIp.get(ip) ?? []).filter((t) => t > now - 60_000);
    if (recent.length === 0) this.failuresByIp.delete(ip);
    else this.failuresByIp.set(ip, recent);
    if (recent.length >= this.loginRatePerMinute) {
      throw new AppError('PW_ERR_AUTH_RATE_LIMITED', `too many failed sign-ins from this address; wait a minute (limit ${this.loginRatePerMinute} a minute)`, 429);
    }
  }

  private noteFailure(ip: string): void {
    const list = this.failuresByIp.get(ip) ?? [];
    list.push(this.clock.nowMs());
    this.failuresByIp.set(ip, list);
    // Bounded: an attacker rotating addresses cannot grow this map without end.
    if (this.failuresByIp.size > 10_000) this.failuresByIp.delete(this.failuresByIp.keys().next().value!);
  }

  private async fail(user: UserRecord | undefined, username: string, ip: string, reason: string): Promise<never> {
    this.noteFailure(ip);
    const now = this.clock.nowMs();
    let locked = false;
    if (user) {
      user.failedLogins += 1;
      if (user.failedLogins >= this.maxFailedLogins) {
        user.lockedUntilMs = now + this.lockoutMs;
        locked = true;
      }
      await this.repo.updateUser(user);
    }
    await this.repo.recordLoginAttempt({ tsMs: now, username, ip, ok: false, reason });
    await this.record(username, 'auth.signin', 'failed', { ip, reason, ...(locked ? { lockedUntilMs: user!.lockedUntilMs } : {}) });
    throw new AuthError('PW_ERR_AUTH_INVALID_CREDENTIALS', reason === 'totp' || reason === 'recovery' ? 'the code is wrong or expired' : 'wrong username or password');
  }

  private async checkLocked(user: UserRecord, ip: string): Promise<void> {
    const now = this.clock.nowMs();
    if (user.lockedUntilMs !== null && user.lockedUntilMs > now) {
      this.noteFailure(ip);
      await this.repo.recordLoginAttempt({ tsMs: now, username: user.username, ip, ok: false, reason: 'locked' });
      await this.record(user.username, 'auth.signin', 'locked_out', { ip });
      throw new AuthError('PW_ERR_AUTH_LOCKED', `too many failed sign-ins; the account is locked for ${Math.ceil((user.lockedUntilMs - now) / 60_000)} more minute(s), or until an admin unlocks it`, 403);
    }
  }

  /** Password step. Users with two-factor get a challenge for {@link loginTotp}. */
  async login(input: { username: unknown; password: unknown }, ip: string): Promise<LoginResult> {
    this.checkRate(ip);
    const username = typeof input.username === 'string' ? input.username.slice(0, 64) : '';
    const password = typeof input.password === 'string' ? input.password : '';
    const user = username ? await this.repo.getUserByName(username) : undefined;
    if (!user) {
      await verifySecret(await dummyPasswordHash(), password);
      return this.fail(undefined, username, ip, 'password');
    }
    await this.checkLocked(user, ip);
    if (user.disabled || !(await verifySecret(user.passwordHash, password))) return this.fail(user, username, ip, user.disabled ? 'disabled' : 'password');
    if (user.totpSecret !== null) {
      const challenge = randomBytes(24).toString('base64url');
      this.pruneChallenges();
      this.challenges.set(challenge, { userId: user.id, expiresMs: this.clock.nowMs() + TOTP_CHALLENGE_TTL_MS });
      return { status: 'totp_required', challenge };
    }
    return { status: 'signed_in', session: await this.succeed(user, ip, 'password') };
  }

  private pruneChallenges(): void {
    const now = this.clock.nowMs();
    for (const [k, v] of this.challenges) if (v.expiresMs <= now) this.challenges.delete(k);
  }

  /** Second step: a TOTP code, or one of the recovery codes (each works once). */
  async loginTotp(input: { challenge: unknown; code: unknown }, ip: string): Promise<IssuedSession> {
    this.checkRate(ip);
    const pending = typeof input.challenge === 'string' ? this.challenges.get(input.challenge) : undefined;
    if (!pending || pending.expiresMs <= this.clock.nowMs()) {
      throw new AuthError('PW_ERR_AUTH_CHALLENGE', 'the sign-in expired or is unknown; enter the password again');
    }
    const user = await this.repo.getUser(pending.userId);
    if (!user || user.totpSecret === null) throw new AuthError('PW_ERR_AUTH_CHALLENGE', 'the sign-in expired or is unknown; enter the password again');
    await this.checkLocked(user, ip);
    const code = typeof input.code === 'string' ? input.code.trim() : '';
    if (/^\d{6}$/.test(code)) {
      const step = verifyTotp(user.totpSecret, code, this.clock.nowMs());
      // RFC 6238 section 5.2: a code is accepted once; later steps only.
      if (step === null || (user.totpLastStep !== null && step <= user.totpLastStep)) return this.fail(user, user.username, ip, 'totp');
      user.totpLastStep = step;
      this.challenges.delete(input.challenge as string);
      return this.succeed(user, ip, 'totp');
    }
    if (/^[0-9a-f]{5}-[0-9a-f]{5}$/.test(code)) {
      for (const rc of await this.repo.listRecoveryCodes(user.id)) {
        if (rc.usedAtMs === null && (await verifySecret(rc.codeHash, code))) {
          if (await this.repo.markRecoveryCodeUsed(user.id, rc.codeHash, this.clock.nowMs())) {
            this.challenges.delete(input.challenge as string);
            return this.succeed(user, ip, 'recovery');
          }
        }
      }
      return this.fail(user, user.username, ip, 'recovery');
    }
    return this.fail(user, user.username, ip, 'totp');
  }

  private async succeed(user: UserRecord, ip: string, method: string): Promise<IssuedSession> {
    const now = this.clock.nowMs();
    user.failedLogins = 0;
    user.lockedUntilMs = null;
    user.lastLoginAtMs = now;
    await this.repo.updateUser(user);
    const cookieValue = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const expiresAtMs = now + this.sessionTtlMs;
    await this.repo.saveSession({ idHash: sha256(cookieValue), userId: user.id, csrfToken, createdAtMs: now, expiresAtMs, lastSeenAtMs: now });
    await this.repo.recordLoginAttempt({ tsMs: now, username: user.username, ip, ok: true, reason: method });
    await this.record(user.username, 'auth.signin', 'ok', { ip, method });
    return { cookieValue, csrfToken, expiresAtMs, user: publicUser(user) };
  }

  /** Deletes expired sessions and forgotten TOTP challenges; returns the sessions deleted. */
  async prune(): Promise<number> {
    this.pruneChallenges();
    return this.repo.deleteExpiredSessions(this.clock.nowMs());
  }

  async logout(cookieValue: string, actor: string): Promise<void> {
    await this.repo.deleteSession(sha256(cookieValue));
    await this.record(actor, 'auth.signout', 'ok');
  }

  /** The session behind a cookie; slides its expiry. */
  async authenticateSession(cookieValue: string): Promise<Principal | undefined> {
    if (!cookieValue || cookieValue.length > 128) return undefined;
    const idHash = sha256(cookieValue);
    const session = await this.repo.getSession(idHash);
    const now = this.clock.nowMs();
    if (!session) return undefined;
    if (session.expiresAtMs <= now) {
      await this.repo.deleteSession(idHash);
      return undefined;
    }
    const user = await this.repo.getUser(session.userId);
    if (!user || user.disabled) return undefined;
    // Sliding expiry, written at most once a minute.
    if (now - session.lastSeenAtMs > 60_000) await this.repo.saveSession({ ...session, lastSeenAtMs: now, expiresAtMs: now + this.sessionTtlMs });
    return { kind: 'user', id: user.id, name: user.username, role: user.role, csrfToken: session.csrfToken, sessionIdHash: idHash };
  }

  /** An API token `pwt_<id>_<secret>`. */
  async authenticateToken(token: string): Promise<Principal | undefined> {
    const m = /^pwt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return undefined;
    const record = await this.repo.getToken(m[1]!);
    if (!record || record.revoked) return undefined;
    const now = this.clock.nowMs();
    if (record.expiresAtMs !== null && record.expiresAtMs <= now) return undefined;
    const a = Buffer.from(sha256(m[2]!), 'hex');
    const b = Buffer.from(record.secretHash, 'hex');
    if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
    if (record.lastUsedAtMs === null || now - record.lastUsedAtMs > 60_000) await this.repo.saveToken({ ...record, lastUsedAtMs: now });
    return { kind: 'token', id: record.id, name: `token:${record.name}`, role: record.role };
  }

  async createToken(input: { name: unknown; role: unknown; expiresInDays?: unknown }, actor: string): Promise<{ token: string; record: PublicToken }> {
    if (typeof input.name !== 'string' || !/^[\w .:-]{1,64}$/.test(input.name)) throw new ValidationError('PW_ERR_VALIDATION_TOKEN_NAME', `token name must be 1-64 letters, digits, spaces or . : _ -, got ${JSON.stringify(input.name)}`);
    if (!isRole(input.role)) throw new ValidationError('PW_ERR_VALIDATION_ROLE', `role must be viewer, operator, engineer or admin, got ${JSON.stringify(input.role)}`);
    let expiresAtMs: number | null = null;
    if (input.expiresInDays !== undefined && input.expiresInDays !== null) {
      if (typeof input.expiresInDays !== 'number' || !(input.expiresInDays > 0 && input.expiresInDays <= 3650)) {
        throw new ValidationError('PW_ERR_VALIDATION_TOKEN_EXPIRY', `expiresInDays must be a number from 0 to 3650, got ${JSON.stringify(input.expiresInDays)}`);
      }
      expiresAtMs = this.clock.nowMs() + input.expiresInDays * 86_400_000;
    }
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const record: ApiTokenRecord = { id, name: input.name, role: input.role, secretHash: sha256(secret), createdBy: actor, createdAtMs: this.clock.nowMs(), lastUsedAtMs: null, expiresAtMs, revoked: false };
    await this.repo.saveToken(record);
    await this.record(actor, 'token.create', 'created', { tokenId: id, name: input.name, role: input.role });
    return { token: `${TOKEN_PREFIX}${id}_${secret}`, record: publicToken(record) };
  }

  async listTokens(): Promise<PublicToken[]> {
    return (await this.repo.listTokens()).map(publicToken);
  }

  async revokeToken(id: string, actor: string): Promise<void> {
    const record = await this.repo.getToken(id);
    if (!record) throw new NotFoundError('PW_ERR_NOT_FOUND_TOKEN', `no API token with id "${id}"`);
    await this.repo.saveToken({ ...record, revoked: true });
    await this.record(actor, 'token.revoke', 'revoked', { tokenId: id, name: record.name });
  }

  /**
   * Password check for confirming a pending enrolment without a session (first-run setup). Only for
   * users without confirmed two-factor, so it never bypasses a second factor.
   */
  async verifyPasswordForEnrolment(username: string, password: string, ip: string): Promise<PublicUser> {
    this.checkRate(ip);
    const user = await this.repo.getUserByName(username);
    if (!user) {
      await verifySecret(await dummyPasswordHash(), password);
      return this.fail(undefined, username, ip, 'password');
    }
    await this.checkLocked(user, ip);
    if (user.disabled || !(await verifySecret(user.passwordHash, password))) return this.fail(user, username, ip, 'password');
    if (user.totpSecret !== null || user.totpPendingSecret === null) {
      throw new AppError('PW_ERR_AUTH_TOTP_NOT_PENDING', 'no two-factor enrolment is pending for this user; sign in and enrol from the account page', 409);
    }
    return publicUser(user);
  }

  /** Starts two-factor enrolment: a new secret to show as a QR code / text; confirmed by a code. */
  async enrollTotp(userId: string): Promise<TotpEnrolment> {
    const user = await this.userOrThrow(userId);
    user.totpPendingSecret = newTotpSecret();
    await this.repo.updateUser(user);
    return { secret: user.totpPendingSecret, otpauthUri: otpauthUri(user.totpPendingSecret, user.username) };
  }

  /** Confirms enrolment with a code from the app; returns fresh recovery codes (shown once, stored hashed). */
  async confirmTotp(userId: string, code: unknown): Promise<{ recoveryCodes: string[] }> {
    const user = await this.userOrThrow(userId);
    if (!user.totpPendingSecret) throw new AppError('PW_ERR_AUTH_TOTP_NOT_PENDING', 'no two-factor enrolment is pending; start one first', 409);
    const step = typeof code === 'string' ? verifyTotp(user.totpPendingSecret, code, this.clock.nowMs()) : null;
    if (step === null) throw new ValidationError('PW_ERR_VALIDATION_TOTP_CODE', 'the code does not match the new secret; check the device clock and try the next code');
    user.totpSecret = user.totpPendingSecret;
    user.totpPendingSecret = null;
    user.totpLastStep = step;
    await this.repo.updateUser(user);
    const recoveryCodes = await this.regenerateRecoveryCodes(user);
    await this.record(user.username, 'auth.totp', 'enabled');
    return { recoveryCodes };
  }

  private async regenerateRecoveryCodes(user: UserRecord): Promise<string[]> {
    const codes = Array.from({ length: this.recoveryCodeCount }, formatRecoveryCode);
    await this.repo.replaceRecoveryCodes(user.id, await Promise.all(codes.map(hashSecret)));
    return codes;
  }

  /**
   * MQTT CONNECT check: the password is an API token with `telemetry.write` (operator or above).
   * Username is free text (the token name is logged).
   */
  async checkMqttCredentials(username: string | undefined, password: Buffer | undefined): Promise<Principal | undefined> {
    if (!password) return undefined;
    const principal = await this.authenticateToken(password.toString('utf8'));
    if (!principal || principal.role === 'viewer') {
      await this.record(username ?? '', 'auth.mqtt', 'refused');
      return undefined;
    }
    return principal;
  }
}
