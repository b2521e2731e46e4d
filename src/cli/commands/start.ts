import type { Command } from 'commander';
import { configFor, intOption } from '../shared-options.js';
import { startPlantwatch } from '../../main.js';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run plantwatch: broker, simulated plant, ingestion and storage in one process')
    .option('--port <port>', 'HTTP port', intOption('--port'))
    .option('--mqtt-port <port>', 'embedded MQTT broker port', intOption('--mqtt-port'))
    .option('--machines <n>', 'machines in the simulated plant', intOption('--machines'))
    .option('--tick-ms <ms>', 'simulator interval between readings', intOption('--tick-ms'))
    .option('--no-simulator', 'do not run the simulated plant')
    .action(async function (this: Command, opts: { port?: number; mqttPort?: number; machines?: number; tickMs?: number; simulator: boolean }) {
      const config = configFor(this, {
        http: { port: opts.port },
        mqtt: { port: opts.mqttPort },
        plant: { machineCount: opts.machines },
        simulator: { tickMs: opts.tickMs, ...(opts.simulator === false ? { enabled: false } : {}) },
      });
      const app = await startPlantwatch(config);
      await new Promise<void>((resolve) => {
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
    });
}
