import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import type { Config } from '../config/index.js';
import { BackupError, NotFoundError } from '../domain/index.js';
import type { Logger } from '../logging/index.js';
import { sqliteFilePath } from '../store/index.js';
import { decryptStream, encryptStream, type BackupHeader, type BackupKeySource } from './crypto-format.js';
import { exportPostgres, restorePostgres, searchPath } from './postgres-dump.js';

export const BACKUP_EXTENSION = '.pwbk';
export const DEFAULT_BACKUP_KEEP = 7;

/** What is backed up: the SQLite file, or a PostgreSQL database. */
export type BackupTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema?: string };

export interface BackupManagerOptions {
  target: BackupTarget;
  /** Folder for backup files (created if missing); any mounted path. */
  dir: string;
  key: BackupKeySource;
  /** Backups kept after a new one succeeds. Default {@link DEFAULT_BACKUP_KEEP}. */
  keep?: number;
  logger: Logger;
}

export interface BackupInfo {
  name: string;
  path: string;
  sizeBytes: number;
  createdAtMs: number;
}

export interface VerifyResult {
  name: string;
  payload: BackupHeader['payload'];
  schemaVersion: number;
  createdAtMs: number;
  plainBytes: number;
  chunks: number;
}

/** The backup target and key from the config; the key is absent when neither keyFile nor passphrase is set. */
export function backupOptionsFromConfig(config: Readonly<Config>, logger: Logger): Omit<BackupManagerOptions, 'key'> & { key: BackupKeySource | undefined } {
  const dir = isAbsolute(config.backup.dir) ? config.backup.dir : resolve(config.dataDir, config.backup.dir);
  const target: BackupTarget =
    config.store.kind === 'postgres' ? { kind: 'postgres', url: config.store.postgresUrl ?? '' } : { kind: 'sqlite', file: sqliteFilePath(config) };
  const key: BackupKeySource | undefined = config.backup.keyFile ? { keyFile: config.backup.keyFile } : config.backup.passphrase ? { passphrase: config.backup.passphrase } : undefined;
  return { target, dir, key, keep: config.backup.keep, logger };
}

