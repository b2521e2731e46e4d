import { z } from 'zod';
import { MAX_MACHINES, tryParsePartition } from '../domain/index.js';

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
    auth: z.object({
      /** Require sign-in (sessions or API tokens) on the API and console. Off only for isolated test rigs. */
      enabled: z.boolean(),
      /** Session lifetime after the last request. */
      sessionTtlMs: positiveMs,
      /** Consecutive failed sign-ins before a lock-out. */
      maxFailedLogins: z.number().int().min(1).max(100),
      /** Lock-out length. */
      lockoutMs: positiveMs,
      /** Failed sign-ins per client address per minute before 429. */
      loginRatePerMinute: z.number().int().min(1).max(10_000),
      /** Secure cookie flag: `auto` sets it when the request came over TLS (x-forwarded-proto https behind a proxy). */
      secureCookies: z.enum(['auto', 'always', 'never']),
      /** MQTT clients of the embedded broker must present an API token as the password. */
      mqtt: z.boolean(),
    }),
    backup: z.object({
      /** Folder for backups; relative paths are inside dataDir. Any mounted path works (SPEC 3). */
      dir: z.string().min(1),
      /** File holding the 32-byte key (64 hex chars or 32 raw bytes); wins over the passphrase. */
      keyFile: z.string().nullable(),
      /** Passphrase turned into a key by scrypt (PLANTWATCH_BACKUP_PASSPHRASE). */
      passphrase: z.string().min(12, 'at least 12 characters').nullable(),
      /** Backups kept; older ones are deleted after a successful new one. */
      keep: z.number().int().min(1).max(10_000),
      /** Run one backup a day at `dailyAtHourUtc` while the service runs (needs a key or passphrase). */
      daily: z.boolean(),
      dailyAtHourUtc: z.number().int().min(0).max(23),
    }),
    detect: z.object({
      /** Run the streaming detector on live telemetry. */
      enabled: z.boolean(),
      /** With no active model for a machine type at start: train a small one on a short simulated history, in the background. */
      trainOnStart: z.boolean(),
      /** Hours of simulated normal history per machine type for that start-up model. */
      startupHistoryHours: z.number().positive().max(24 * 30),
      /** Preset of the start-up model (tiny trains in seconds; `plantwatch train` uses small). */
      startupPreset: z.enum(['paper', 'small', 'tiny']),
      /** Rows per input window of the streaming models. */
      windowSize: z.number().int().min(1).max(500),
      /** How often the registry is checked for a newly activated model. */
      modelPollMs: positiveMs,
      /** Longest a reading waits to be batched with other machines' readings. */
      maxBatchDelayMs: z.number().int().min(0).max(10_000),
    }),
    cluster: z.object({
      /**
       * Scale-out (issue 5 item 7): `i/n` makes this process worker i of n, owning the machines whose
       * id hashes into partition i (see domain/partition.ts); null = one process owns every machine.
       * Needs mqtt.mode "external" and store.kind "postgres" (what the workers share).
       */
      partition: z
        .string()
        .superRefine((text, ctx) => {
          const parsed = tryParsePartition(text);
          if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `must be ${parsed.reason}` });
        })
        .nullable(),
    }),
    respond: z.object({
      /** Rules file (JSON/YAML, respond's rules schema); null = paper Table 8 defaults. Relative paths are inside dataDir. */
      rulesFile: z.string().min(1).nullable(),
      /** Decide and audit everything; send no command and no notification. */
      dryRun: z.boolean(),
      /**
       * Off-delay (ISA-18.2): an alert clears only after its score stayed below the clear level this
       * long (reading time). Shorter delays let a condition hovering at its threshold chatter.
       */
      clearDelayMs: z.number().int().min(0).max(24 * 3_600_000),
      /** Webhook for notifications (Slack/Teams-compatible JSON POST); null = none. */
      webhookUrl: z.string().url().nullable(),
      /** SMTP for e-mail notifications; null = none. */
      smtp: z
        .object({
          host: z.string().min(1),
          port: z.number().int().min(1).max(65_535),
          from: z.string().min(3),
          to: z.array(z.string().min(3)).min(1),
          username: z.string().nullable(),
          password: z.string().nullable(),
        })
        .nullable(),
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
  auth: { enabled: true, sessionTtlMs: 8 * 3_600_000, maxFailedLogins: 5, lockoutMs: 15 * 60_000, loginRatePerMinute: 20, secureCookies: 'auto', mqtt: false },
  backup: { dir: 'backups', keyFile: null, passphrase: null, keep: 7, daily: true, dailyAtHourUtc: 2 },
  detect: { enabled: true, trainOnStart: true, startupHistoryHours: 3, startupPreset: 'tiny', windowSize: 20, modelPollMs: 5_000, maxBatchDelayMs: 10 },
  cluster: { partition: null },
  respond: { rulesFile: null, dryRun: false, clearDelayMs: 10 * 60_000, webhookUrl: null, smtp: null },
};
