/** Migration 4's tables; the DDL differs between dialects only in integer and boolean types. */
export function authMigrationSql(dialect: 'sqlite' | 'postgres'): string {
  const big = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const bool = dialect === 'sqlite' ? 'INTEGER' : 'BOOLEAN';
  const serial = dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY';
  return `
CREATE TABLE users (
  id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, role TEXT NOT NULL, password_hash TEXT NOT NULL,
  totp_secret TEXT, totp_pending_secret TEXT, totp_last_step ${big}, failed_logins INTEGER NOT NULL,
  locked_until_ms ${big}, disabled ${bool} NOT NULL, created_at_ms ${big} NOT NULL, last_login_at_ms ${big}
);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, csrf_token TEXT NOT NULL,
  created_at_ms ${big} NOT NULL, expires_at_ms ${big} NOT NULL, last_seen_at_ms ${big} NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, secret_hash TEXT NOT NULL, created_by TEXT NOT NULL,
  created_at_ms ${big} NOT NULL, last_used_at_ms ${big}, expires_at_ms ${big}, revoked ${bool} NOT NULL
);
CREATE TABLE recovery_codes (
  user_id TEXT NOT NULL, code_hash TEXT NOT NULL, used_at_ms ${big}, PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE login_attempts (
  id ${serial}, ts_ms ${big} NOT NULL, username TEXT NOT NULL, ip TEXT NOT NULL, ok ${bool} NOT NULL, reason TEXT NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts (username, ts_ms);
`;
}
