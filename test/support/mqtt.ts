/**
 * Test helpers for MQTT: real clients against a real broker (the embedded aedes on port 0, or the
 * Mosquitto at PLANTWATCH_TEST_MQTT_URL).
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** Connects an mqtt.js client and waits for the CONNACK. */
export async function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 10_000, ...options });
  return client;
}

/** Publishes at QoS 1 and resolves on the PUBACK. */
export async function publishQos1(client: MqttClient, topic: string, payload: Buffer | string): Promise<void> {
  await client.publishAsync(topic, payload, { qos: 1 });
}

/**
 * Publishes many messages with at most `window` unacknowledged at once (a real device's in-flight
 * window), resolving once every PUBACK arrived. Returns the indexes in PUBACK order.
 */
export async function publishAll(client: MqttClient, messages: ReadonlyArray<{ topic: string; payload: Buffer | string }>, window = 100): Promise<number[]> {
  const acked: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < messages.length) {
      const i = next++;
      const m = messages[i]!;
      await client.publishAsync(m.topic, m.payload, { qos: 1 });
      acked.push(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, messages.length) }, worker));
  return acked;
}

/**
 * The URL of a test service from the environment. Missing: with PLANTWATCH_REQUIRE_SERVICES set
 * (CI) this throws, so the test fails; otherwise it returns undefined and prints why it skips.
 */
export function serviceUrl(envVar: string, what: string): string | undefined {
  const url = process.env[envVar];
  if (url) return url;
  if (process.env.PLANTWATCH_REQUIRE_SERVICES) throw new Error(`${envVar} is not set but PLANTWATCH_REQUIRE_SERVICES is: ${what} tests must run`);
  process.stdout.write(`skipping ${what} tests: ${envVar} is not set (set it, e.g. mqtt://127.0.0.1:1883, to run them)\n`);
  return undefined;
}
