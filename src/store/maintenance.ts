import type { Config } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import type { RetentionPolicy, Store } from './store.js';

const DAY_MS = 86_400_000;

/** Retention of `config.store.retention` (days) as a policy at `nowMs`. */
export function retentionPolicyFromConfig(config: Readonly<Config>, nowMs: number): RetentionPolicy {
  const r = config.store.retention;
  return { nowMs, rawMaxAgeMs: r.rawDays * DAY_MS, minuteMaxAgeMs: r.minuteDays * DAY_MS, hourMaxAgeMs: r.hourDays * DAY_MS };
}

export const DEFAULT_ROLLUP_EVERY_MS = 60_000;
/** Roll up only buckets this far behind the clock, so readings still in flight are not late data. */
export const DEFAULT_ROLLUP_LAG_MS = 2 * 60_000;
export const DEFAULT_RETENTION_EVERY_MS = 6 * 3_600_000;

export interface StoreMaintenanceOptions {
  store: Store;
  config: Readonly<Config>;
  logger: Logger;
  /** Default {@link DEFAULT_ROLLUP_EVERY_MS}. */
  rollupEveryMs?: number;
  /** Default {@link DEFAULT_ROLLUP_LAG_MS}. */
  rollupLagMs?: number;
  /** Default {@link DEFAULT_RETENTION_EVERY_MS}. */
  retentionEveryMs?: number;
  /** Clock, for tests. Default Date.now. */
  nowMs?: () => number;
}

export interface StoreMaintenance {
  /** Runs one roll-up (and retention when it is due) now; resolves when done. */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Periodic roll-ups and retention for a long-running process. A failure is logged and retried on
 * the next tick; it never throws into the caller (STYLE 4: nothing stops the stream).
 * @example const m = startStoreMaintenance({ store, config, logger }); ...; await m.stop();
 */
export function startStoreMaintenance(options: StoreMaintenanceOptions): StoreMaintenance {
  const log = options.logger.child({ component: 'store-maintenance' });
  const now = options.nowMs ?? Date.now;
  const lagMs = options.rollupLagMs ?? DEFAULT_ROLLUP_LAG_MS;
  const retentionEveryMs = options.retentionEveryMs ?? DEFAULT_RETENTION_EVERY_MS;
  let lastRetentionMs = Number.NEGATIVE_INFINITY;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const tick = async (): Promise<void> => {
    try {
      const t = now();
      if (t - lastRetentionMs >= retentionEveryMs) {
        const result = await options.store.applyRetention(retentionPolicyFromConfig(options.config, t));
        lastRetentionMs = t;
        log.info(result, 'retention done');
      }
      await options.store.rollUp(t - lagMs);
    } catch (err) {
      log.error({ err }, 'store maintenance failed; retrying on the next tick');
    }
  };
  const runOnce = (): Promise<void> => {
    running = running.then(tick);
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) void runOnce();
  }, options.rollupEveryMs ?? DEFAULT_ROLLUP_EVERY_MS);
  timer.unref();
  return {
    runOnce,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
