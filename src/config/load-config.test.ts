import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../domain/index.js';
import { DEFAULT_CONFIG, loadConfig } from './index.js';

function tempFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pw-config-')), 'config.json');
  writeFileSync(file, content);
  return file;
}

function expectConfigError(fn: () => unknown, code: string, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe(code);
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('returns the defaults, deep-frozen', () => {
    const config = loadConfig({ env: {} });
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.store.retention)).toBe(true);
  });

  it('applies defaults < file < env < overrides', () => {
    const file = tempFile(JSON.stringify({ http: { port: 9000, host: '0.0.0.0' }, plant: { machineCount: 10 } }));
    const config = loadConfig({
      file,
      env: { PLANTWATCH_HTTP_PORT: '9100', PLANTWATCH_LOG_PRETTY: 'true', PLANTWATCH_STORE_RETENTION_RAW_DAYS: '7' },
      overrides: { http: { port: 9200 } },
    });
    expect(config.http.port).toBe(9200);
    expect(config.http.host).toBe('0.0.0.0');
    expect(config.plant.machineCount).toBe(10);
    expect(config.log.pretty).toBe(true);
    expect(config.store.retention.rawDays).toBe(7);
    expect(config.store.retention.minuteDays).toBe(DEFAULT_CONFIG.store.retention.minuteDays);
  });

  it('reads the file named by PLANTWATCH_CONFIG', () => {
    const file = tempFile(JSON.stringify({ dataDir: '/var/lib/plantwatch' }));
    expect(loadConfig({ env: { PLANTWATCH_CONFIG: file } }).dataDir).toBe('/var/lib/plantwatch');
  });

  it('names the key, the value and the rule of a bad value', () => {
    expectConfigError(() => loadConfig({ env: {}, overrides: { http: { port: 70000 } } }), 'PW_ERR_CONFIG_INVALID', /http\.port.*70000/);
    expectConfigError(() => loadConfig({ env: {}, overrides: { mqtt: { url: 'http://broker' } } }), 'PW_ERR_CONFIG_INVALID', /mqtt\.url.*mqtt:\/\/.*"http:\/\/broker"/);
  });

  it('refuses unknown keys in the file', () => {
    const file = tempFile(JSON.stringify({ htp: { port: 1 } }));
    expectConfigError(() => loadConfig({ file, env: {} }), 'PW_ERR_CONFIG_INVALID', /htp/);
  });

  it('refuses env values of the wrong type, naming the variable', () => {
    expectConfigError(() => loadConfig({ env: { PLANTWATCH_HTTP_PORT: 'eighty' } }), 'PW_ERR_CONFIG_ENV', /PLANTWATCH_HTTP_PORT must be a number, got "eighty"/);
    expectConfigError(() => loadConfig({ env: { PLANTWATCH_SIMULATOR_ENABLED: 'maybe' } }), 'PW_ERR_CONFIG_ENV', /PLANTWATCH_SIMULATOR_ENABLED must be true or false/);
  });

  it('refuses a missing or broken file', () => {
    expectConfigError(() => loadConfig({ file: '/nonexistent/plantwatch.json', env: {} }), 'PW_ERR_CONFIG_FILE', /cannot read config file \/nonexistent/);
    expectConfigError(() => loadConfig({ file: tempFile('{not json'), env: {} }), 'PW_ERR_CONFIG_FILE', /not valid JSON/);
  });

  it('requires the URLs of external services it is told to use', () => {
    expectConfigError(() => loadConfig({ env: { PLANTWATCH_MQTT_MODE: 'external' } }), 'PW_ERR_CONFIG_INVALID', /mqtt\.url is required/);
    expectConfigError(() => loadConfig({ env: { PLANTWATCH_STORE_KIND: 'postgres' } }), 'PW_ERR_CONFIG_INVALID', /store\.postgresUrl is required/);
  });
  it('takes cluster.partition from PLANTWATCH_CLUSTER_PARTITION and checks its rule and what it needs', () => {
    const shared = { PLANTWATCH_MQTT_MODE: 'external', PLANTWATCH_MQTT_URL: 'mqtt://broker:1883', PLANTWATCH_STORE_KIND: 'postgres', PLANTWATCH_STORE_POSTGRES_URL: 'postgres://u:p@db/pw' };
    expect(loadConfig({ env: { ...shared, PLANTWATCH_CLUSTER_PARTITION: '2/3' } }).cluster.partition).toBe('2/3');
    expect(loadConfig({ env: shared, overrides: { cluster: { partition: '1/1' } } }).cluster.partition).toBe('1/1');
    expectConfigError(
      () => loadConfig({ env: { ...shared, PLANTWATCH_CLUSTER_PARTITION: '4/3' } }),
      'PW_ERR_CONFIG_INVALID',
      /^invalid configuration: cluster\.partition: must be i\/n with whole numbers 1 <= i <= n <= 1024 \(e\.g\. 2\/3\); i = 4 is outside 1\.\.3 \(got "4\/3"\)$/,
    );
    expectConfigError(
      () => loadConfig({ env: { ...shared, PLANTWATCH_STORE_KIND: 'sqlite', PLANTWATCH_CLUSTER_PARTITION: '1/2' } }),
      'PW_ERR_CONFIG_INVALID',
      /^invalid configuration: cluster\.partition "1\/2" needs store\.kind "postgres" \(got "sqlite"\): a SQLite file cannot be shared between worker processes$/,
    );
    expectConfigError(
      () => loadConfig({ env: { PLANTWATCH_CLUSTER_PARTITION: '1/2' } }),
      'PW_ERR_CONFIG_INVALID',
      /^invalid configuration: cluster\.partition "1\/2" needs mqtt\.mode "external" \(got "embedded"\): workers share one external broker$/,
    );
  });
});
