/**
 * Worker side of {@link generateHistoryParallel}: generates machines' readings into transferable
 * column buffers while the main thread writes the previous ones. Flow control through a shared
 * counter keeps at most a few chunks in flight, so memory stays bounded however fast it runs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FaultLabel } from '../domain/index.js';
import { resolveHistoryOptions, runMachine, type HistoryOptions } from './history.js';
import { SENSOR_COUNT } from './machine-model.js';

export interface WorkerInput {
  options: HistoryOptions;
  /** Int32Array over a SharedArrayBuffer: [chunks in flight]. */
  credits: SharedArrayBuffer;
  maxInFlight: number;
  chunkRows: number;
}

export type WorkerMessage =
  | { kind: 'chunk'; machineIndex: number; count: number; ts: Float64Array; seq: Float64Array; values: Float64Array }
  | { kind: 'labels'; machineIndex: number; labels: FaultLabel[] }
  | { kind: 'done' }
  | { kind: 'error'; message: string; code?: string };

const port = parentPort!;
const input = workerData as WorkerInput;
const inFlight = new Int32Array(input.credits);

try {
  const o = resolveHistoryOptions(input.options);
  const rows = input.chunkRows;
  let ts = new Float64Array(rows);
  let seq = new Float64Array(rows);
  let values = new Float64Array(rows * SENSOR_COUNT);
  let n = 0;
  let machineIndex = 0;
  const flush = (): void => {
    if (n === 0) return;
    // Wait for a credit: the main thread returns one after writing each chunk.
    while (Atomics.load(inFlight, 0) >= input.maxInFlight) Atomics.wait(inFlight, 0, Atomics.load(inFlight, 0), 1000);
    Atomics.add(inFlight, 0, 1);
    const msg: WorkerMessage = { kind: 'chunk', machineIndex, count: n, ts, seq, values };
    port.postMessage(msg, [ts.buffer, seq.buffer, values.buffer]);
    ts = new Float64Array(rows);
    seq = new Float64Array(rows);
    values = new Float64Array(rows * SENSOR_COUNT);
    n = 0;
  };
  for (machineIndex = 0; machineIndex < o.machines.length; machineIndex++) {
    const labels = runMachine(o.machines[machineIndex]!, o, (tsMs, s, v) => {
      ts[n] = tsMs;
      seq[n] = s;
      // Element copies beat TypedArray.set for eight values.
      const at = n * SENSOR_COUNT;
      for (let i = 0; i < SENSOR_COUNT; i++) values[at + i] = v[i]!;
      if (++n === rows) flush();
    });
    flush();
    port.postMessage({ kind: 'labels', machineIndex, labels } satisfies WorkerMessage);
  }
  port.postMessage({ kind: 'done' } satisfies WorkerMessage);
} catch (err) {
  const e = err as Error & { code?: string };
  port.postMessage({ kind: 'error', message: e.message, code: e.code } satisfies WorkerMessage);
}