async function schemaVersionOf(target: BackupTarget): Promise<number> {
  if (target.kind === 'sqlite') {
    const db = new Database(target.file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT COALESCE(MAX(version), 0) FROM schema_migrations').pluck().get() as number;
    } finally {
      db.close();
    }
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: target.url, ...searchPath(target.schema) });
  await client.connect();
  try {
    return Number((await client.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations')).rows[0]!.v);
  } finally {
    await client.end();
  }
}

/**
 * Encrypted backups (SPEC 3): create (SQLite online backup or PostgreSQL logical export, streamed
 * through AES-256-GCM), verify, restore, retention, and a daily schedule.
 * @example const m = new BackupManager({ target: { kind: 'sqlite', file }, dir, key: { keyFile }, logger });
 * const info = await m.create(); await m.verify(info.name);
 */
export class BackupManager {
  private readonly log: Logger;
  private readonly keep: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: BackupManagerOptions) {
    this.log = options.logger.child({ component: 'backup' });
    this.keep = options.keep ?? DEFAULT_BACKUP_KEEP;
    if (!Number.isInteger(this.keep) || this.keep < 1) throw new BackupError('PW_ERR_BACKUP_CONFIG', `backup.keep must be a positive integer, got ${String(this.keep)}`);
  }

  get dir(): string {
    return this.options.dir;
  }

  async list(): Promise<BackupInfo[]> {
    let names: string[];
    try {
      names = await readdir(this.options.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: BackupInfo[] = [];
    for (const name of names.filter((n) => n.endsWith(BACKUP_EXTENSION))) {
      const s = await stat(join(this.options.dir, name));
      out.push({ name, path: join(this.options.dir, name), sizeBytes: s.size, createdAtMs: s.mtimeMs });
    }
    // Names carry a sortable UTC time stamp.
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Makes one backup now; one at a time (a second call waits for the first). Applies retention after success. */
  create(): Promise<BackupInfo> {
    const next = this.running.catch(() => undefined).then(() => this.createNow());
    this.running = next;
    return next;
  }

  private async createNow(): Promise<BackupInfo> {
    const started = Date.now();
    const { target, dir, key } = this.options;
    await mkdir(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.(\d+)Z$/, '$1Z');
    const name = `plantwatch-${target.kind}-${stamp}${BACKUP_EXTENSION}`;
    const path = join(dir, name);
    const partial = `${path}.partial`;
    const schemaVersion = await schemaVersionOf(target);
    let tmpDb: string | undefined;
    try {
      let plaintext: AsyncIterable<Buffer | string>;
      if (target.kind === 'sqlite') {
        // better-sqlite3's online backup: a consistent copy while the service keeps writing.
        tmpDb = `${path}.sqlite-tmp`;
        const db = new Database(target.file, { fileMustExist: true });
        try {
          await db.backup(tmpDb);
        } finally {
          db.close();
        }
        plaintext = createReadStream(tmpDb);
      } else {
        plaintext = exportPostgres(target.url, target.schema);
      }
      await pipeline(Readable.from(encryptStream(plaintext, key, { payload: target.kind === 'sqlite' ? 'sqlite-file' : 'postgres-ndjson', schemaVersion })), createWriteStream(partial, { mode: 0o600 }));
      await rename(partial, path);
    } catch (err) {
      await rm(partial, { force: true });
      throw err instanceof BackupError ? err : new BackupError('PW_ERR_BACKUP_CREATE', `backup of ${target.kind} failed: ${(err as Error).message}`, 500, { cause: err });
    } finally {
      if (tmpDb) await rm(tmpDb, { force: true });
    }
    const s = await stat(path);
    this.log.info({ name, bytes: s.size, ms: Date.now() - started }, 'backup created');
    await this.applyRetention();
    return { name, path, sizeBytes: s.size, createdAtMs: s.mtimeMs };
  }

  /** Deletes the oldest backups beyond `keep`; returns the names deleted. */
  async applyRetention(): Promise<string[]> {
    const all = await this.list();
    const drop = all.slice(0, Math.max(0, all.length - this.keep));
    for (const b of drop) await rm(b.path, { force: true });
    if (drop.length > 0) this.log.info({ deleted: drop.map((b) => b.name), kept: this.keep }, 'old backups deleted');
    return drop.map((b) => b.name);
  }

  /** A name inside the backup folder, or a path to any backup file. */
  resolvePath(nameOrPath: string): string {
    return nameOrPath.includes('/') ? resolve(nameOrPath) : join(this.options.dir, basename(nameOrPath));
  }

  /** Decrypts the whole file and checks every chunk (and for SQLite, the database's integrity). */
  async verify(nameOrPath: string, key: BackupKeySource = this.options.key): Promise<VerifyResult> {
    const path = this.resolvePath(nameOrPath);
    await this.mustExist(path);
    let header: BackupHeader | undefined;
    let plainBytes = 0;
    let chunks = 0;
    for await (const chunk of decryptStream(createReadStream(path), key, basename(path), (h) => (header = h))) {
      plainBytes += chunk.length;
      chunks++;
    }
    return { name: basename(path), payload: header!.payload, schemaVersion: header!.schemaVersion, createdAtMs: header!.createdAtMs, plainBytes, chunks };
  }

  private async mustExist(path: string): Promise<void> {
    try {
      await stat(path);
    } catch {
      throw new NotFoundError('PW_ERR_NOT_FOUND_BACKUP', `no backup file "${path}"`);
    }
  }

  /**
   * Restores a backup into `target` (default: this manager's). SQLite: decrypted beside the target,
   * checked (integrity_check), then renamed over it; stop plantwatch first. PostgreSQL: every table
   * replaced in one transaction. Nothing is changed unless the whole file authenticates.
   */
  async restore(nameOrPath: string, target: BackupTarget = this.options.target, key: BackupKeySource = this.options.key): Promise<{ target: string; rows?: number }> {
    const path = this.resolvePath(nameOrPath);
    await this.mustExist(path);
    // First pass authenticates everything, so a tampered tail cannot leave a half-restored database.
    const checked = await this.verify(path, key);
    if (target.kind === 'sqlite') {
      if (checked.payload !== 'sqlite-file') throw new BackupError('PW_ERR_BACKUP_KIND', `"${basename(path)}" is a ${checked.payload} backup; restore it into PostgreSQL`, 400);
      const tmp = `${target.file}.restore-tmp`;
      await rm(tmp, { force: true });
      await pipeline(Readable.from(decryptStream(createReadStream(path), key, basename(path))), createWriteStream(tmp, { mode: 0o600 }));
      const db = new Database(tmp, { fileMustExist: true });
      try {
        const ok = db.pragma('integrity_check', { simple: true });
        if (ok !== 'ok') throw new BackupError('PW_ERR_BACKUP_CORRUPT', `the restored database fails integrity_check: ${String(ok)}`);
      } catch (err) {
        db.close();
        await rm(tmp, { force: true });
        throw err;
      }
      db.close();
      await rm(`${target.file}-wal`, { force: true });
      await rm(`${target.file}-shm`, { force: true });
      await rename(tmp, target.file);
      this.log.info({ from: basename(path), to: target.file }, 'SQLite restored');
      return { target: target.file };
    }
    if (checked.payload !== 'postgres-ndjson') throw new BackupError('PW_ERR_BACKUP_KIND', `"${basename(path)}" is a ${checked.payload} backup; restore it into SQLite`, 400);
    const result = await restorePostgres(target.url, decryptStream(createReadStream(path), key, basename(path)), checked.schemaVersion, target.schema);
    this.log.info({ from: basename(path), tables: result.tables, rows: result.rows }, 'PostgreSQL restored');
    return { target: 'postgres', rows: result.rows };
  }

  /** Runs {@link create} every day at `hourUtc`; failures are logged (error) and retried the next day. */
  startDaily(hourUtc: number): void {
    this.stopDaily();
    const schedule = (): void => {
      const now = new Date();
      const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hourUtc);
      const delay = (next > now.getTime() ? next : next + 86_400_000) - now.getTime();
      this.timer = setTimeout(() => {
        this.create().catch((err: unknown) => this.log.error({ err }, 'daily backup failed'));
        schedule();
      }, delay);
      this.timer.unref();
    };
    schedule();
  }

  stopDaily(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Waits for a running backup, stops the schedule. */
  async close(): Promise<void> {
    this.stopDaily();
    await this.running.catch(() => undefined);
  }
}
