import { SENSOR_COLUMNS } from '../columns.js';
import { authMigrationSql } from '../auth/auth-schema.js';
import { checkMigrations, type Migration } from './migration.js';

const sensorValues = SENSOR_COLUMNS.map((s) => `${s} DOUBLE PRECISION`).join(',\n  ');
const rollupColumns = SENSOR_COLUMNS.map((s) => `${s}_n INTEGER NOT NULL, ${s}_min DOUBLE PRECISION, ${s}_max DOUBLE PRECISION, ${s}_sum DOUBLE PRECISION`).join(
  ',\n  ',
);

/** PostgreSQL schema, oldest first. Never edit a released migration; add the next one. */
export const POSTGRES_MIGRATIONS: readonly Migration[] = checkMigrations([
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE plants (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE areas (
  plant_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, position INTEGER NOT NULL,
  PRIMARY KEY (plant_id, id)
);
CREATE TABLE machines (
  id TEXT PRIMARY KEY, plant_id TEXT NOT NULL, area_id TEXT NOT NULL, type TEXT NOT NULL,
  criticality TEXT NOT NULL, sensors TEXT NOT NULL, position INTEGER NOT NULL
);
CREATE INDEX machines_plant ON machines (plant_id, position);
CREATE TABLE machine_keys (mid SERIAL PRIMARY KEY, machine_id TEXT NOT NULL UNIQUE);
-- mask: which sensor keys the reading carried (null vs absent).
CREATE TABLE telemetry (
  mid INTEGER NOT NULL, ts_ms BIGINT NOT NULL, seq BIGINT, mask SMALLINT NOT NULL,
  ${sensorValues},
  PRIMARY KEY (mid, ts_ms)
);
CREATE TABLE rollup_1m (
  mid INTEGER NOT NULL, bucket_ms BIGINT NOT NULL,
  ${rollupColumns},
  PRIMARY KEY (mid, bucket_ms)
);
CREATE TABLE rollup_1h (
  mid INTEGER NOT NULL, bucket_ms BIGINT NOT NULL,
  ${rollupColumns},
  PRIMARY KEY (mid, bucket_ms)
);
CREATE TABLE rollup_state (
  resolution TEXT PRIMARY KEY, watermark_ms BIGINT, dirty_from_ms BIGINT, horizon_ms BIGINT
);
INSERT INTO rollup_state (resolution) VALUES ('1m'), ('1h');
CREATE TABLE fault_labels (
  id TEXT PRIMARY KEY, machine_id TEXT NOT NULL, type TEXT NOT NULL, sensors TEXT NOT NULL,
  start_ms BIGINT NOT NULL, end_ms BIGINT NOT NULL, severity DOUBLE PRECISION NOT NULL
);
CREATE INDEX fault_labels_machine ON fault_labels (machine_id, start_ms);
CREATE INDEX fault_labels_start ON fault_labels (start_ms);
CREATE TABLE dead_letters (
  id BIGSERIAL PRIMARY KEY, source TEXT NOT NULL, origin TEXT NOT NULL,
  received_at_ms BIGINT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL, payload TEXT NOT NULL,
  machine_id TEXT
);
CREATE INDEX dead_letters_received ON dead_letters (received_at_ms);
CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`,
  },
  {
    version: 2,
    name: 'telemetry row count (SQLite only)',
    // SQLite's v2 adds a row counter; PostgreSQL's stats() does not need it. Kept so versions match.
    sql: 'SELECT 1',
  },
  {
    version: 3,
    name: 'alerts, actions, audit log, model registry',
    sql: `
CREATE TABLE alerts (
  id TEXT PRIMARY KEY, machine_id TEXT NOT NULL, area_id TEXT NOT NULL, type TEXT NOT NULL, state TEXT NOT NULL,
  raised_at_ms BIGINT NOT NULL, body JSONB NOT NULL
);
CREATE INDEX alerts_raised ON alerts (raised_at_ms);
CREATE INDEX alerts_machine ON alerts (machine_id, raised_at_ms);
CREATE INDEX alerts_state ON alerts (state);
CREATE TABLE alert_transitions (
  seq BIGSERIAL PRIMARY KEY, alert_id TEXT NOT NULL, ts_ms BIGINT NOT NULL, body JSONB NOT NULL
);
CREATE INDEX alert_transitions_alert ON alert_transitions (alert_id, seq);
CREATE TABLE actions (
  id TEXT PRIMARY KEY, seq BIGSERIAL, alert_id TEXT NOT NULL, machine_id TEXT NOT NULL, status TEXT NOT NULL,
  decided_at_ms BIGINT NOT NULL, body JSONB NOT NULL
);
CREATE INDEX actions_alert ON actions (alert_id);
CREATE INDEX actions_decided ON actions (decided_at_ms);
CREATE TABLE audit_log (
  seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, ts_ms BIGINT NOT NULL, category TEXT NOT NULL,
  actor TEXT NOT NULL, action TEXT, target TEXT, outcome TEXT NOT NULL,
  alert_id TEXT, action_id TEXT, rule_id TEXT, machine_id TEXT, details JSONB NOT NULL
);
CREATE INDEX audit_log_ts ON audit_log (ts_ms);
CREATE INDEX audit_log_alert ON audit_log (alert_id);
CREATE INDEX audit_log_category ON audit_log (category, ts_ms);
CREATE TABLE models (
  id TEXT PRIMARY KEY, machine_type TEXT NOT NULL, version INTEGER NOT NULL, preset TEXT NOT NULL, engine TEXT NOT NULL,
  data_from_ms BIGINT, data_to_ms BIGINT, metrics JSONB NOT NULL, blob BYTEA, path TEXT,
  created_at_ms BIGINT NOT NULL, active BOOLEAN NOT NULL DEFAULT FALSE, activated_at_ms BIGINT,
  UNIQUE (machine_type, version)
);
CREATE INDEX models_type ON models (machine_type, active);
`,
  },
  {
    version: 4,
    name: 'users, sessions, API tokens, recovery codes, sign-in attempts',
    sql: authMigrationSql('postgres'),
  },
]);
