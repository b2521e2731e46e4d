import { z } from 'zod';
import { MAX_MACHINES } from '../domain/index.js';

const port = z.number().int().min(0).max(65535);
const positiveMs = z.number().int().positive();

/** The one configuration schema (STYLE 5). Every field has a default in {@link DEFAULT_CONFIG}. */
export const configSchema = z
  .object({
    /** Folder for the SQLite file, backups and models. */
    dataDir: z.string().min(1),
    log: z.object({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
      /** Human-readable logs instead of JSON lines. */
      pretty: z.boolean(),
    }),
    plant: z.object({
      id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
      machineCount: z.number().int().min(1).max(MAX_MACHINES),
    }),
    simulator: z.object({
      /** Run the simulated plant inside the process (the default when no real plant is connected). */
      enabled: z.boolean(),
      seed: z.number().int(),
      /** Interval between telemetry messages of one machine (paper 3.4: 5 s). */
      tickMs: positiveMs,
      /** Expected process faults per machine per day. */
      faultsPerMachineDay: z.number().min(0).max(100),
    }),
    mqtt: z.object({
      /** `embedded` runs an aedes broker in-process; `external` connects to `url`. */
      mode: z.enum(['embedded', 'external']),
      /** Embedded broker listen address. */
      host: z.string(),
      port,
      /** External broker URL: mqtt://, mqtts://, ws://, wss://. */
      url: z.string().regex(/^(mqtts?|wss?):\/\//, 'a URL starting with mqtt://, mqtts://, ws:// or wss://').nullable(),
      username: z.string().nullable(),
      password: z.string().nullable(),
      /** PEM file of the CA that signed the broker's certificate (mqtts). */
      caFile: z.string().nullable(),
      /** 3.1.1 = 4, 5 = 5. */
      protocolVersion: z.union([z.literal(4), z.literal(5)]),
    }),
    http: z.object({
      enabled: z.boolean(),
      host: z.string(),
      port,
      /** Largest accepted request body. */
      bodyLimitBytes: z.number().int().min(1024),
    }),
    store: z.object({
      kind: z.enum(['sqlite', 'postgres']),
      /** SQLite file; relative paths are inside dataDir. */
      sqliteFile: z.string().min(1),
      postgresUrl: z.string().regex(/^postgres(ql)?:\/\//, 'a URL starting with postgres://').nullable(),
      /** Readings per write transaction. */
      batchSize: z.number().int().min(1).max(100_000),
      /** Longest a reading waits in the write buffer. */
      flushIntervalMs: positiveMs,
      retention: z.object({
        rawDays: z.number().positive(),
        minuteDays: z.number().positive(),
        hourDays: z.number().positive(),
      }),
    }),
    ingest: z.object({
      /** Largest accepted MQTT or HTTP payload per message. */
      maxPayloadBytes: z.number().int().min(256),
      /** Readings stamped further ahead of the server clock are refused. */
      maxFutureMs: positiveMs,
      /** Readings older than this are refused on live ingestion (CSV import of history is exempt). */
      maxAgeMs: positiveMs,
    }),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

export const DEFAULT_CONFIG: Config = {
  dataDir: './data',
  log: { level: 'info', pretty: false },
  plant: { id: 'plant-1', machineCount: 95 },
  simulator: { enabled: true, seed: 1, tickMs: 5000, faultsPerMachineDay: 0.5 },
  mqtt: { mode: 'embedded', host: '127.0.0.1', port: 1883, url: null, username: null, password: null, caFile: null, protocolVersion: 4 },
  http: { enabled: true, host: '127.0.0.1', port: 8080, bodyLimitBytes: 10 * 1024 * 1024 },
  store: {
    kind: 'sqlite',
    sqliteFile: 'plantwatch.db',
    postgresUrl: null,
    batchSize: 2000,
    flushIntervalMs: 50,
    retention: { rawDays: 30, minuteDays: 365, hourDays: 3650 },
  },
  ingest: { maxPayloadBytes: 64 * 1024, maxFutureMs: 5 * 60_000, maxAgeMs: 7 * 24 * 3_600_000 },
};
