import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { IClientOptions } from 'mqtt';
import { buildApp } from './api/index.js';
import type { Config } from './config/index.js';
import { buildPlant, type Plant } from './domain/index.js';
import { startIngestion, type RunningIngestion } from './ingest/index.js';
import { createLogger, type Logger } from './logging/index.js';
import { RealtimePlantSimulator } from './simulate/index.js';
import { createStore, sqliteFilePath, startStoreMaintenance, type Store } from './store/index.js';

/** How often the running process logs its counters. */
export const STATUS_INTERVAL_MS = 60_000;

export interface RunningPlantwatch {
  logger: Logger;
  config: Readonly<Config>;
  plant: Plant;
  store: Store;
  ingestion: RunningIngestion;
  /** The URL publishers connect to (the embedded broker's, or the external one). */
  mqttUrl: string;
  /** `http://host:port` of the API, when enabled. */
  httpUrl: string | undefined;
  simulator: RealtimePlantSimulator | undefined;
  /** Stops everything in reverse order of start; safe to call twice. */
  stop(): Promise<void>;
}

function mqttClientOptions(config: Readonly<Config>): IClientOptions {
  if (config.mqtt.mode === 'embedded') return { protocolVersion: config.mqtt.protocolVersion };
  return {
    protocolVersion: config.mqtt.protocolVersion,
    ...(config.mqtt.username ? { username: config.mqtt.username } : {}),
    ...(config.mqtt.password ? { password: config.mqtt.password } : {}),
    ...(config.mqtt.caFile ? { ca: readFileSync(config.mqtt.caFile) } : {}),
  };
}

/**
 * Composition root (STYLE 1, 2): picks the concrete adapters from the config, wires them, and
 * returns a handle that stops them in reverse order. Fails fast at start-up (STYLE 4): whatever
 * was started before a failure is stopped before the error is rethrown.
 */
export async function startPlantwatch(config: Readonly<Config>, rootLogger?: Logger): Promise<RunningPlantwatch> {
  const logger = rootLogger ?? createLogger(config.log);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    while (stops.length > 0) {
      const stop = stops.pop()!;
      try {
        await stop();
      } catch (err) {
        logger.error({ err }, 'shutdown step failed');
      }
    }
  };

  try {
    const store = await createStore(config, logger);
    stops.push(() => store.close());
    // Roll-ups and retention (SPEC 3) run in the background; failures are logged and retried.
    const maintenance = startStoreMaintenance({ store, config, logger });
    stops.push(() => maintenance.stop());
    const plant = buildPlant({ machineCount: config.plant.machineCount, plantId: config.plant.id });
    await store.savePlant(plant);
    logger.info({ store: store.kind, ...(store.kind === 'sqlite' ? { file: sqliteFilePath(config) } : {}) }, 'store ready');

    const ingestion = await startIngestion({ config, store, plant, logger });
    stops.push(() => ingestion.stop());
    const mqttUrl = ingestion.broker?.url ?? config.mqtt.url!;
    logger.info({ url: mqttUrl, mode: config.mqtt.mode, topics: `plantwatch/${plant.id}/<area>/<machine>/telemetry` }, 'MQTT ready');

    let httpUrl: string | undefined;
    if (config.http.enabled) {
      const app: FastifyInstance = await buildApp({
        logger,
        bodyLimitBytes: config.http.bodyLimitBytes,
        ingestor: ingestion.ingestor,
        health: () => ({ ingest: ingestion.counters(), simulator: simulator?.counters }),
      });
      stops.push(() => app.close());
      await app.listen({ host: config.http.host, port: config.http.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.http.port;
      httpUrl = `http://${config.http.host}:${port}`;
      logger.info({ url: httpUrl, health: `${httpUrl}/healthz`, ingest: `${httpUrl}/api/v1/telemetry` }, 'HTTP API ready');
    }

    let simulator: RealtimePlantSimulator | undefined;
    if (config.simulator.enabled) {
      simulator = new RealtimePlantSimulator({
        plant,
        url: mqttUrl,
        seed: config.simulator.seed,
        tickMs: config.simulator.tickMs,
        faultsPerDay: config.simulator.faultsPerMachineDay,
        mqttOptions: mqttClientOptions(config),
        logger,
        onFaultLabel: (label) => {
          // Ground truth is kept so that detections can be scored against it later.
          store.writeFaultLabels([label]).catch((err: unknown) => logger.error({ err, label }, 'could not store a fault label'));
        },
      });
      const sim = simulator;
      stops.push(() => sim.stop());
      await sim.start();
      logger.info({ machines: plant.machines.length, areas: plant.areas.length, tickMs: config.simulator.tickMs }, 'simulated plant publishing');
    }

    const statusTimer = setInterval(() => {
      logger.info({ ingest: ingestion.counters(), simulator: simulator?.counters }, 'status');
    }, STATUS_INTERVAL_MS);
    statusTimer.unref();
    stops.push(async () => clearInterval(statusTimer));

    let stopping: Promise<void> | undefined;
    return {
      logger,
      config,
      plant,
      store,
      ingestion,
      mqttUrl,
      httpUrl,
      simulator,
      stop() {
        stopping ??= stopAll().then(() => logger.info('plantwatch stopped'));
        return stopping;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
