import type { Command } from 'commander';
import { configFor, intOption } from '../shared-options.js';
import { startPlantwatch, type RunningPlantwatch } from '../../main.js';
import { sqliteFilePath } from '../../store/index.js';
import { runUntilSignal } from '../run-until-signal.js';

/** What a person starting plantwatch needs to know: where everything is. */
function banner(app: RunningPlantwatch): string {
  const { config, plant } = app;
  const storeLine = config.store.kind === 'sqlite' ? `SQLite ${sqliteFilePath(config)}` : 'PostgreSQL (store.postgresUrl)';
  const lines = [
    'plantwatch is running',
    `  store:     ${storeLine}`,
    `  MQTT:      ${app.mqttUrl} (${config.mqtt.mode}); telemetry on plantwatch/${plant.id}/<area>/<machine>/telemetry`,
    app.httpUrl ? `  HTTP:      ${app.httpUrl}  console at /, API docs at /docs, metrics at /metrics, health at /healthz` : '  HTTP:      disabled',
    app.simulator
      ? `  simulator: ${plant.machines.length} machines in ${plant.areas.length} areas, a reading every ${config.simulator.tickMs} ms`
      : '  simulator: off (waiting for a real plant)',
    'Press Ctrl-C to stop.',
  ];
  return `${lines.join('\n')}\n`;
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run plantwatch in one process: broker, simulated plant, ingestion, storage, detection, response, console')
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
      process.stderr.write(banner(app));
      await runUntilSignal(app);
    });
}
