import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { IngestError } from '../../domain/index.js';
import type { Logger } from '../../logging/index.js';

export interface EmbeddedBrokerOptions {
  /** Listen address, e.g. 127.0.0.1 (loopback only) or 0.0.0.0. */
  host: string;
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  logger: Logger;
}

export interface EmbeddedBroker {
  /** The aedes instance; ingestion hooks into it (see attachToEmbeddedBroker). */
  broker: Aedes;
  host: string;
  /** The bound port (the real one when 0 was asked for). */
  port: number;
  /** `mqtt://host:port`, for clients such as the simulator. */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the in-process MQTT broker (aedes v1; MQTT 3.1.1 and 5) on a TCP port.
 * @example const { url, close } = await startEmbeddedBroker({ host: '127.0.0.1', port: 1883, logger });
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const log = options.logger.child({ component: 'mqtt-broker' });
  // drainTimeout: one subscriber that stops reading must not stall delivery to everyone (aedes docs).
  const broker = await Aedes.createBroker({ drainTimeout: 10_000 });
  broker.on('clientError', (client, err) => log.warn({ clientId: client?.id, err: err.message }, 'client error'));
  broker.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'connection error'));
  const server: Server = createServer(broker.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((r) => broker.close(() => r()));
    throw new IngestError('PW_ERR_INGEST_BROKER_LISTEN', `the embedded MQTT broker could not listen on ${options.host}:${options.port}: ${(err as Error).message}`, { cause: err });
  }
  server.on('error', (err) => log.error({ err }, 'broker server error'));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `mqtt://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`;
  log.info({ url }, 'embedded MQTT broker listening');
  let closed: Promise<void> | undefined;
  return {
    broker,
    host: options.host,
    port,
    url,
    close() {
      closed ??= (async () => {
        await new Promise<void>((r) => broker.close(() => r()));
        await new Promise<void>((r) => server.close(() => r()));
        log.info('embedded MQTT broker stopped');
      })();
      return closed;
    },
  };
}
