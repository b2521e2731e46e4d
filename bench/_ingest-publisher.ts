/**
 * Publisher process for bench/ingest.ts (a separate process, so the CPU time of the ingesting
 * process can be measured apart from the publishers): one mqtt.js client publishing telemetry at QoS 1 for its
 * share of the machines, measuring publish -> PUBACK latency (the PUBACK leaves only after commit).
 * - mode 'rate': open loop, each machine once per tickMs (the plant's real pattern);
 * - mode 'max': closed loop, `window` messages in flight, as fast as acknowledgements come back.
 */
import mqtt from 'mqtt';

export interface PublisherTask {
  url: string;
  plantId: string;
  machines: Array<{ id: string; areaId: string }>;
  mode: 'rate' | 'max';
  /** Open loop: this worker's messages per second. */
  ratePerSec: number;
  /** Closed loop: messages in flight. Open loop: most in flight before sends are skipped. */
  window: number;
  durationMs: number;
  /** Latencies of messages published before this are not recorded. */
  warmupMs: number;
  /** Base of the synthetic timestamps in 'max' mode. */
  baseTsMs: number;
  /** Offset that makes seq unique across workers. */
  seqOffset: number;
}

export interface PublisherResult {
  sent: number;
  acked: number;
  /** Sends that were due but skipped because `window` messages were already in flight. */
  skipped: number;
  errors: number;
  /** publish -> PUBACK, ms, for messages published after the warm-up. */
  latenciesMs: number[];
  ackedAfterWarmup: number;
  firstMeasuredMs: number;
  lastAckMs: number;
}

// The task comes over IPC (a 50,000-machine list is too large for an environment variable).
const task = await new Promise<PublisherTask>((resolve) => process.once('message', (m) => resolve(m as PublisherTask)));

function send(message: unknown): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

function payloadFor(machineId: string, tsMs: number, seq: number): string {
  // Eight sensors, values inside their physical ranges, varied per message.
  const k = seq % 97;
  return `{"machineId":"${machineId}","tsMs":${tsMs},"seq":${seq},"values":{"temperature":${(35 + k * 0.1).toFixed(1)},"humidity":${(40 + (k % 20)).toFixed(1)},"vibration":${(1 + k * 0.01).toFixed(2)},"speed":${1400 + k},"current":${(10 + k * 0.05).toFixed(2)},"gas":${(400 + k).toFixed(1)},"coolant_pressure":${(3 + k * 0.001).toFixed(2)},"supply_voltage":${(24 + k * 0.001).toFixed(2)}}}`;
}

async function main(): Promise<void> {
  const client = await mqtt.connectAsync(task.url, { reconnectPeriod: 0, clean: true });
  const topics = task.machines.map((m) => `plantwatch/${task.plantId}/${m.areaId}/${m.id}/telemetry`);
  let latencies = new Float64Array(1 << 16);
  let nLat = 0;
  const result = { sent: 0, acked: 0, skipped: 0, errors: 0, ackedAfterWarmup: 0, firstMeasuredMs: 0, lastAckMs: 0 };
  let inFlight = 0;
  let seq = 0;
  let machineCursor = 0;
  let round = 0;
  // Tell the main thread publishing starts now (worker start-up with tsx takes a while).
  await send({ started: true });
  const t0 = performance.now();
  const wallT0 = Date.now();
  let stopping = false;
  let onIdle: (() => void) | undefined;

  const record = (ms: number): void => {
    if (nLat === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[nLat++] = ms;
  };

  const publishOne = (tsMs: number): void => {
    const i = machineCursor;
    machineCursor = (machineCursor + 1) % topics.length;
    if (machineCursor === 0) round++;
    const s = task.seqOffset + seq++;
    const sentAt = performance.now();
    const measured = sentAt - t0 >= task.warmupMs;
    if (measured && result.firstMeasuredMs === 0) result.firstMeasuredMs = sentAt - t0;
    inFlight++;
    result.sent++;
    client.publish(topics[i]!, payloadFor(task.machines[i]!.id, tsMs, s), { qos: 1 }, (err) => {
      inFlight--;
      if (err) result.errors++;
      else {
        result.acked++;
        const now = performance.now();
        result.lastAckMs = now - t0;
        if (measured) {
          result.ackedAfterWarmup++;
          record(now - sentAt);
        }
      }
      if (task.mode === 'max' && !stopping) publishOne(task.baseTsMs + round);
      if (stopping && inFlight === 0) onIdle?.();
    });
  };

  if (task.mode === 'max') {
    for (let k = 0; k < task.window; k++) publishOne(task.baseTsMs + round);
    await new Promise((r) => setTimeout(r, task.durationMs));
  } else {
    // Open loop: send what is due every millisecond or so, whatever the acknowledgements do.
    const intervalNs = 1000 / task.ratePerSec;
    let due = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const elapsed = performance.now() - t0;
        if (elapsed >= task.durationMs) return resolve();
        const target = Math.floor(elapsed / intervalNs);
        while (due < target) {
          due++;
          if (inFlight >= task.window) {
            result.skipped++;
            continue;
          }
          // The scheduled send time as the device timestamp: each machine is 1 tick apart from itself.
          publishOne(wallT0 + Math.round(due * intervalNs));
        }
        setTimeout(tick, 1);
      };
      tick();
    });
  }
  stopping = true;
  if (inFlight > 0) {
    await new Promise<void>((resolve) => {
      onIdle = resolve;
      setTimeout(resolve, 30_000);
    });
  }
  await client.endAsync();
  const out: PublisherResult = { ...result, latenciesMs: Array.from(latencies.subarray(0, nLat), (x) => Math.round(x * 100) / 100) };
  await send(out);
  process.disconnect();
}

main().catch(async (err: unknown) => {
  await send({ fatal: (err as Error).stack ?? String(err) });
  process.exit(1);
});
