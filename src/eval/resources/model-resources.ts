/**
 * Resource use of every evaluated model on the same windows (paper Table 6: time per prediction,
 * CPU %, memory, training time). Each model is built as the evaluation builds it (same classes,
 * options and seeds as detectors.ts), fitted on the same training windows and timed on the same
 * prediction windows. Figures are wall-clock on whatever machine runs it: compare models within
 * one run, not across machines.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildPlant, ValidationError, type Telemetry } from '../../domain/index.js';
import { createForecaster, encodeSavedModel, type PresetName } from '../../model/index.js';
import { createBaseline } from '../../model/baselines/index.js';
import { flattenWindows, MinMaxScaler, slidingWindows, windowsToFloat32 } from '../../preprocess/index.js';
import { generateHistory } from '../../simulate/index.js';
import { DEFAULT_EVAL_WINDOW, type EvalModelName } from '../detectors.js';

/** Options of {@link measureModelResources}. */
export interface ModelResourceOptions {
  /** Models to measure. Default {@link RESOURCE_MODEL_NAMES} (`lstm-plain` is the same network as `lstm` outside SKAB). */
  models?: readonly EvalModelName[];
  /** Training windows (simulated fault-free history of one assembly machine at 1 reading a minute). Default {@link DEFAULT_RESOURCE_TRAIN_WINDOWS}. */
  trainWindows?: number;
  /** Single-window predictions timed (p50, p95). Default {@link DEFAULT_RESOURCE_SINGLE_CALLS}. */
  singleCalls?: number;
  /** Windows in the batched prediction. Default {@link DEFAULT_RESOURCE_BATCH}. */
  batch?: number;
  /** Rows per window of the windowed models (PCA uses single rows, as in the evaluation). Default {@link DEFAULT_EVAL_WINDOW}. */
  windowSize?: number;
  /** Model seed. Default 42. */
  seed?: number;
  /** LSTM preset. Default 'small' (the evaluation's). */
  lstmPreset?: PresetName;
  /** LSTM epochs (default the preset's). */
  lstmEpochs?: number;
  /** Simulation seed of the windows. Default 1. */
  dataSeed?: number;
  onProgress?: (model: EvalModelName, stage: 'fit' | 'predict') => void;
}

export const RESOURCE_MODEL_NAMES: readonly EvalModelName[] = Object.freeze(['pca', 'rf', 'svm', 'mlp', 'lstm'] as const);
export const DEFAULT_RESOURCE_TRAIN_WINDOWS = 5_000;
export const DEFAULT_RESOURCE_SINGLE_CALLS = 300;
export const DEFAULT_RESOURCE_BATCH = 1_000;

export interface ModelResources {
  model: EvalModelName;
  kind: 'forecast' | 'reconstruction';
  windowSize: number;
  features: number;
  trainWindows: number;
  /** Wall time of fit(), ms. */
  trainMs: number;
  /** One window per predict call: median and 95th percentile, ms. */
  singleP50Ms: number;
  singleP95Ms: number;
  /** One predict call over `batch` windows, ms per window. */
  batchMsPerWindow: number;
  batch: number;
  /** Process CPU time (user + system) over wall time during the timed predictions, % of one core. */
  cpuPct: number;
  /** CPU % during fit(). */
  trainCpuPct: number;
  /** Resident set size while the fitted model is alive minus before it was built (after a GC when one is available), MiB. */
  rssDeltaMiB: number;
  /** JS memory (heap + external buffers) held by the fitted model: with it alive minus after it is released (both after a GC), KiB. Native engine memory shows in RSS only. */
  heldKiB: number;
  /** Serialized model (saved JSON), bytes. */
  modelBytes: number;
}

interface Measured {
  kind: 'forecast' | 'reconstruction';
  fit(): Promise<void>;
  predict(windows: number[][][]): unknown;
  serialize(): string;
  dispose(): void;
}

