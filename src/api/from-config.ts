import { AuthService } from '../auth/index.js';
import { BackupManager, backupOptionsFromConfig } from '../backup/index.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import type { Store } from '../store/index.js';
import { registerConsole } from '../web/index.js';
import type { BuildAppOptions } from './app.js';

/** How often expired sessions are deleted. */
export const SESSION_PRUNE_EVERY_MS = 3_600_000;

export interface ConsoleServices {
  /** Spread into buildApp: auth, secure-cookie policy, backups and the web console. */
  appOptions: Pick<BuildAppOptions, 'auth' | 'secureCookies' | 'backups' | 'console'>;
  auth: AuthService | undefined;
  backups: BackupManager | undefined;
  /** Stops the daily backup schedule and waits for a running backup. */
  close(): Promise<void>;
}

/**
 * Access control, backups (with the daily schedule) and the console from the config, for main.ts.
 * Without `backup.keyFile` or `backup.passphrase` there are no backups (logged as a warning): a
 * backup is never written unencrypted.
 * @example const services = await consoleServicesFromConfig(config, store, logger); await buildApp({ ...services.appOptions, ... });
 */
export async function consoleServicesFromConfig(config: Readonly<Config>, store: Store, logger: Logger): Promise<ConsoleServices> {
  const log = logger.child({ component: 'console' });
  const auth = config.auth.enabled
    ? new AuthService({
        repository: store.authRepository(),
        logger,
        audit: store.respondRepositories().audit,
        sessionTtlMs: config.auth.sessionTtlMs,
        maxFailedLogins: config.auth.maxFailedLogins,
        lockoutMs: config.auth.lockoutMs,
        loginRatePerMinute: config.auth.loginRatePerMinute,
      })
    : undefined;
  if (!auth) log.warn('auth.enabled is false: the API and console are open to anyone who can reach them');
  else if (await auth.needsSetup()) log.warn('no users yet: open the console to create the admin (first-run setup), or run `plantwatch user create <name> --role admin`');
  const { key, ...rest } = backupOptionsFromConfig(config, logger);
  const backups = key ? new BackupManager({ ...rest, key }) : undefined;
  if (!backups) log.warn('no backup key (backup.keyFile or PLANTWATCH_BACKUP_PASSPHRASE): scheduled backups are off');
  else if (config.backup.daily) backups.startDaily(config.backup.dailyAtHourUtc);
  // Expired sessions are refused on use anyway; this keeps the table small.
  const pruneTimer = auth ? setInterval(() => auth.prune().catch((err: unknown) => log.error({ err }, 'could not prune expired sessions')), SESSION_PRUNE_EVERY_MS) : undefined;
  pruneTimer?.unref();
  return {
    appOptions: { auth, secureCookies: config.auth.secureCookies, backups, console: registerConsole },
    auth,
    backups,
    close: async () => {
      clearInterval(pruneTimer);
      await backups?.close();
    },
  };
}
