import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SimulationError } from '../domain/index.js';
import type { FaultLabel, Telemetry } from '../domain/index.js';
import { resolveHistoryOptions, summarise, toTelemetry, type HistoryOptions, type HistoryProgress, type HistorySink, type HistorySummary } from './history.js';
import type { WorkerInput, WorkerMessage } from './history-worker.js';
import { SENSOR_COUNT } from './machine-model.js';

/**
 * Fast mode on two cores: a worker thread generates (machine-major, time order within a machine)
 * while this thread turns readings into Telemetry and awaits the sink (e.g. SQLite's writes).
 * Same readings and labels, in the same order, as {@link generateHistory}.
 */

export interface ParallelHistoryOptions {
  /** Readings per chunk passed from the worker; also the batch handed to the sink. Default {@link DEFAULT_CHUNK_ROWS}. */
  chunkRows?: number;
  /** Chunks generated ahead of the writer; bounds memory. Default {@link DEFAULT_MAX_IN_FLIGHT}. */
  maxInFlight?: number;
}

export const DEFAULT_CHUNK_ROWS = 20_000;
export const DEFAULT_MAX_IN_FLIGHT = 4;

// The sources are TypeScript run through tsx (no build step): the worker registers tsx itself,
// since hooks registered at run time in the main thread do not reach worker threads. The bootstrap
// is an ES module in a data: URL, which may import absolute file URLs.
const TSX_API_URL = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
const WORKER_URL = new URL('./history-worker.ts', import.meta.url).href;
const BOOTSTRAP = new URL(
  `data:text/javascript,${encodeURIComponent(`import { register } from ${JSON.stringify(TSX_API_URL)};\nregister();\nawait import(${JSON.stringify(WORKER_URL)});\n`)}`,
);

/**
 * @example await generateHistoryParallel({ plant, startMs, days: 7, seed: 1 }, store, (p) => bar.update(p.readings));
 */
export async function generateHistoryParallel(
  options: HistoryOptions & ParallelHistoryOptions,
  sink: HistorySink,
  onProgress?: (p: HistoryProgress) => void,
): Promise<HistorySummary> {
  // Validate here so bad options fail with the same typed error as the serial form.
  const o = resolveHistoryOptions(options);
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const { chunkRows: _c, maxInFlight: _m, ...historyOptions } = options;
  const credits = new SharedArrayBuffer(4);
  const inFlight = new Int32Array(credits);
  const workerData: WorkerInput = { options: historyOptions, credits, maxInFlight, chunkRows };
  const worker = new Worker(BOOTSTRAP, { workerData });
  const ticksTotal = Math.ceil((o.endMs - o.startMs) / o.tickMs) * o.machines.length;
  const allLabels: FaultLabel[] = [];
  let readings = 0;
  let machinesDone = 0;

  // Messages are handled strictly one after another: a chain of promises keeps sink calls in order.
  let chain: Promise<void> = Promise.resolve();
  let failed: unknown;
  const handle = async (msg: WorkerMessage): Promise<void> => {
    if (failed) return;
    if (msg.kind === 'chunk') {
      const id = o.machines[msg.machineIndex]!.id;
      const batch: Telemetry[] = new Array(msg.count);
      for (let i = 0; i < msg.count; i++) batch[i] = toTelemetry(id, msg.ts[i]!, msg.seq[i]!, msg.values, i * SENSOR_COUNT);
      Atomics.sub(inFlight, 0, 1);
      Atomics.notify(inFlight, 0);
      await sink.writeTelemetry(batch);
      readings += msg.count;
      onProgress?.({ machinesDone, machines: o.machines.length, readings, ticksTotal });
    } else if (msg.kind === 'labels') {
      if (msg.labels.length > 0) await sink.writeFaultLabels(msg.labels);
      allLabels.push(...msg.labels);
      machinesDone++;
      onProgress?.({ machinesDone, machines: o.machines.length, readings, ticksTotal });
    }
  };

  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = err;
      void worker.terminate();
      reject(err);
    };
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.kind === 'error') {
        fail(new SimulationError((msg.code as `PW_ERR_SIM_${string}`) ?? 'PW_ERR_SIM_WORKER', msg.message));
        return;
      }
      chain = chain.then(() => handle(msg)).catch(fail);
      if (msg.kind === 'done') chain.then(resolve, fail);
    });
    worker.on('error', (err) => fail(new SimulationError('PW_ERR_SIM_WORKER', `history worker failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => {
      if (code !== 0 && !failed) fail(new SimulationError('PW_ERR_SIM_WORKER', `history worker exited with code ${code}`));
    });
  });
  await worker.terminate();
  return summarise(o, readings, allLabels);
}
