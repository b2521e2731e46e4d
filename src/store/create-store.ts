import { mkdirSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { StoreError } from '../domain/index.js';
import type { Logger } from '../logging/index.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** Where the SQLite file of a config lives: `store.sqliteFile`, relative paths inside `dataDir`. */
export function sqliteFilePath(config: Readonly<Config>): string {
  const file = config.store.sqliteFile;
  return file === ':memory:' || isAbsolute(file) ? file : resolve(config.dataDir, file);
}

/**
 * The store the configuration asks for, migrated and ready (only main.ts and cli/ call this).
 * @example const store = await createStore(config, logger); // SQLite under ./data by default
 */
export async function createStore(config: Readonly<Config>, logger: Logger): Promise<Store> {
  if (config.store.kind === 'postgres') {
    if (!config.store.postgresUrl) {
      throw new StoreError('PW_ERR_STORE_CONFIG', 'store.kind is "postgres" but store.postgresUrl is not set (PLANTWATCH_STORE_POSTGRES_URL)');
    }
    return openPostgresStore({ url: config.store.postgresUrl, logger });
  }
  const file = sqliteFilePath(config);
  if (file !== ':memory:') {
    try {
      mkdirSync(resolve(config.dataDir), { recursive: true });
      mkdirSync(resolve(file, '..'), { recursive: true });
    } catch (err) {
      throw new StoreError('PW_ERR_STORE_OPEN', `cannot create the data directory for "${file}": ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  return openSqliteStore({ file, logger });
}
