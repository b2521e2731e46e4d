export type {
  Store,
  TelemetryQuery,
  SeriesQuery,
  RollupQuery,
  LabelQuery,
  DeadLetterQuery,
  WriteResult,
  RetentionPolicy,
  RetentionResult,
  StoreStats,
} from './store.js';
export {
  openSqliteStore,
  SqliteStore,
  type SqliteStoreOptions,
  DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
  DEFAULT_SQLITE_CACHE_KIB,
  BULK_SQLITE_CACHE_KIB,
  ROLLUP_STEP_MS,
  DEFAULT_SQLITE_WAL_AUTOCHECKPOINT_PAGES,
} from './sqlite/sqlite-store.js';
export {
  openPostgresStore,
  PostgresStore,
  type PostgresStoreOptions,
  DEFAULT_POSTGRES_POOL_SIZE,
  DEFAULT_POSTGRES_CONNECT_TIMEOUT_MS,
  redactUrl,
} from './postgres/postgres-store.js';
export { createStore, sqliteFilePath } from './create-store.js';
export {
  startStoreMaintenance,
  retentionPolicyFromConfig,
  type StoreMaintenance,
  type StoreMaintenanceOptions,
  DEFAULT_ROLLUP_EVERY_MS,
  DEFAULT_ROLLUP_LAG_MS,
  DEFAULT_RETENTION_EVERY_MS,
} from './maintenance.js';
export { SQLITE_MIGRATIONS } from './migrations/sqlite.js';
export { POSTGRES_MIGRATIONS } from './migrations/postgres.js';
export type { Migration } from './migrations/migration.js';
export {
  auditTarget,
  DEFAULT_ALERT_LIMIT,
  DEFAULT_ACTION_LIMIT,
  DEFAULT_AUDIT_LIMIT,
  type StoreRespondRepositories,
  type StoreAlertQuery,
  type StoreActionQuery,
  type StoreAuditQuery,
  type ModelRegistry,
  type RegisteredModel,
  type NewModel,
} from './records/types.js';
export { SqlAuthRepository, sqliteExecutor, postgresExecutor, type SqlExecutor } from './auth/sql-auth-repository.js';
