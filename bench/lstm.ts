/**
 * `npm run bench -- lstm [--json] [--quick] [--repeats N] [--engines portable,native]`: speed of each available LSTM engine on
 * the paper preset (SPEC 5) at W=50, F=8, in one run (issue 3):
 *   - training samples/s (Adam steps on batches of 32, after warm-up),
 *   - batched inference windows/s (batches of 256),
 *   - single-window latency, p50 ms,
 * and each as a ratio to the portable engine measured in the same run. Each figure is measured
 * `repeats` times; the best and the spread (min..max) are printed, since the machine may be shared.
 * The portable engine is measured on fewer batches (and inference on batches of 32) because it
 * is about 100x slower; its figures are still per sample / per window.
 */
import { cpus, loadavg } from 'node:os';
import { createForecaster, getPreset, nativeEngineStatus, type Forecaster } from '../src/model/index.js';

const W = 50;
const F = 8;

interface Figure {
  best: number;
  min: number;
  max: number;
}

interface EngineResult {
  engine: string;
  simd: string;
  threads: number;
  trainSamplesPerSec: Figure;
  inferWindowsPerSec: Figure;
  oneWindowMsP50: Figure;
  /** Throughput per CPU-second of this process (all threads): what contention does not take away. */
  trainSamplesPerCpuSec: number;
  inferWindowsPerCpuSec: number;
  trainGflops: number;
  inferGflops: number;
  ratioToPortable?: { train: number; infer: number; oneWindow: number };
}

function figure(values: number[], higherIsBetter: boolean): Figure {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { best: higherIsBetter ? max : min, min, max };
}

/** Forward FLOPs of one window (multiply-adds x 2). */
function forwardFlops(): number {
  const a = getPreset('paper');
  let f = 0;
  let prev = F;
  for (const h of a.lstmUnits) {
    f += 2 * W * (prev + h) * 4 * h;
    prev = h;
  }
  for (const d of [...a.denseUnits, F]) {
    f += 2 * prev * d;
    prev = d;
  }
  return f;
}

function randomData(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  let s = seed >>> 0;
  const r = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  return { x: new Float32Array(n * W * F).map(r), y: new Float32Array(n * F).map(r) };
}

async function measure(f: Forecaster, slow: boolean, quick: boolean, repeats: number): Promise<EngineResult> {
  const batch = 32;
  const trainBatches = slow ? 1 : quick ? 4 : 12;
  const inferBatch = slow ? 32 : 256;
  const inferCalls = slow ? 1 : quick ? 2 : 6;
  const latencyCalls = slow ? 5 : quick ? 50 : 200;
  const train = randomData(batch * trainBatches, 1);
  const infer = randomData(inferBatch, 2);
  const one = infer.x.subarray(0, W * F);
  // Warm-up: allocate scratch, fault pages in, let the JIT settle.
  await f.fit({ x: train.x.subarray(0, batch * W * F), y: train.y.subarray(0, batch * F) }, { epochs: 1, batchSize: batch, shuffle: false, patience: 0 });
  f.predict(infer.x);
  f.predict(one);
  const tr: number[] = [];
  const inf: number[] = [];
  const trCpu: number[] = [];
  const infCpu: number[] = [];
  const cpuSec = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;
  const lat: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let c = process.cpuUsage();
    let t = performance.now();
    await f.fit(train, { epochs: 1, batchSize: batch, shuffle: false, patience: 0 });
    tr.push((batch * trainBatches * 1000) / (performance.now() - t));
    trCpu.push((batch * trainBatches) / cpuSec(process.cpuUsage(c)));
    c = process.cpuUsage();
    t = performance.now();
    for (let i = 0; i < inferCalls; i++) f.predict(infer.x);
    inf.push((inferBatch * inferCalls * 1000) / (performance.now() - t));
    infCpu.push((inferBatch * inferCalls) / cpuSec(process.cpuUsage(c)));
    const l: number[] = [];
    for (let i = 0; i < latencyCalls; i++) {
      const s = performance.now();
      f.predict(one);
      l.push(performance.now() - s);
    }
    l.sort((a, b) => a - b);
    lat.push(l[Math.floor(l.length / 2)]!);
  }
  const fwd = forwardFlops();
  const trainSamplesPerSec = figure(tr, true);
  const inferWindowsPerSec = figure(inf, true);
  return {
    engine: f.engine.name,
    simd: f.engine.simd,
    threads: f.engine.threads,
    trainSamplesPerSec,
    inferWindowsPerSec,
    oneWindowMsP50: figure(lat, false),
    trainSamplesPerCpuSec: Math.max(...trCpu),
    inferWindowsPerCpuSec: Math.max(...infCpu),
    // Training = forward + backward (about 2x forward) per sample.
    trainGflops: (trainSamplesPerSec.best * 3 * fwd) / 1e9,
    inferGflops: (inferWindowsPerSec.best * fwd) / 1e9,
  };
}

