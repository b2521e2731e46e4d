import type { Aedes, AedesPublishPacket, Client, PublishPacket } from 'aedes';
import { parseTopic } from '../../domain/index.js';
import type { Logger } from '../../logging/index.js';
import type { Ingestor } from '../ingestor.js';

const SYS_PREFIX = '$SYS/';

/**
 * Hooks ingestion into the embedded aedes broker so that a QoS 1 PUBACK means "committed".
 *
 * aedes handles an incoming PUBLISH as `authorizePublish` -> `enqueuePublish`, and `enqueuePublish`
 * writes the PUBACK (lib/handlers/publish.js). We therefore validate and queue telemetry in
 * `authorizePublish` and call its callback only after the batch holding the message is committed:
 * the PUBACK leaves after the commit, so a publisher never sees an acknowledgement for a reading a
 * crash can lose (MQTT-4.3.2: the sender keeps the message until PUBACK and resends it after a
 * reconnect). aedes processes one socket read at a time per client and waits for every packet of
 * that read, so holding the callback also applies backpressure to each publisher.
 *
 * A refused message is acknowledged too (it is durably dead-lettered, and refusing it on the wire
 * would close the connection, MQTT-3.3.5-2) but is not forwarded to subscribers (`authorizeForward`).
 * Telemetry published from inside the process with `broker.publish()` bypasses authorizePublish and
 * is taken from the `publish` event instead (no PUBACK is involved there).
 */
export function attachToEmbeddedBroker(broker: Aedes, ingestor: Ingestor, logger: Logger): () => void {
  const log = logger.child({ component: 'mqtt-ingest', broker: 'embedded' });
  const rejectedPayloads = new WeakSet<Buffer>();
  const previousAuthorizeForward = broker.authorizeForward;
  let attached = true;

  const take = (packet: PublishPacket): Promise<unknown> | undefined => {
    const parts = parseTopic(packet.topic);
    if (!parts || parts.channel !== 'telemetry' || parts.plantId !== ingestor.plantId) return undefined;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const outcome = ingestor.ingestPayload(payload, { source: 'mqtt', origin: packet.topic, topicMachineId: parts.machineId });
    if (!outcome.accepted) rejectedPayloads.add(payload);
    return outcome.committed;
  };

  broker.authorizePublish = (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void => {
    if (packet.topic.startsWith(SYS_PREFIX)) {
      callback(new Error(`${SYS_PREFIX} topics are reserved`));
      return;
    }
    if (client === null) {
      callback(null);
      return;
    }
    if (!attached) {
      // Ingestion is stopping: refuse telemetry without PUBACK (the connection closes) so the
      // publisher resends it to the next run instead of it being acknowledged and lost.
      const parts = parseTopic(packet.topic);
      callback(parts?.channel === 'telemetry' ? new Error('ingestion is stopping; telemetry is not accepted') : null);
      return;
    }
    const committed = take(packet);
    if (!committed) {
      callback(null);
      return;
    }
    committed.then(
      () => callback(null),
      (err: unknown) => {
        // Not committed (shutdown with the store down): close the connection without PUBACK, so
        // the publisher resends the message to the next run.
        log.warn({ err, topic: packet.topic }, 'reading not committed; closing the publisher connection without PUBACK');
        callback(err instanceof Error ? err : new Error(String(err)));
      },
    );
  };

  broker.authorizeForward = (client: Client, packet: AedesPublishPacket): AedesPublishPacket | null | void => {
    if (Buffer.isBuffer(packet.payload) && rejectedPayloads.has(packet.payload)) return null;
    return previousAuthorizeForward.call(broker, client, packet);
  };

  const onPublish = (packet: AedesPublishPacket, client: Client | null): void => {
    if (client !== null || !attached || packet.topic.startsWith(SYS_PREFIX)) return;
    take(packet);
  };
  broker.on('publish', onPublish);

  // Detaching keeps the hooks in place but refuses telemetry from then on; restoring aedes'
  // defaults would PUBACK readings nobody stores.
  return () => {
    attached = false;
    broker.off('publish', onPublish);
  };
}
