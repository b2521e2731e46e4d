import type { Config } from './config/index.js';
import { createLogger, type Logger } from './logging/index.js';

export interface RunningPlantwatch {
  logger: Logger;
  stop(): Promise<void>;
}

/**
 * Composition root (STYLE 1, 2): picks the concrete adapters from the config and wires them.
 */
export async function startPlantwatch(config: Readonly<Config>): Promise<RunningPlantwatch> {
  const logger = createLogger(config.log);
  logger.info({ dataDir: config.dataDir }, 'plantwatch starting');
  return {
    logger,
    async stop() {
      logger.info('plantwatch stopped');
    },
  };
}
