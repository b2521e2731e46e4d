import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { IngestError, channelFilter, parseTopic } from '../../domain/index.js';
import type { Logger } from '../../logging/index.js';
import type { Ingestor } from '../ingestor.js';

export const DEFAULT_SUBSCRIBER_CLIENT_ID_PREFIX = 'plantwatch-ingest-';
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_RECONNECT_PERIOD_MS = 2_000;
/**
 * Topic filters per SUBSCRIBE packet. A worker owning thousands of machines subscribes one filter
 * per machine; batches keep each packet and its SUBACK small (MQTT-3.8.3-3 allows many filters in one).
 */
export const DEFAULT_SUBSCRIBE_BATCH_SIZE = 500;

export interface ExternalSubscriberOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker. */
  url: string;
  username?: string | null;
  password?: string | null;
  /** PEM file of the CA that signed the broker's certificate (mqtts/wss). */
  caFile?: string | null;
  /** 4 (MQTT 3.1.1) or 5. */
  protocolVersion?: 4 | 5;
  /**
   * Fixed client id, so the broker keeps our persistent session (clean: false) and its unacknowledged
   * messages across restarts. Default `plantwatch-ingest-<plantId>`; a scale-out worker passes one
   * that names its partition (`plantwatch-ingest-<plantId>-p<i>of<n>`), so each has its own session.
   */
  clientId?: string;
  /**
   * Topic filters to subscribe to at QoS 1. Default: the plant's telemetry of every machine
   * (`plantwatch/<plant>/+/+/telemetry`); a scale-out worker passes one topic per owned machine.
   */
  topics?: readonly string[];
  /** Filters per SUBSCRIBE packet. Default DEFAULT_SUBSCRIBE_BATCH_SIZE. */
  subscribeBatchSize?: number;
  /** Longest wait for the first CONNACK. Default DEFAULT_CONNECT_TIMEOUT_MS. */
  connectTimeoutMs?: number;
  /** Default DEFAULT_RECONNECT_PERIOD_MS. */
  reconnectPeriodMs?: number;
  logger: Logger;
}

export interface ExternalSubscriber {
  client: MqttClient;
  close(): Promise<void>;
}

type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: (err?: Error) => void, cbStorePut?: unknown, noStore?: boolean) => void;

/**
 * Subscribes to `plantwatch/<plant>/+/+/telemetry` (or the given topics) on an external broker (Mosquitto, EMQX, HiveMQ)
 * at QoS 1 with a persistent session, and acknowledges each message to the broker only after it is
 * committed. The broker acknowledges the publisher itself; what makes this crash safe is that the
 * broker keeps every message we have not PUBACKed in our session (clean: false, fixed clientId) and
 * resends it when we reconnect (MQTT-4.4.0-1), so a reading lost in a crash before its commit comes
 * back on the next start.
 *
 * mqtt.js handles incoming packets one at a time and sends the PUBACK right after `handleMessage`
 * calls back (lib/handlers/publish.js), so holding that callback until the commit would allow one
 * message per transaction. Instead we let it call back at once and hold the PUBACK itself: the
 * client's `_sendPacket` (mqtt.js 5 internals, checked at start) is wrapped to delay a `puback`
 * until the reading is committed. Acks held across a reconnect are dropped (the broker resends
 * those messages; a resend of a stored reading is dead-lettered as a duplicate and acknowledged).
 *
 * Throughput is bounded by the broker's in-flight window per subscriber divided by the commit
 * latency: Mosquitto's default `max_inflight_messages 20` with a 50 ms flush gives ~400 msg/s, so
 * raise it (`max_inflight_messages 1000` or 0) for large plants.
 */
