import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { ApiTokenRecord, AuthRepository, LoginAttempt, RecoveryCodeRecord, Role, SessionRecord, UserRecord } from '../../domain/index.js';

/** The two calls the repository needs; `?` placeholders (rewritten to $n for PostgreSQL). */
export interface SqlExecutor {
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Runs `fn` in one transaction holding a write lock on `table`, so check-then-insert is atomic.
   * SQLite needs none: one statement on the one connection already is.
   */
  withTableLock?<T>(table: string, fn: (sql: SqlExecutor) => Promise<T>): Promise<T>;
}

export function sqliteExecutor(db: Database.Database): SqlExecutor {
  const cache = new Map<string, Database.Statement>();
  const prep = (sql: string): Database.Statement => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = db.prepare(sql)));
    return s;
  };
  const norm = (params: readonly unknown[]): unknown[] => params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
  return {
    all: async <T>(sql: string, params: readonly unknown[] = []) => prep(sql).all(...norm(params)) as T[],
    run: async (sql, params = []) => prep(sql).run(...norm(params)).changes,
  };
}

export function postgresExecutor(pool: pg.Pool | pg.PoolClient): SqlExecutor {
  const rewrite = (sql: string): string => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  return {
    all: async <T>(sql: string, params: readonly unknown[] = []) => (await pool.query(rewrite(sql), params as unknown[])).rows as T[],
    run: async (sql, params = []) => (await pool.query(rewrite(sql), params as unknown[])).rowCount ?? 0,
    async withTableLock<T>(table: string, fn: (sql: SqlExecutor) => Promise<T>): Promise<T> {
      if (!('connect' in pool) || !('totalCount' in pool)) throw new Error('withTableLock needs a pool');
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // READ COMMITTED snapshots per statement: without the lock two setups could both see no user.
        await client.query(`LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`);
        const out = await fn(postgresExecutor(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
  };
}

interface UserRow {
  id: string;
  username: string;
  role: string;
  password_hash: string;
  totp_secret: string | null;
  totp_pending_secret: string | null;
  totp_last_step: number | null;
  failed_logins: number;
  locked_until_ms: number | null;
  disabled: number | boolean;
  created_at_ms: number;
  last_login_at_ms: number | null;
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toUser(r: UserRow): UserRecord {
  return {
    id: r.id,
    username: r.username,
    role: r.role as Role,
    passwordHash: r.password_hash,
    totpSecret: r.totp_secret,
    totpPendingSecret: r.totp_pending_secret,
    totpLastStep: numOrNull(r.totp_last_step),
    failedLogins: num(r.failed_logins),
    lockedUntilMs: numOrNull(r.locked_until_ms),
    disabled: Boolean(r.disabled),
    createdAtMs: num(r.created_at_ms),
    lastLoginAtMs: numOrNull(r.last_login_at_ms),
  };
}

const USER_COLS = 'id, username, role, password_hash, totp_secret, totp_pending_secret, totp_last_step, failed_logins, locked_until_ms, disabled, created_at_ms, last_login_at_ms';
const userParams = (u: UserRecord): unknown[] => [
  u.id,
  u.username,
  u.role,
  u.passwordHash,
  u.totpSecret,
  u.totpPendingSecret,
  u.totpLastStep,
  u.failedLogins,
  u.lockedUntilMs,
  u.disabled,
  u.createdAtMs,
  u.lastLoginAtMs,
];

/**
 * Users, sessions, API tokens, recovery codes and sign-in attempts in the tables of migration 4,
 * one implementation for SQLite and PostgreSQL (the SQL is the common subset of both).
 */
export class SqlAuthRepository implements AuthRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async countUsers(): Promise<number> {
    const rows = await this.sql.all<{ n: number }>('SELECT COUNT(*) AS n FROM users');
    return num(rows[0]!.n);
  }

  async insertUser(user: UserRecord): Promise<boolean> {
    const changed = await this.sql.run(
      `INSERT INTO users (${USER_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING`,
      userParams(user),
    );
    return changed === 1;
  }

  async insertFirstUser(user: UserRecord): Promise<boolean> {
    // Two setup requests racing must not both create an admin: one statement under a table lock.
    const insert = (sql: SqlExecutor): Promise<number> =>
      sql.run(`INSERT INTO users (${USER_COLS}) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM users)`, userParams(user));
    const changed = this.sql.withTableLock ? await this.sql.withTableLock('users', insert) : await insert(this.sql);
    return changed === 1;
  }

  async updateUser(u: UserRecord): Promise<void> {
    await this.sql.run(
      `UPDATE users SET username = ?, role = ?, password_hash = ?, totp_secret = ?, totp_pending_secret = ?, totp_last_step = ?, failed_logins = ?,
        locked_until_ms = ?, disabled = ?, last_login_at_ms = ? WHERE id = ?`,
      [u.username, u.role, u.passwordHash, u.totpSecret, u.totpPendingSecret, u.totpLastStep, u.failedLogins, u.lockedUntilMs, u.disabled, u.lastLoginAtMs, u.id],
    );
  }

  async deleteUser(id: string): Promise<void> {
    await this.sql.run('DELETE FROM sessions WHERE user_id = ?', [id]);
    await this.sql.run('DELETE FROM recovery_codes WHERE user_id = ?', [id]);
    await this.sql.run('DELETE FROM users WHERE id = ?', [id]);
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const rows = await this.sql.all<UserRow>(`SELECT ${USER_COLS} FROM users WHERE id = ?`, [id]);
    return rows[0] ? toUser(rows[0]) : undefined;
  }

  async getUserByName(username: string): Promise<UserRecord | undefined> {
    const rows = await this.sql.all<UserRow>(`SELECT ${USER_COLS} FROM users WHERE username = ?`, [username]);
    return rows[0] ? toUser(rows[0]) : undefined;
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.sql.all<UserRow>(`SELECT ${USER_COLS} FROM users ORDER BY username`)).map(toUser);
  }

  async saveSession(s: SessionRecord): Promise<void> {
    await this.sql.run(
      `INSERT INTO sessions (id_hash, user_id, csrf_token, created_at_ms, expires_at_ms, last_seen_at_ms) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id_hash) DO UPDATE SET expires_at_ms = EXCLUDED.expires_at_ms, last_seen_at_ms = EXCLUDED.last_seen_at_ms`,
      [s.idHash, s.userId, s.csrfToken, s.createdAtMs, s.expiresAtMs, s.lastSeenAtMs],
    );
  }

  async getSession(idHash: string): Promise<SessionRecord | undefined> {
    const rows = await this.sql.all<Record<string, unknown>>('SELECT * FROM sessions WHERE id_hash = ?', [idHash]);
    const r = rows[0];
    if (!r) return undefined;
    return {
      idHash: String(r.id_hash),
      userId: String(r.user_id),
      csrfToken: String(r.csrf_token),
      createdAtMs: num(r.created_at_ms),
      expiresAtMs: num(r.expires_at_ms),
      lastSeenAtMs: num(r.last_seen_at_ms),
    };
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.sql.run('DELETE FROM sessions WHERE id_hash = ?', [idHash]);
  }

  async deleteUserSessions(userId: string): Promise<void> {
    await this.sql.run('DELETE FROM sessions WHERE user_id = ?', [userId]);
  }

  deleteExpiredSessions(nowMs: number): Promise<number> {
    return this.sql.run('DELETE FROM sessions WHERE expires_at_ms <= ?', [nowMs]);
  }

  async saveToken(t: ApiTokenRecord): Promise<void> {
    await this.sql.run(
      `INSERT INTO api_tokens (id, name, role, secret_hash, created_by, created_at_ms, last_used_at_ms, expires_at_ms, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET last_used_at_ms = EXCLUDED.last_used_at_ms, revoked = EXCLUDED.revoked`,
      [t.id, t.name, t.role, t.secretHash, t.createdBy, t.createdAtMs, t.lastUsedAtMs, t.expiresAtMs, t.revoked],
    );
  }

  async getToken(id: string): Promise<ApiTokenRecord | undefined> {
    const rows = await this.sql.all<Record<string, unknown>>('SELECT * FROM api_tokens WHERE id = ?', [id]);
    return rows[0] ? toToken(rows[0]) : undefined;
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    return (await this.sql.all<Record<string, unknown>>('SELECT * FROM api_tokens ORDER BY created_at_ms')).map(toToken);
  }

  async replaceRecoveryCodes(userId: string, codeHashes: readonly string[]): Promise<void> {
    await this.sql.run('DELETE FROM recovery_codes WHERE user_id = ?', [userId]);
    for (const h of codeHashes) await this.sql.run('INSERT INTO recovery_codes (user_id, code_hash, used_at_ms) VALUES (?, ?, NULL)', [userId, h]);
  }

  async listRecoveryCodes(userId: string): Promise<RecoveryCodeRecord[]> {
    const rows = await this.sql.all<Record<string, unknown>>('SELECT user_id, code_hash, used_at_ms FROM recovery_codes WHERE user_id = ?', [userId]);
    return rows.map((r) => ({ userId: String(r.user_id), codeHash: String(r.code_hash), usedAtMs: numOrNull(r.used_at_ms) }));
  }

  async markRecoveryCodeUsed(userId: string, codeHash: string, usedAtMs: number): Promise<boolean> {
    // The `used_at_ms IS NULL` condition makes a code single-use even under concurrent sign-ins.
    const n = await this.sql.run('UPDATE recovery_codes SET used_at_ms = ? WHERE user_id = ? AND code_hash = ? AND used_at_ms IS NULL', [usedAtMs, userId, codeHash]);
    return n === 1;
  }

  async recordLoginAttempt(a: LoginAttempt): Promise<void> {
    await this.sql.run('INSERT INTO login_attempts (ts_ms, username, ip, ok, reason) VALUES (?, ?, ?, ?, ?)', [a.tsMs, a.username, a.ip, a.ok, a.reason]);
  }

  async listLoginAttempts(query: { username?: string; fromMs?: number; limit?: number }): Promise<LoginAttempt[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.username !== undefined) {
      where.push('username = ?');
      params.push(query.username);
    }
    if (query.fromMs !== undefined) {
      where.push('ts_ms >= ?');
      params.push(query.fromMs);
    }
    params.push(query.limit ?? 1000);
    const rows = await this.sql.all<Record<string, unknown>>(
      `SELECT ts_ms, username, ip, ok, reason FROM login_attempts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ts_ms DESC LIMIT ?`,
      params,
    );
    return rows.map((r) => ({ tsMs: num(r.ts_ms), username: String(r.username), ip: String(r.ip), ok: Boolean(r.ok), reason: String(r.reason) }));
  }
}

function toToken(r: Record<string, unknown>): ApiTokenRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    role: r.role as Role,
    secretHash: String(r.secret_hash),
    createdBy: String(r.created_by),
    createdAtMs: num(r.created_at_ms),
    lastUsedAtMs: numOrNull(r.last_used_at_ms),
    expiresAtMs: numOrNull(r.expires_at_ms),
    revoked: Boolean(r.revoked),
  };
}

