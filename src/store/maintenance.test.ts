import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../config/index.js';
import { createLogger } from '../logging/index.js';
import { retentionPolicyFromConfig, startStoreMaintenance } from './maintenance.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

describe('store maintenance', () => {
  it('turns retention days into a policy', () => {
    expect(retentionPolicyFromConfig(DEFAULT_CONFIG, 1000)).toEqual({ nowMs: 1000, rawMaxAgeMs: 30 * 86_400_000, minuteMaxAgeMs: 365 * 86_400_000, hourMaxAgeMs: 3650 * 86_400_000 });
  });

  it('rolls up behind the clock and applies retention, and a failure does not escape', async () => {
    const store = await openSqliteStore({ file: ':memory:' });
    const T0 = Date.UTC(2026, 0, 5);
    await store.writeTelemetry([
      { machineId: 'm', tsMs: T0 - 40 * 86_400_000, values: { temperature: 1 } },
      { machineId: 'm', tsMs: T0, values: { temperature: 2 } },
    ]);
    const m = startStoreMaintenance({ store, config: DEFAULT_CONFIG, logger: createLogger({ level: 'silent', pretty: false }), nowMs: () => T0 + 3 * 60_000 });
    await m.runOnce();
    // The 40-day-old reading is past raw retention (30 d) but lives on in the roll-ups.
    expect((await store.stats()).telemetryRows).toBe(1);
    expect(await store.queryRollup({ machineId: 'm', sensor: 'temperature', resolution: '1m', fromMs: T0 - 41 * 86_400_000, toMs: T0 + 86_400_000 })).toEqual([
      { tsMs: T0 - 40 * 86_400_000, count: 1, min: 1, max: 1, mean: 1 },
      { tsMs: T0, count: 1, min: 2, max: 2, mean: 2 },
    ]);
    await store.close();
    await expect(m.runOnce()).resolves.toBeUndefined();
    await m.stop();
  });
});
