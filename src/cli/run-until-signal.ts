import type { RunningPlantwatch } from '../main.js';

/**
 * Keeps a started plantwatch (start or worker) running until SIGINT or SIGTERM, then stops it;
 * a failed shutdown is logged and sets exit code 1.
 */
export function runUntilSignal(app: Pick<RunningPlantwatch, 'logger' | 'stop'>): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      app.logger.info({ signal }, 'shutting down');
      app.stop().then(resolve, (err: unknown) => {
        app.logger.error({ err }, 'shutdown failed');
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
