import type { Command } from 'commander';
import type { Config, DeepPartial } from '../../config/index.js';
import { ConfigError, formatPartition } from '../../domain/index.js';
import type { Logger } from '../../logging/index.js';
import { startPlantwatch, type RunningPlantwatch, type StartPlantwatchOptions } from '../../main.js';
import { configFor, intOption } from '../shared-options.js';
import { runUntilSignal } from '../run-until-signal.js';

/** Flags of `plantwatch worker`. */
export interface WorkerFlags {
  /** `i/n`: this worker's partition (else cluster.partition / PLANTWATCH_CLUSTER_PARTITION). */
  partition?: string;
  /** Serve the HTTP API and console too. Default false: workers only ingest, detect and respond. */
  http?: boolean;
  /** HTTP port when `http` is set (each worker on a machine needs its own). */
  port?: number;
  /** Machines of the plant (must be the same on every worker). */
  machines?: number;
}

/** What a worker's flags change in the configuration: its partition, no simulator, HTTP only when asked. */
export function workerOverrides(flags: WorkerFlags): DeepPartial<Config> {
  return {
    ...(flags.partition !== undefined ? { cluster: { partition: flags.partition } } : {}),
    simulator: { enabled: false },
    http: { enabled: flags.http === true, port: flags.port },
    plant: { machineCount: flags.machines },
  };
}

/**
 * Starts one scale-out worker (issue 5 item 7): the same composition as `plantwatch start`, for the
 * machines of its partition only, against the shared external broker and PostgreSQL (loadConfig
 * refuses a partition with the embedded broker or SQLite).
 * @example const app = await startWorker(configFor(cmd, workerOverrides({ partition: '1/2' })));
 */
export async function startWorker(config: Readonly<Config>, logger?: Logger, options: StartPlantwatchOptions = {}): Promise<RunningPlantwatch> {
  if (config.cluster.partition === null) {
    throw new ConfigError('PW_ERR_CONFIG_INVALID', 'invalid configuration: plantwatch worker needs cluster.partition (--partition i/n or PLANTWATCH_CLUSTER_PARTITION), got null');
  }
  if (config.simulator.enabled) {
    throw new ConfigError('PW_ERR_CONFIG_INVALID', 'invalid configuration: a worker runs no simulator (simulator.enabled must be false, got true)');
  }
  return startPlantwatch(config, logger, options);
}

function banner(app: RunningPlantwatch): string {
  const { plant, partition } = app;
  const lines = [
    `plantwatch worker ${partition ? formatPartition(partition) : '?'} is running`,
    `  machines:  ${app.ownedMachines.length} of the plant's ${plant.machines.length}`,
    `  MQTT:      ${app.mqttUrl} (external), one QoS 1 subscription per owned machine`,
    '  store:     PostgreSQL (store.postgresUrl)',
    app.httpUrl ? `  HTTP:      ${app.httpUrl}` : '  HTTP:      disabled (--http to serve the API and console)',
    'Press Ctrl-C to stop.',
  ];
  return `${lines.join('\n')}\n`;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run one scale-out worker: ingestion, detection and response for the machines of its partition (external broker and PostgreSQL)')
    .option('--partition <i/n>', 'this worker is partition i of n (1 <= i <= n), e.g. 2/3')
    .option('--http', 'serve the HTTP API and console too (off by default)')
    .option('--port <port>', 'HTTP port with --http', intOption('--port'))
    .option('--machines <n>', 'machines of the plant (the same on every worker)', intOption('--machines'))
    .action(async function (this: Command, opts: WorkerFlags) {
      const app = await startWorker(configFor(this, workerOverrides(opts)));
      process.stderr.write(banner(app));
      await runUntilSignal(app);
    });
}