export async function startExternalSubscriber(ingestor: Ingestor, options: ExternalSubscriberOptions): Promise<ExternalSubscriber> {
  const log = options.logger.child({ component: 'mqtt-ingest', broker: redactUrl(options.url) });
  const clientOptions: IClientOptions = {
    clientId: options.clientId ?? `${DEFAULT_SUBSCRIBER_CLIENT_ID_PREFIX}${ingestor.plantId}`,
    clean: false,
    protocolVersion: options.protocolVersion ?? 4,
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    reconnectPeriod: options.reconnectPeriodMs ?? DEFAULT_RECONNECT_PERIOD_MS,
    // MQTT 5: keep the session after disconnect (3.1.1 keeps it because clean is false).
    ...(options.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 0xffffffff } } : {}),
  };
  if (options.username) clientOptions.username = options.username;
  if (options.password) clientOptions.password = options.password;
  if (options.caFile) {
    try {
      clientOptions.ca = readFileSync(options.caFile);
    } catch (err) {
      throw new IngestError('PW_ERR_INGEST_CA_FILE', `mqtt.caFile "${options.caFile}" could not be read: ${(err as Error).message}`, { cause: err });
    }
  }

  const topics = options.topics ?? [channelFilter('telemetry', ingestor.plantId)];
  if (topics.length === 0) throw new IngestError('PW_ERR_INGEST_MQTT_TOPICS', 'no topic to subscribe to: a worker partition that owns no machine has nothing to ingest');
  const batchSize = options.subscribeBatchSize ?? DEFAULT_SUBSCRIBE_BATCH_SIZE;
  const batches: string[][] = [];
  for (let i = 0; i < topics.length; i += batchSize) batches.push(topics.slice(i, i + batchSize));

  const client = mqtt.connect(options.url, { ...clientOptions, manualConnect: true });
  const internals = client as unknown as { _sendPacket?: SendPacket };
  if (typeof internals._sendPacket !== 'function') {
    throw new IngestError('PW_ERR_INGEST_MQTT_CLIENT', 'this mqtt.js version has no _sendPacket; acknowledging after commit needs mqtt.js 5');
  }
  const originalSend = internals._sendPacket.bind(client);
  let generation = 0;
  /** messageId -> commit of the message received on the current connection. */
  const pending = new Map<number, { generation: number; committed: Promise<unknown> }>();

  internals._sendPacket = (packet, cb, cbStorePut, noStore) => {
    const held = packet.cmd === 'puback' && packet.messageId !== undefined ? pending.get(packet.messageId) : undefined;
    if (!held) {
      originalSend(packet, cb, cbStorePut, noStore);
      return;
    }
    pending.delete(packet.messageId!);
    // Let mqtt.js carry on with the next packet now; the PUBACK itself waits for the commit.
    cb?.();
    held.committed.then(
      () => {
        if (held.generation === generation && client.connected) originalSend(packet);
      },
      (err: unknown) => log.warn({ err, messageId: packet.messageId }, 'reading not committed; not acknowledged, the broker will resend it'),
    );
  };

  client.handleMessage = (packet: IPublishPacket, callback: (err?: Error) => void): void => {
    const topic = packet.topic;
    const parts = parseTopic(topic);
    if (parts && parts.channel === 'telemetry' && parts.plantId === ingestor.plantId) {
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      const outcome = ingestor.ingestPayload(payload, { source: 'mqtt', origin: topic, topicMachineId: parts.machineId });
      if (packet.qos > 0 && packet.messageId !== undefined) pending.set(packet.messageId, { generation, committed: outcome.committed });
    } else {
      log.debug({ topic }, 'ignored a message outside the telemetry subscription');
    }
    callback();
  };

  /** Settles when every batch of the latest connection has its SUBACK (or one failed). */
  let subscribed: Promise<void> = Promise.resolve();
  const subscribeAll = (): Promise<void> =>
    Promise.all(
      batches.map(
        (batch) =>
          new Promise<void>((resolve, reject) => {
            client.subscribe(batch, { qos: 1 }, (err, granted) => {
              // A SUBACK return code 0x80 refuses one filter (MQTT-3.9.3); mqtt.js reports it in `granted`.
              const refused = (granted ?? []).filter((g) => g.qos !== 0 && g.qos !== 1 && g.qos !== 2).map((g) => g.topic);
              if (err) reject(err);
              else if (refused.length > 0) reject(new IngestError('PW_ERR_INGEST_MQTT_SUBSCRIBE', `the broker refused ${refused.length} of ${batch.length} subscriptions, first ${refused[0]}`));
              else resolve();
            });
          }),
      ),
    ).then(() => undefined);

  client.on('connect', (connack) => {
    generation++;
    pending.clear();
    log.info({ sessionPresent: connack.sessionPresent, topics: topics.length, subscribePackets: batches.length }, 'connected to the MQTT broker');
    // Subscribing again is harmless when the session survived, and needed when it did not.
    subscribed = subscribeAll();
    subscribed.catch((err: unknown) => log.error({ err }, 'subscribing to telemetry failed'));
  });
  client.on('close', () => {
    generation++;
    pending.clear();
  });
  client.on('reconnect', () => log.warn('reconnecting to the MQTT broker'));
  client.on('error', (err) => log.error({ err }, 'MQTT client error'));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.end(true);
      reject(new IngestError('PW_ERR_INGEST_MQTT_CONNECT', `no CONNACK from ${redactUrl(options.url)} within ${clientOptions.connectTimeout} ms`));
    }, clientOptions.connectTimeout);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    client.connect();
  });
  // Ready only once subscribed: on a first start nothing is queued for us before the SUBACK.
  try {
    await subscribed;
  } catch (err) {
    await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    throw err instanceof IngestError ? err : new IngestError('PW_ERR_INGEST_MQTT_SUBSCRIBE', `subscribing to ${topics.length} telemetry topic(s) failed: ${(err as Error).message}`, { cause: err });
  }

  return {
    client,
    close: () => new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
  };
}

/** Drops credentials from a URL before it reaches a log line. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = 'redacted';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}
