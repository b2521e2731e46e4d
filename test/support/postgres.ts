/**
 * Finds a PostgreSQL server for integration tests: PLANTWATCH_TEST_PG_URL; else, when
 * PLANTWATCH_REQUIRE_SERVICES is set (CI), a failure; else a throwaway cluster started with
 * initdb/pg_ctl from PATH or /usr/lib/postgresql/<version>/bin (not as root: postgres refuses);
 * else undefined with a printed reason, and the caller skips.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPostgres {
  url: string;
  /** Stops a cluster this helper started; a no-op for an external server. */
  stop(): void;
}

function findBin(name: string): string | undefined {
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const p = join(root, v, 'bin', name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function findTestPostgres(): Promise<TestPostgres | undefined> {
  const url = process.env.PLANTWATCH_TEST_PG_URL;
  if (url) return { url, stop: () => undefined };
  if (process.env.PLANTWATCH_REQUIRE_SERVICES) {
    throw new Error('PLANTWATCH_TEST_PG_URL is not set but PLANTWATCH_REQUIRE_SERVICES is: PostgreSQL tests must run, not skip');
  }
  const skip = (reason: string): undefined => {
    console.warn(`[skip] PostgreSQL tests: ${reason}. Set PLANTWATCH_TEST_PG_URL=postgres://user:pass@host:port/db to run them.`);
    return undefined;
  };
  if (process.getuid?.() === 0) return skip('PLANTWATCH_TEST_PG_URL is not set and a throwaway cluster cannot run as root');
  const initdb = findBin('initdb');
  const pgCtl = findBin('pg_ctl');
  if (!initdb || !pgCtl) return skip('PLANTWATCH_TEST_PG_URL is not set and initdb/pg_ctl are not installed');
  const dir = mkdtempSync(join(tmpdir(), 'plantwatch-pg-'));
  const data = join(dir, 'data');
  try {
    execFileSync(initdb, ['-D', data, '-A', 'trust', '-U', 'plantwatch'], { stdio: 'ignore' });
    const port = await freePort();
    execFileSync(pgCtl, ['-D', data, '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`, '-l', join(dir, 'log'), '-w', 'start'], { stdio: 'ignore' });
    return {
      url: `postgres://plantwatch@127.0.0.1:${port}/postgres`,
      stop: () => {
        spawnSync(pgCtl, ['-D', data, '-m', 'immediate', 'stop'], { stdio: 'ignore' });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return skip(`starting a throwaway cluster failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A schema name no other test file uses. */
export function randomSchema(prefix = 'pw_test'): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
}