/** The model as detectors.ts builds it for the evaluation, with access to its saved form. */
function buildMeasured(name: EvalModelName, X: number[][][], y: number[][], o: Required<Pick<ModelResourceOptions, 'seed' | 'lstmPreset'>> & { lstmEpochs?: number }): Measured {
  if (name === 'lstm' || name === 'lstm-plain') {
    const f = createForecaster({ preset: o.lstmPreset, inputSize: X[0]![0]!.length, windowSize: X[0]!.length, seed: o.seed, threads: 1 });
    return {
      kind: 'forecast',
      async fit() {
        await f.fit({ x: windowsToFloat32(X), y: Float32Array.from(y.flat()) }, { validationSplit: 0.2, ...(o.lstmEpochs ? { epochs: o.lstmEpochs } : {}) });
      },
      predict: (w) => f.predict(windowsToFloat32(w)),
      serialize: () => encodeSavedModel(f.toSavedModel({})),
      dispose: () => f.dispose(),
    };
  }
  const m = name === 'pca' ? createBaseline('pca') : createBaseline(name, { seed: o.seed });
  return {
    kind: m.kind,
    async fit() {
      if (m.kind === 'forecast') m.fit(flattenWindows(X), y);
      else m.fit(flattenWindows(X));
    },
    predict: (w) => (m.kind === 'forecast' ? m.predict(flattenWindows(w)) : m.score(flattenWindows(w))),
    serialize: () => JSON.stringify(m.toJSON()),
    dispose: () => undefined,
  };
}

let gcFn: (() => void) | null | undefined;
/** A full GC when the runtime allows one (exposed on demand; null when it cannot be). */
function gc(): boolean {
  if (gcFn === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    } catch {
      gcFn = null;
    }
  }
  if (!gcFn) return false;
  gcFn();
  gcFn();
  return true;
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
}

const MIB = 1024 * 1024;

/** Fault-free rows of one assembly machine (the evaluation's data), scaled to [0, 1]. */
async function resourceRows(rowsNeeded: number, seed: number): Promise<number[][]> {
  const plant = buildPlant({ machineCount: 1 });
  const m = plant.machines[0]!;
  const list: Telemetry[] = [];
  const tickMs = 60_000;
  await generateHistory({ plant, startMs: Date.UTC(2026, 0, 5), days: Math.ceil((rowsNeeded * tickMs) / 86_400_000) + 1, seed, tickMs, faultsPerDay: 0 }, { writeTelemetry: (b) => void list.push(...b), writeFaultLabels: () => undefined });
  const rows = list.map((t) => m.sensors.map((s) => t.values[s] ?? 0));
  return new MinMaxScaler().fit(rows).transform(rows);
}

/**
 * Measures every model on the same windows: training time, time per prediction (single window
 * p50/p95 and batched), CPU % during inference, memory held by the fitted model and its saved size.
 * Models run one after another in this process; a GC runs between them when possible.
 */
