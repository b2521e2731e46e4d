import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { isAbsolute, join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { buildApp, consoleServicesFromConfig } from './api/index.js';
import { MQTT_INTERNAL_USERNAME, mqttAuthenticateHook } from './auth/index.js';
import type { Config } from './config/index.js';
import { StreamingDetector } from './detect/index.js';
import {
  buildPlant,
  channelFilter,
  ConfigError,
  formatPartition,
  machinesOfPartition,
  machineTopics,
  ownsMachine,
  parsePartition,
  parseTopic,
  type MachineStatus,
  type Partition,
  type Plant,
  type Telemetry,
} from './domain/index.js';
import { metricsRoute, PlantMetrics } from './metrics/index.js';
import { createResponder, loadRulesFile, MqttCommandDispatcher, SmtpNotifier, WebhookNotifier, type Notifier, type Responder } from './respond/index.js';
import { DEFAULT_SUBSCRIBE_BATCH_SIZE, startEmbeddedBroker, startIngestion, type EmbeddedBroker, type RunningIngestion } from './ingest/index.js';
import { createLogger, type Logger } from './logging/index.js';
import { RealtimePlantSimulator } from './simulate/index.js';
import { trainStartupModels } from './training/index.js';
import { createStore, sqliteFilePath, startStoreMaintenance, type Store, type StoreRespondRepositories } from './store/index.js';

/** How often the running process logs its counters. */
export const STATUS_INTERVAL_MS = 60_000;
/**
 * Readings committed while the detector is still starting are kept for it, up to this many (a
 * restarted worker's persistent session delivers its backlog at once); beyond, they are only stored.
 */
export const MAX_STARTUP_BACKLOG = 200_000;

export interface StartPlantwatchOptions {
  /** Also called with every committed reading, from the first one on (embedders, tests). */
  onTelemetry?: (telemetry: Telemetry) => void;
}

export interface RunningPlantwatch {
  logger: Logger;
  config: Readonly<Config>;
  plant: Plant;
  /** This worker's partition (cluster.partition); undefined when one process owns every machine. */
  partition: Partition | undefined;
  /** The machines this process ingests, scores and answers for (all of the plant's without a partition). */
  ownedMachines: Plant['machines'];
  store: Store;
  ingestion: RunningIngestion;
  /** The URL publishers connect to (the embedded broker's, or the external one). */
  mqttUrl: string;
  /** `http://host:port` of the API, when enabled. */
  httpUrl: string | undefined;
  simulator: RealtimePlantSimulator | undefined;
  /** The streaming detector (events: scored, anomaly, normal, model); undefined when detect.enabled is false. */
  detector: StreamingDetector | undefined;
  /** Alerts, rules, actions, audit (events: alert, action, notification). */
  responder: Responder;
  /** Prometheus metrics (also served at GET /metrics). */
  metrics: PlantMetrics;
  /** Resolves when start-up model training has finished (or at once when none was needed). */
  startupTraining: Promise<void>;
  /** Stops everything in reverse order of start; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Options of plantwatch's own MQTT clients (simulator, command dispatcher). On the embedded broker
 * with `auth.mqtt` on they present a per-process secret that the broker's hook accepts.
 */
function mqttClientOptions(config: Readonly<Config>, internalPassword?: string): IClientOptions {
  if (config.mqtt.mode === 'embedded') {
    return { protocolVersion: config.mqtt.protocolVersion, ...(internalPassword ? { username: MQTT_INTERNAL_USERNAME, password: internalPassword } : {}) };
  }
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
export async function startPlantwatch(config: Readonly<Config>, rootLogger?: Logger, options: StartPlantwatchOptions = {}): Promise<RunningPlantwatch> {
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
    // Scale-out (issue 5 item 7): every worker saves the whole plant (the store serialises
    // concurrent saves) but ingests, scores and answers only for the machines of its partition.
    const partition = config.cluster.partition === null ? undefined : parsePartition(config.cluster.partition);
    const ownedPlant: Plant = partition ? { ...plant, machines: machinesOfPartition(plant.machines, partition) } : plant;
    if (partition) {
      logger.info({ partition: formatPartition(partition), machines: ownedPlant.machines.length, plantMachines: plant.machines.length }, 'scale-out worker: owns a partition of the machines');
      if (ownedPlant.machines.length === 0) {
        throw new ConfigError('PW_ERR_CONFIG_INVALID', `invalid configuration: cluster.partition ${formatPartition(partition)} owns none of the plant's ${plant.machines.length} machines; use fewer partitions`);
      }
    }
    await store.savePlant(plant);
    logger.info({ store: store.kind, ...(store.kind === 'sqlite' ? { file: sqliteFilePath(config) } : {}) }, 'store ready');

    // Access control, backups and the web console (issue 6); sign-in also guards the embedded broker.
    const services = config.http.enabled || config.auth.mqtt ? await consoleServicesFromConfig(config, store, logger) : undefined;
    if (services) stops.push(() => services.close());

    // With `auth.mqtt` the embedded broker checks every client before ingestion sees a message.
    let internalMqttPassword: string | undefined;
    let broker: EmbeddedBroker | undefined;
    if (config.mqtt.mode === 'embedded' && config.auth.mqtt) {
      if (!services?.auth) throw new ConfigError('PW_ERR_CONFIG_INVALID', 'invalid configuration: auth.mqtt needs auth.enabled (got auth.enabled false)');
      internalMqttPassword = randomBytes(24).toString('base64url');
      const started = await startEmbeddedBroker({ host: config.mqtt.host, port: config.mqtt.port, logger });
      broker = started;
      stops.push(() => started.close());
      started.broker.authenticate = mqttAuthenticateHook(services.auth, { internalPassword: internalMqttPassword });
      logger.info('embedded MQTT broker requires credentials (an API token as the password)');
    }
    // Readings committed before the detector is wired (a session's backlog) wait for it in order.
    const backlog: Telemetry[] = [];
    let backlogDropped = 0;
    let deliver = (t: Telemetry): void => {
      if (backlog.length < MAX_STARTUP_BACKLOG) backlog.push(t);
      else backlogDropped++;
    };
    const ingestion = await startIngestion({ config, store, plant, logger, onTelemetry: (t) => deliver(t), ...(broker ? { broker } : {}), ...(partition ? { partition } : {}) });
    stops.push(() => ingestion.stop());
    const mqttUrl = (broker ?? ingestion.broker)?.url ?? config.mqtt.url!;
    logger.info({ url: mqttUrl, mode: config.mqtt.mode, topics: `plantwatch/${plant.id}/<area>/<machine>/telemetry` }, 'MQTT ready');

    // The live loop (SPEC 6, 7): detector -> responder -> commands over MQTT, all stages timed.
    const loop = await startLoop(config, logger, store, plant, ownedPlant, partition, mqttUrl, mqttClientOptions(config, internalMqttPassword), stops);
    const { responder, detector } = loop;
    const extra = options.onTelemetry;
    deliver = (t) => {
      detector?.ingest(t);
      extra?.(t);
    };
    for (const t of backlog.splice(0)) deliver(t);
    if (backlogDropped > 0) logger.warn({ dropped: backlogDropped, kept: MAX_STARTUP_BACKLOG }, 'readings stored during start-up but not scored: backlog too long');
    const metricSources = { ingest: () => ingestion.counters(), detector: () => detector?.counters ?? emptyDetectorCounters, openAlerts: () => responder.listOpenAlerts().length };
    const plantMetrics = new PlantMetrics(metricSources);
    wireMetrics(plantMetrics, responder, detector);

    let httpUrl: string | undefined;
    if (config.http.enabled) {
      const app: FastifyInstance = await buildApp({
        logger,
        ...services!.appOptions,
        responder,
        detector,
        store,
        plant,
        bodyLimitBytes: config.http.bodyLimitBytes,
        ingestor: ingestion.ingestor,
        health: () => ({ ingest: ingestion.counters(), simulator: simulator?.counters, detector: detector?.counters, models: detector?.activeModels() }),
      });
      await app.register(metricsRoute, { metrics: plantMetrics });
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
        mqttOptions: mqttClientOptions(config, internalMqttPassword),
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

    // No active model for a machine type: train a small one in the background (SPEC 5, issue 5).
    const training = new AbortController();
    stops.push(async () => training.abort());
    let startupTraining: Promise<void> = Promise.resolve();
    // Workers share the model registry: only partition 1 trains start-up models, the others pick
    // them up when activated (detect.modelPollMs).
    if (detector && config.detect.trainOnStart && (!partition || partition.index === 1)) {
      startupTraining = trainStartupModels({
        store,
        plant,
        logger,
        hours: config.detect.startupHistoryHours,
        preset: config.detect.startupPreset,
        windowSize: config.detect.windowSize,
        tickMs: config.simulator.tickMs,
        signal: training.signal,
        onActivated: () => void detector.pollModels(),
      }).then(
        () => undefined,
        (err: unknown) => logger.error({ err }, 'start-up model training failed; the detector waits for `plantwatch train`'),
      );
      const pending = startupTraining;
      stops.push(() => pending);
    }

    const statusTimer = setInterval(() => {
      logger.info({ ingest: ingestion.counters(), simulator: simulator?.counters, detector: detector?.counters, openAlerts: responder.listOpenAlerts().length }, 'status');
    }, STATUS_INTERVAL_MS);
    statusTimer.unref();
    stops.push(async () => clearInterval(statusTimer));

    let stopping: Promise<void> | undefined;
    return {
      logger,
      config,
      plant,
      partition,
      ownedMachines: ownedPlant.machines,
      store,
      ingestion,
      mqttUrl,
      httpUrl,
      simulator,
      detector,
      responder,
      metrics: plantMetrics,
      startupTraining,
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

const emptyDetectorCounters = { queued: 0, readings: 0, scored: 0, anomalies: 0, dataQualityEvents: 0, unscored: 0 };

function dataPath(config: Readonly<Config>, p: string): string {
  return isAbsolute(p) ? p : join(config.dataDir, p);
}

/** Notifiers from the config: webhook and SMTP when set (the console channel is built into the responder). */
function notifiersFrom(config: Readonly<Config>): Notifier[] {
  const out: Notifier[] = [];
  if (config.respond.webhookUrl) out.push(new WebhookNotifier({ defaultUrl: config.respond.webhookUrl }));
  const smtp = config.respond.smtp;
  if (smtp) {
    const to = [...smtp.to];
    out.push(
      new SmtpNotifier({
        host: smtp.host,
        port: smtp.port,
        from: smtp.from,
        ...(smtp.username && smtp.password ? { auth: { user: smtp.username, pass: smtp.password } } : {}),
        recipientsByTeam: { maintenance: to, it: to, technical: to, operations: to },
      }),
    );
  }
  return out;
}

interface Loop {
  responder: Responder;
  detector: StreamingDetector | undefined;
  commandClient: MqttClient;
}

/**
 * The responder's repositories for a worker: open alerts of other partitions' machines are not
 * reloaded on start, so a worker never clears, unshelves or escalates another worker's alerts.
 * Area-wide flood alerts (`area:<id>`) belong to the partition their key hashes into.
 */
function partitionRepositories(repos: StoreRespondRepositories, partition: Partition): StoreRespondRepositories {
  const alerts = repos.alerts;
  return {
    ...repos,
    alerts: {
      saveAlert: (a) => alerts.saveAlert(a),
      getAlert: (id) => alerts.getAlert(id),
      listOpenAlerts: async () => (await alerts.listOpenAlerts()).filter((a) => ownsMachine(partition, a.machineId)),
      listAlerts: (q) => alerts.listAlerts(q),
      addTransition: (t) => alerts.addTransition(t),
      listTransitions: (id) => alerts.listTransitions(id),
    },
  };
}

/** Responder (store-backed, MQTT commands, notifiers) and the streaming detector, wired together. */
async function startLoop(
  config: Readonly<Config>,
  logger: Logger,
  store: Store,
  plant: Plant,
  ownedPlant: Plant,
  partition: Partition | undefined,
  mqttUrl: string,
  clientOptions: IClientOptions,
  stops: Array<() => Promise<void>>,
): Promise<Loop> {
  const commandClient = await mqtt.connectAsync(mqttUrl, { ...clientOptions, clientId: `plantwatch-responder-${process.pid}-${Date.now().toString(36)}`, reconnectPeriod: 1000 });
  stops.push(() => commandClient.endAsync());
  const rules = config.respond.rulesFile ? await loadRulesFile(dataPath(config, config.respond.rulesFile)) : undefined;
  const responder = createResponder({
    logger,
    ...(rules ? { rules } : {}),
    dispatcher: new MqttCommandDispatcher(commandClient, { plantId: plant.id, logger }),
    notifiers: notifiersFrom(config),
    repositories: partition ? partitionRepositories(store.respondRepositories(), partition) : store.respondRepositories(),
    plant,
    options: { dryRun: config.respond.dryRun, alerts: { clearAfterTicks: null, clearAfterMs: config.respond.clearDelayMs } },
  });
  await responder.start();
  stops.push(() => responder.close());
  const notifyLog = logger.child({ component: 'notify' });
  responder.on('notification', (n) => notifyLog.info({ team: n.team, alertId: n.alert.id, ruleId: n.ruleId }, n.subject));
  // Machine states (running, stopped...) weigh urgency and release the stop interlock.
  if (partition) {
    const topics = machineTopics(plant.id, ownedPlant.machines, 'status');
    for (let i = 0; i < topics.length; i += DEFAULT_SUBSCRIBE_BATCH_SIZE) await commandClient.subscribeAsync(topics.slice(i, i + DEFAULT_SUBSCRIBE_BATCH_SIZE), { qos: 1 });
  } else {
    await commandClient.subscribeAsync(channelFilter('status', plant.id), { qos: 1 });
  }
  commandClient.on('message', (topic, payload) => {
    const parts = parseTopic(topic);
    if (!parts || parts.channel !== 'status') return;
    try {
      responder.onMachineStatus(JSON.parse(payload.toString('utf8')) as MachineStatus);
    } catch (err) {
      logger.warn({ err, topic }, 'unreadable machine status ignored');
    }
  });
  if (!config.detect.enabled) return { responder, detector: undefined, commandClient };
  const detectLog = logger.child({ component: 'detector' });
  const detector = new StreamingDetector({
    plant: ownedPlant,
    models: store.modelRegistry(),
    tickMs: config.simulator.tickMs,
    modelPollMs: config.detect.modelPollMs,
    maxBatchDelayMs: config.detect.maxBatchDelayMs,
    log: detectLog,
  });
  await detector.start();
  stops.push(() => detector.stop());
  // A failing response never stops the detector (issue 5 item 3).
  detector.on('anomaly', (e) => void responder.onAnomaly(e).catch((err: unknown) => detectLog.error({ err, machineId: e.machineId }, 'responder failed on an anomaly')));
  detector.on('normal', (e) => void responder.onNormal(e).catch((err: unknown) => detectLog.error({ err, machineId: e.machineId }, 'responder failed on a normal tick')));
  return { responder, detector, commandClient };
}

function wireMetrics(metrics: PlantMetrics, responder: Responder, detector: StreamingDetector | undefined): void {
  detector?.on('scored', (t) => metrics.onScored(t));
  responder.on('alert', (a, t) => metrics.onAlert(a, t));
  responder.on('action', (r) => metrics.onAction(r));
}
