import type { Aedes } from 'aedes';
import { formatPartition, machinesOfPartition, machineTopics, type Partition, type Plant } from '../domain/index.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import type { Store } from '../store/index.js';
import { BatchWriter, type BatchWriterCounters, type BatchWriterOptions } from './batch-writer.js';
import { Ingestor, type IngestCounters, type TelemetryListener } from './ingestor.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './mqtt/embedded-broker.js';
import { attachToEmbeddedBroker } from './mqtt/embedded-ingest.js';
import { DEFAULT_SUBSCRIBER_CLIENT_ID_PREFIX, startExternalSubscriber, type ExternalSubscriber } from './mqtt/external-subscriber.js';

export interface StartIngestionOptions {
  /** Uses config.mqtt, config.store (batchSize, flushIntervalMs) and config.ingest. */
  config: Readonly<Pick<Config, 'mqtt' | 'store' | 'ingest'>>;
  store: Pick<Store, 'writeTelemetry' | 'writeDeadLetters'>;
  /** Known machines and the plant id of the topics subscribed to. */
  plant: Pick<Plant, 'id' | 'machines'>;
  logger: Logger;
  /**
   * The embedded broker to hook into (from {@link startEmbeddedBroker}, or a bare aedes instance).
   * When absent: `mqtt.mode = 'embedded'` starts one (and stops it on stop()), `'external'` connects
   * to `mqtt.url`.
   */
  broker?: EmbeddedBroker | Aedes;
  /** Writer tuning beyond the config (e.g. `groupCommitDelayMs`); see BatchWriterOptions. */
  writer?: Pick<BatchWriterOptions, 'groupCommitDelayMs' | 'maxQueueRows'>;
  /** Skip MQTT entirely (HTTP and CSV only, e.g. the import command). Default false. */
  mqtt?: boolean;
  /**
   * Scale-out worker (issue 5 item 7): ingest only the machines of this partition. The external
   * subscriber subscribes to each owned machine's telemetry topic on a session of its own
   * (`plantwatch-ingest-<plant>-p<i>of<n>`), and the ingestor refuses readings of other machines.
   * Default: every machine of the plant.
   */
  partition?: Partition;
  /**
   * Called with each reading after it is committed, attached before MQTT starts: a persistent
   * session delivers its backlog as soon as it connects, before `onTelemetry()` could be called.
   */
  onTelemetry?: TelemetryListener;
}

export interface IngestionCounters extends IngestCounters {
  writer: BatchWriterCounters;
}

export interface RunningIngestion {
  /** Validation + writer, shared with the HTTP routes and the CSV import. */
  ingestor: Ingestor;
  writer: BatchWriter;
  /** The embedded broker started here, if any (its `url` is what local publishers connect to). */
  broker: EmbeddedBroker | undefined;
  /** The external broker connection, if any. */
  subscriber: ExternalSubscriber | undefined;
  counters(): IngestionCounters;
  /** Called with each reading after it is committed. Returns an unsubscribe function. */
  onTelemetry(listener: TelemetryListener): () => void;
  /** Stops taking messages, writes what is queued, closes what it opened (not a broker passed in). */
  stop(): Promise<void>;
}

/**
 * Starts ingestion: MQTT (embedded broker hook or external subscriber) into a batching writer.
 * @example
 * const ingestion = await startIngestion({ config, store, plant, logger, broker });
 * // ... later
 * await ingestion.stop();
 */
export async function startIngestion(options: StartIngestionOptions): Promise<RunningIngestion> {
  const { config } = options;
  const logger = options.logger.child({ component: 'ingest' });
  const writer = new BatchWriter({ ...options.writer, store: options.store, logger, batchSize: config.store.batchSize, flushIntervalMs: config.store.flushIntervalMs });
  const { partition } = options;
  const ingestor = new Ingestor({ plant: options.plant, ingest: config.ingest, writer, logger, ...(partition ? { partition } : {}) });
  if (options.onTelemetry) ingestor.onTelemetry(options.onTelemetry);
  const owned = partition ? machinesOfPartition(options.plant.machines, partition) : options.plant.machines;

  let ownedBroker: EmbeddedBroker | undefined;
  let detach: (() => void) | undefined;
  let subscriber: ExternalSubscriber | undefined;
  if (options.mqtt !== false) {
    if (options.broker) {
      const aedes = 'broker' in options.broker && 'url' in options.broker ? options.broker.broker : (options.broker as Aedes);
      detach = attachToEmbeddedBroker(aedes, ingestor, logger);
    } else if (config.mqtt.mode === 'embedded') {
      ownedBroker = await startEmbeddedBroker({ host: config.mqtt.host, port: config.mqtt.port, logger: options.logger });
      detach = attachToEmbeddedBroker(ownedBroker.broker, ingestor, logger);
    } else {
      if (!config.mqtt.url) throw new Error('unreachable: the config schema requires mqtt.url for external mode');
      subscriber = await startExternalSubscriber(ingestor, {
        url: config.mqtt.url,
        username: config.mqtt.username,
        password: config.mqtt.password,
        caFile: config.mqtt.caFile,
        protocolVersion: config.mqtt.protocolVersion,
        logger,
        ...(partition
          ? {
              clientId: subscriberClientId(options.plant.id, partition),
              topics: machineTopics(options.plant.id, owned, 'telemetry'),
            }
          : {}),
      });
    }
  }
  logger.info({ plantId: options.plant.id, machines: owned.length, ...(partition ? { partition: formatPartition(partition), plantMachines: options.plant.machines.length } : {}), mqtt: options.mqtt === false ? 'off' : subscriber ? 'external' : 'embedded' }, 'ingestion started');

  let stopped: Promise<void> | undefined;
  return {
    ingestor,
    writer,
    broker: ownedBroker,
    subscriber,
    counters: () => ({ ...ingestor.counters(), writer: writer.counters() }),
    onTelemetry: (listener) => ingestor.onTelemetry(listener),
    stop() {
      stopped ??= (async () => {
        // Refuse new telemetry (unacknowledged, so publishers resend it), commit what is queued so
        // the held PUBACKs go out, then disconnect.
        detach?.();
        await writer.stop();
        await new Promise((r) => setImmediate(r));
        if (subscriber) await subscriber.close();
        if (ownedBroker) await ownedBroker.close();
        logger.info({ counters: ingestor.counters() }, 'ingestion stopped');
      })();
      return stopped;
    },
  };
}

/**
 * The external subscriber's client id: one persistent session per plant, and per partition for a
 * scale-out worker, so a restarted worker gets back exactly what the broker kept for it.
 * @example subscriberClientId('plant-1', { index: 2, count: 3 }) === 'plantwatch-ingest-plant-1-p2of3'
 */
export function subscriberClientId(plantId: string, partition?: Partition): string {
  return `${DEFAULT_SUBSCRIBER_CLIENT_ID_PREFIX}${plantId}${partition ? `-p${partition.index}of${partition.count}` : ''}`;
}
