import { SENSOR_COLUMNS } from '../columns.js';
import { authMigrationSql } from '../auth/auth-schema.js';
import { checkMigrations, type Migration } from './migration.js';

const sensorValues = SENSOR_COLUMNS.map((s) => `${s} REAL`).join(',\n  ');
const rollupColumns = SENSOR_COLUMNS.map((s) => `${s}_n INTEGER NOT NULL, ${s}_min REAL, ${s}_max REAL, ${s}_sum REAL`).join(',\n  ');

/** SQLite schema, oldest first. Never edit a released migration; add the next one. */
export const SQLITE_MIGRATIONS: readonly Migration[] = checkMigrations([
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
-- Small integer keys for machine ids keep telemetry rows and their B-tree short.
CREATE TABLE machine_keys (mid INTEGER PRIMARY KEY, machine_id TEXT NOT NULL UNIQUE);
-- mask: which sensor keys the reading carried; raw_mask: values stored unscaled (see value-codec.ts).
CREATE TABLE telemetry (
  mid INTEGER NOT NULL, ts_ms INTEGER NOT NULL, seq INTEGER, mask INTEGER NOT NULL, raw_mask INTEGER NOT NULL,
  ${sensorValues},
  PRIMARY KEY (mid, ts_ms)
) WITHOUT ROWID;
CREATE TABLE rollup_1m (
  mid INTEGER NOT NULL, bucket_ms INTEGER NOT NULL,
  ${rollupColumns},
  PRIMARY KEY (mid, bucket_ms)
) WITHOUT ROWID;
CREATE TABLE rollup_1h (
  mid INTEGER NOT NULL, bucket_ms INTEGER NOT NULL,
  ${rollupColumns},
  PRIMARY KEY (mid, bucket_ms)
) WITHOUT ROWID;
-- watermark_ms: buckets before it are computed; dirty_from_ms: readings written below the watermark
-- since; horizon_ms: the source rows below it were deleted by retention (never recompute there).
CREATE TABLE rollup_state (
  resolution TEXT PRIMARY KEY, watermark_ms INTEGER, dirty_from_ms INTEGER, horizon_ms INTEGER
);
INSERT INTO rollup_state (resolution) VALUES ('1m'), ('1h');
CREATE TABLE fault_labels (
  id TEXT PRIMARY KEY, machine_id TEXT NOT NULL, type TEXT NOT NULL, sensors TEXT NOT NULL,
  start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, severity REAL NOT NULL
);
CREATE INDEX fault_labels_machine ON fault_labels (machine_id, start_ms);
CREATE INDEX fault_labels_start ON fault_labels (start_ms);
CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, origin TEXT NOT NULL,
  received_at_ms INTEGER NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL, payload TEXT NOT NULL,
  machine_id TEXT
);
CREATE INDEX dead_letters_received ON dead_letters (received_at_ms);
CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`,
  },
  {
    version: 2,
    name: 'telemetry row count',
    // COUNT(*) walks the whole table (a second per ten million rows) on the one thread that also
    // ingests; a counter kept in the writing transactions answers stats() at once.
    sql: `
CREATE TABLE row_counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
INSERT INTO row_counts (name, n) SELECT 'telemetry', COUNT(*) FROM telemetry;
`,
  },
  {
    version: 3,
    name: 'alerts, actions, audit log, model registry',
    // Alerts and actions keep their full record as JSON (the domain shape evolves without a
    // migration) plus the columns the queries filter and sort on.
    sql: `
CREATE TABLE alerts (
  id TEXT PRIMARY KEY, machine_id TEXT NOT NULL, area_id TEXT NOT NULL, type TEXT NOT NULL, state TEXT NOT NULL,
  raised_at_ms INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE INDEX alerts_raised ON alerts (raised_at_ms);
CREATE INDEX alerts_machine ON alerts (machine_id, raised_at_ms);
CREATE INDEX alerts_state ON alerts (state);
CREATE TABLE alert_transitions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, alert_id TEXT NOT NULL, ts_ms INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE INDEX alert_transitions_alert ON alert_transitions (alert_id, seq);
CREATE TABLE actions (
  id TEXT PRIMARY KEY, seq INTEGER NOT NULL, alert_id TEXT NOT NULL, machine_id TEXT NOT NULL, status TEXT NOT NULL,
  decided_at_ms INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE INDEX actions_alert ON actions (alert_id);
CREATE INDEX actions_decided ON actions (decided_at_ms);
-- Generic and append-only: the responder's decisions and the API's sign-ins share it.
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, ts_ms INTEGER NOT NULL, category TEXT NOT NULL,
  actor TEXT NOT NULL, action TEXT, target TEXT, outcome TEXT NOT NULL,
  alert_id TEXT, action_id TEXT, rule_id TEXT, machine_id TEXT, details TEXT NOT NULL
);
CREATE INDEX audit_log_ts ON audit_log (ts_ms);
CREATE INDEX audit_log_alert ON audit_log (alert_id);
CREATE INDEX audit_log_category ON audit_log (category, ts_ms);
-- Trained forecasters; one active per machine type. blob holds the saved model (saved-model.ts JSON).
CREATE TABLE models (
  id TEXT PRIMARY KEY, machine_type TEXT NOT NULL, version INTEGER NOT NULL, preset TEXT NOT NULL, engine TEXT NOT NULL,
  data_from_ms INTEGER, data_to_ms INTEGER, metrics TEXT NOT NULL, blob BLOB, path TEXT,
  created_at_ms INTEGER NOT NULL, active INTEGER NOT NULL DEFAULT 0, activated_at_ms INTEGER,
  UNIQUE (machine_type, version)
);
CREATE INDEX models_type ON models (machine_type, active);
`,
  },
  {
    version: 4,
    name: 'users, sessions, API tokens, recovery codes, sign-in attempts',
    sql: authMigrationSql('sqlite'),
  },
]);
