import { readFileSync } from 'node:fs';
import { ConfigError } from '../domain/index.js';
import { configSchema, DEFAULT_CONFIG, type Config } from './schema.js';

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object | null ? DeepPartial<NonNullable<T[K]>> | null : T[K] };

export interface LoadConfigOptions {
  /** JSON config file; also taken from PLANTWATCH_CONFIG. */
  file?: string;
  /** Usually `process.env`; only this module reads it (STYLE 5). */
  env?: NodeJS.ProcessEnv;
  /** Values from CLI flags: the highest precedence. */
  overrides?: DeepPartial<Config>;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isObject(v) && isObject(base[k]) ? merge(base[k] as Json, v) : v;
  }
  return out;
}

function deepFreeze<T>(obj: T): Readonly<T> {
  if (isObject(obj)) for (const v of Object.values(obj)) deepFreeze(v);
  return Object.freeze(obj);
}

const snake = (s: string): string => s.replace(/([A-Z])/g, '_$1').toUpperCase();

/** Environment variable names: `store.postgresUrl` -> `PLANTWATCH_STORE_POSTGRES_URL`. */
export function envVarNames(): Array<{ path: string[]; name: string; example: unknown }> {
  const out: Array<{ path: string[]; name: string; example: unknown }> = [];
  const walk = (node: Json, path: string[]): void => {
    for (const [k, v] of Object.entries(node)) {
      if (isObject(v)) walk(v, [...path, k]);
      else out.push({ path: [...path, k], name: `PLANTWATCH_${[...path, k].map(snake).join('_')}`, example: v });
    }
  };
  walk(DEFAULT_CONFIG as unknown as Json, []);
  return out;
}

function parseEnvValue(name: string, raw: string, example: unknown): unknown {
  if (typeof example === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigError('PW_ERR_CONFIG_ENV', `${name} must be a number, got "${raw}"`);
    return n;
  }
  if (typeof example === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new ConfigError('PW_ERR_CONFIG_ENV', `${name} must be true or false, got "${raw}"`);
  }
  return raw;
}

function fromEnv(env: NodeJS.ProcessEnv): Json {
  const out: Json = {};
  for (const { path, name, example } of envVarNames()) {
    const raw = env[name];
    if (raw === undefined) continue;
    let node = out;
    for (const seg of path.slice(0, -1)) node = (node[seg] ??= {}) as Json;
    node[path[path.length - 1]!] = parseEnvValue(name, raw, example);
  }
  return out;
}

function fromFile(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('PW_ERR_CONFIG_FILE', `cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('PW_ERR_CONFIG_FILE', `config file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isObject(parsed)) throw new ConfigError('PW_ERR_CONFIG_FILE', `config file ${file} must hold a JSON object`);
  return parsed;
}

/**
 * Loads the one frozen Config: defaults < file < PLANTWATCH_* env < overrides (flags).
 * Errors name the key, the value and the rule.
 * @example loadConfig({ env: process.env, overrides: { http: { port: 0 } } })
 */
export function loadConfig(options: LoadConfigOptions = {}): Readonly<Config> {
  const env = options.env ?? {};
  const file = options.file ?? env.PLANTWATCH_CONFIG;
  let merged: Json = structuredClone(DEFAULT_CONFIG) as unknown as Json;
  if (file) merged = merge(merged, fromFile(file));
  merged = merge(merged, fromEnv(env));
  if (options.overrides) merged = merge(merged, options.overrides as Json);
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((i) => {
      const key = i.path.join('.');
      let value: unknown = merged;
      for (const seg of i.path) value = isObject(value) ? value[seg as string] : undefined;
      return `${key || '(root)'}: ${i.message} (got ${JSON.stringify(value)})`;
    });
    throw new ConfigError('PW_ERR_CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, { details: { problems } });
  }
  const config = result.data;
  if (config.mqtt.mode === 'external' && !config.mqtt.url) {
    throw new ConfigError('PW_ERR_CONFIG_INVALID', 'invalid configuration: mqtt.url is required when mqtt.mode is "external" (got null)');
  }
  if (config.store.kind === 'postgres' && !config.store.postgresUrl) {
    throw new ConfigError('PW_ERR_CONFIG_INVALID', 'invalid configuration: store.postgresUrl is required when store.kind is "postgres" (got null)');
  }
  if (config.cluster.partition !== null) {
    // Workers share the broker (each its own subscriptions) and the database; a SQLite file or an
    // in-process broker cannot be shared between processes.
    if (config.mqtt.mode !== 'external') {
      throw new ConfigError('PW_ERR_CONFIG_INVALID', `invalid configuration: cluster.partition ${JSON.stringify(config.cluster.partition)} needs mqtt.mode "external" (got "${config.mqtt.mode}"): workers share one external broker`);
    }
    if (config.store.kind !== 'postgres') {
      throw new ConfigError('PW_ERR_CONFIG_INVALID', `invalid configuration: cluster.partition ${JSON.stringify(config.cluster.partition)} needs store.kind "postgres" (got "${config.store.kind}"): a SQLite file cannot be shared between worker processes`);
    }
  }
  return deepFreeze(config);
}