function fmt(x: Figure, digits: number): string {
  return `${x.best.toFixed(digits)} (${x.min.toFixed(digits)}..${x.max.toFixed(digits)})`;
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const ri = args.indexOf('--repeats');
  const repeats = ri >= 0 ? Math.max(1, Number(args[ri + 1])) : quick ? 2 : 3;
  const log = (s: string): void => {
    if (!json) process.stdout.write(`${s}\n`);
  };
  const ei = args.indexOf('--engines');
  const wanted = ei >= 0 ? (args[ei + 1] ?? '').split(',') : ['portable', 'native'];
  const status = nativeEngineStatus();
  log(`LSTM engines, paper preset (3 x LSTM 128, Dense 64), W=${W}, F=${F}; ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)}`);
  if (!status.available) log(`native engine unavailable: ${status.reason}`);
  const results: EngineResult[] = [];
  const configs: { engine: 'portable' | 'native'; threads: number }[] = [];
  if (wanted.includes('portable')) configs.push({ engine: 'portable', threads: 1 });
  if (status.available && wanted.includes('native')) configs.push({ engine: 'native', threads: 1 }, { engine: 'native', threads: Math.min(2, cpus().length) });
  for (const c of configs) {
    log(`measuring ${c.engine}${c.engine === 'native' ? ` (${c.threads} thread${c.threads > 1 ? 's' : ''})` : ''} ...`);
    const f = createForecaster({ preset: 'paper', inputSize: F, windowSize: W, seed: 1, engine: c.engine, threads: c.threads });
    results.push(await measure(f, c.engine === 'portable', quick, c.engine === 'portable' ? 1 : repeats));
    f.dispose();
  }
  // Ratios only against a portable figure measured in this same run.
  const base = results.find((r) => r.engine === 'portable');
  for (const r of base ? results : []) {
    r.ratioToPortable = {
      train: r.trainSamplesPerSec.best / base!.trainSamplesPerSec.best,
      infer: r.inferWindowsPerSec.best / base!.inferWindowsPerSec.best,
      oneWindow: base!.oneWindowMsP50.best / r.oneWindowMsP50.best,
    };
  }
  const after = loadavg()[0]!;
  if (json) {
    process.stdout.write(`${JSON.stringify({ preset: 'paper', windowSize: W, inputSize: F, forwardMflopPerWindow: forwardFlops() / 1e6, cpus: cpus().length, loadAverage: after, repeats, results }, null, 2)}\n`);
    return;
  }
  const rows = [
    ['engine', 'simd', 'thr', 'train samples/s best (min..max)', 'x portable', 'infer windows/s best (min..max)', 'x portable', '1 window ms p50 best (min..max)', 'x portable', 'GFLOP/s train/infer', 'per CPU-s train/infer'],
    ...results.map((r) => [
      r.engine,
      r.simd,
      String(r.threads),
      fmt(r.trainSamplesPerSec, 1),
      r.ratioToPortable?.train.toFixed(1) ?? '-',
      fmt(r.inferWindowsPerSec, 1),
      r.ratioToPortable?.infer.toFixed(1) ?? '-',
      fmt(r.oneWindowMsP50, 3),
      r.ratioToPortable?.oneWindow.toFixed(1) ?? '-',
      `${r.trainGflops.toFixed(1)}/${r.inferGflops.toFixed(1)}`,
      `${r.trainSamplesPerCpuSec.toFixed(0)}/${r.inferWindowsPerCpuSec.toFixed(0)}`,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  log(`targets (issue 3): training >= 1500 samples/s, inference >= 6000 windows/s, one window < 1 ms. load average now ${after.toFixed(2)}`);
  log('per CPU-s: samples (windows) per CPU-second of this process, all threads; on a shared machine wall-clock figures are lower by the share of CPU the others take.');
}