export async function measureModelResources(options: ModelResourceOptions = {}): Promise<{ results: ModelResources[]; gcAvailable: boolean }> {
  const models = options.models ?? RESOURCE_MODEL_NAMES;
  const trainN = options.trainWindows ?? DEFAULT_RESOURCE_TRAIN_WINDOWS;
  const single = options.singleCalls ?? DEFAULT_RESOURCE_SINGLE_CALLS;
  const batch = options.batch ?? DEFAULT_RESOURCE_BATCH;
  const W = options.windowSize ?? DEFAULT_EVAL_WINDOW;
  if (!(trainN >= 20 && single >= 1 && batch >= 1 && W >= 1)) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `resources: trainWindows >= 20, singleCalls >= 1, batch >= 1 and windowSize >= 1 expected; got ${trainN}, ${single}, ${batch}, ${W}`);
  const rows = await resourceRows(trainN + batch + W + 2, options.dataSeed ?? 1);
  const results: ModelResources[] = [];
  let gcAvailable = false;
  for (const name of models) {
    const w = name === 'pca' ? 1 : W;
    const win = slidingWindows(rows, { windowSize: w, horizon: 1 });
    const X = win.X.slice(0, trainN);
    const y = win.y.slice(0, trainN);
    const P = win.X.slice(trainN, trainN + batch);
    if (X.length < trainN || P.length < batch) throw new ValidationError('PW_ERR_VALIDATION_EMPTY', `resources: ${X.length} training and ${P.length} prediction windows; wanted ${trainN} and ${batch}`);
    gcAvailable = gc();
    const mem0 = process.memoryUsage();
    let m: Measured | null = buildMeasured(name, X, y, { seed: options.seed ?? 42, lstmPreset: options.lstmPreset ?? 'small', ...(options.lstmEpochs ? { lstmEpochs: options.lstmEpochs } : {}) });
    options.onProgress?.(name, 'fit');
    const cpuFit = process.cpuUsage();
    const t0 = performance.now();
    await m.fit();
    const trainMs = performance.now() - t0;
    const fitCpu = process.cpuUsage(cpuFit);
    options.onProgress?.(name, 'predict');
    // Warm up (JIT, buffers), then time.
    for (let i = 0; i < 5; i++) m.predict([P[i % P.length]!]);
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const times: number[] = [];
    for (let i = 0; i < single; i++) {
      const one = [P[i % P.length]!];
      const s = performance.now();
      m.predict(one);
      times.push(performance.now() - s);
    }
    const b0 = performance.now();
    m.predict(P);
    const batchMs = performance.now() - b0;
    const wall = performance.now() - wall0;
    const cpu = process.cpuUsage(cpu0);
    times.sort((a, b) => a - b);
    const bytes = Buffer.byteLength(m.serialize());
    const kind = m.kind;
    gc();
    const mem1 = process.memoryUsage();
    m.dispose();
    m = null;
    gc();
    const mem2 = process.memoryUsage();
    results.push({
      model: name,
      kind,
      windowSize: w,
      features: X[0]![0]!.length,
      trainWindows: X.length,
      trainMs,
      singleP50Ms: percentile(times, 0.5),
      singleP95Ms: percentile(times, 0.95),
      batchMsPerWindow: batchMs / P.length,
      batch: P.length,
      cpuPct: (100 * (cpu.user + cpu.system)) / 1000 / wall,
      trainCpuPct: (100 * (fitCpu.user + fitCpu.system)) / 1000 / trainMs,
      rssDeltaMiB: (mem1.rss - mem0.rss) / MIB,
      heldKiB: (mem1.heapUsed + mem1.external - mem2.heapUsed - mem2.external) / 1024,
      modelBytes: bytes,
    });
  }
  return { results, gcAvailable };
}

const fmt = (v: number, d: number): string => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

/** Markdown table of {@link measureModelResources} results (paper Table 6 layout plus batching and size). */
export function resourcesMarkdown(results: readonly ModelResources[]): string {
  const lines = [
    '| Model | Training time, s | Time per prediction (1 window, p50), ms | p95, ms | Batched, ms/window | CPU % (inference) | CPU % (training) | Memory (RSS delta), MiB | JS memory held by model, KiB | Saved model, KiB |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    lines.push(`| ${r.model} | ${fmt(r.trainMs / 1000, 2)} | ${fmt(r.singleP50Ms, 3)} | ${fmt(r.singleP95Ms, 3)} | ${fmt(r.batchMsPerWindow, 4)} | ${fmt(r.cpuPct, 0)} | ${fmt(r.trainCpuPct, 0)} | ${fmt(r.rssDeltaMiB, 1)} | ${fmt(r.heldKiB, 0)} | ${fmt(r.modelBytes / 1024, 1)} |`);
  }
  lines.push(
    '',
    'RSS delta is the resident set after fitting minus before, both after a GC: it is noisy, and negative when the collector returned memory. The model\'s own footprint is the JS memory it holds (the native LSTM engine\'s weights show only in RSS) and its saved size. CPU % is process CPU time over wall time, so above 100 % means more than one core.',
  );
  return `${lines.join('\n')}\n`;
}

/** Writes resources.json and resources.md into `outDir` (datasets whose report has no resources table). */
export async function writeResourcesReport(outDir: string, results: readonly ModelResources[]): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, 'resources.json');
  const md = join(outDir, 'resources.md');
  await writeFile(json, `${JSON.stringify({ resources: results }, null, 2)}\n`);
  await writeFile(md, `# Model resources (paper Table 6)\n\n${resourcesMarkdown(results)}`);
  return [json, md];
}
