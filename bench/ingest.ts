/**
 * `npm run bench -- ingest [--seconds 60] [--machines 50000] [--publishers 4] [--tick-ms 5000] [--baseline-seconds 10] [--commit-delay-ms 0] [--json]`
 *
 * MQTT publish -> validated -> committed, through the embedded broker into SQLite (issue 2, Must show).
 * Publishers are worker threads with their own mqtt.js client, publishing at QoS 1. The embedded
 * broker sends a PUBACK only after the reading is committed, so publish -> PUBACK is an upper bound
 * of publish -> commit latency.
 *
 * Phases, each on a fresh broker (and a fresh SQLite file):
 *  1. baseline: the bare aedes broker, no ingestion (PUBACK at once), closed loop: raw broker capacity;
 *     then the plant's open-loop load on the bare broker: the latency this machine gives without us;
 *  2. ingest max: the same closed loop with ingestion: capacity with validation and storage; ratio to 1;
 *  3. ingest plant: open loop, every machine once per tick (50,000 machines at 5 s = 10,000 msg/s) for
 *     --seconds: the sustained committed rate, p50/p99 latency, and nothing lost (store == acknowledged).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, type Config } from '../src/config/index.js';
import { SENSOR_KINDS, type Machine, type Plant } from '../src/domain/index.js';
import { createLogger } from '../src/logging/index.js';
import { openSqliteStore } from '../src/store/index.js';
import { DEFAULT_GROUP_COMMIT_DELAY_MS, startEmbeddedBroker, startIngestion, type RunningIngestion } from '../src/ingest/index.js';
import type { PublisherResult, PublisherTask } from './_ingest-publisher.js';

interface Args {
  seconds: number;
  machines: number;
  publishers: number;
  tickMs: number;
  baselineSeconds: number;
  window: number;
  /** BatchWriter groupCommitDelayMs for the ingestion phases. */
  commitDelayMs: number;
  json: boolean;
}

const DEFAULTS: Args = { seconds: 60, machines: 50_000, publishers: 4, tickMs: 5000, baselineSeconds: 10, window: 500, commitDelayMs: DEFAULT_GROUP_COMMIT_DELAY_MS, json: false };

function parseArgs(argv: string[]): Args {
  const args = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') {
      args.json = true;
      continue;
    }
    const key = a.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof Args;
    if (!(key in DEFAULTS) || key === 'json') throw new Error(`unknown option ${a}; options: --seconds, --machines, --publishers, --tick-ms, --baseline-seconds, --window, --commit-delay-ms, --json`);
    const value = Number(argv[++i]);
    if (!Number.isFinite(value) || value < 0 || (value === 0 && key !== 'commitDelayMs')) throw new Error(`${a} needs a positive number, got "${argv[i]}"`);
    (args[key] as number) = value;
  }
  return args;
}

interface PhaseResult {
  name: string;
  mode: 'rate' | 'max';
  seconds: number;
  offeredPerSec: number | null;
  sent: number;
  acked: number;
  skipped: number;
  errors: number;
  /** Acknowledged (= committed, with ingestion) messages per second after the warm-up. */
  ackedPerSec: number;
  /** Committed rows per second from the store's own counter, after the warm-up (ingestion phases). */
  committedPerSec: number | null;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  storedRows: number | null;
  deadLetters: number | null;
  lost: number | null;
  flushes: number | null;
  maxFlushMs: number | null;
  /** CPU time (user + system) of the broker/ingestion process per message handled, during publishing. */
  cpuUsPerMessage: number;
  /** 1e6 / cpuUsPerMessage: what one dedicated core would sustain, independent of other load on the machine. */
  impliedCoreCapacityPerSec: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A plant of any size (buildPlant stops at 10,000 machines; the bench goes to 50,000). */
function benchMachines(n: number): Machine[] {
  const width = String(n).length;
  return Array.from({ length: n }, (_, i) => ({ id: `m-${String(i + 1).padStart(width, '0')}`, areaId: `area-${Math.floor(i / 25) + 1}`, type: 'assembly', criticality: 'medium', sensors: SENSOR_KINDS }));
}

async function runPublishers(
  url: string,
  plantId: string,
  machines: Array<{ id: string; areaId: string }>,
  args: Args,
  mode: 'rate' | 'max',
  seconds: number,
  onStarted: () => void,
  progress: (elapsedS: number) => void,
): Promise<PublisherResult[]> {
  const per = Math.ceil(machines.length / args.publishers);
  const ratePerSec = machines.length / (args.tickMs / 1000) / args.publishers;
  const warmupMs = Math.min(5000, seconds * 200);
  const workers = Array.from({ length: args.publishers }, (_, w) => {
    const task: PublisherTask = {
      url,
      plantId,
      machines: machines.slice(w * per, (w + 1) * per),
      mode,
      ratePerSec,
      // Open loop: allow up to 2 s of backlog before sends are counted as skipped.
      window: mode === 'max' ? args.window : Math.max(1000, Math.ceil(ratePerSec * 2)),
      durationMs: seconds * 1000,
      warmupMs,
      baseTsMs: Date.now() - 86_400_000,
      seqOffset: w * 1_000_000_000,
    };
    const child = fork(fileURLToPath(new URL('./_ingest-publisher.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.send(task);
    return child;
  });
  let started = Date.now();
  let startedCount = 0;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.all(
      workers.map(
        (w) =>
          new Promise<PublisherResult>((resolve, reject) => {
            w.on('message', (m: PublisherResult | { fatal: string } | { started: true }) => {
              if ('started' in m) {
                if (++startedCount === workers.length) {
                  started = Date.now();
                  onStarted();
                  timer = setInterval(() => progress((Date.now() - started) / 1000), 5000);
                }
              } else if ('fatal' in m) reject(new Error(m.fatal));
              else resolve(m);
            });
            w.once('error', reject);
            w.once('exit', (code) => {
              if (code !== 0) reject(new Error(`publisher exited with code ${code}`));
            });
          }),
      ),
    );
  } finally {
    clearInterval(timer);
    for (const w of workers as ChildProcess[]) if (w.exitCode === null) w.kill();
  }
}

function summarise(name: string, mode: 'rate' | 'max', seconds: number, offered: number | null, results: PublisherResult[]): PhaseResult {
  const all = new Float64Array(results.reduce((a, r) => a + r.latenciesMs.length, 0));
  let k = 0;
  for (const r of results) {
    all.set(r.latenciesMs, k);
    k += r.latenciesMs.length;
  }
  all.sort();
  const measuredSpanS = Math.max(...results.map((r) => (r.lastAckMs - r.firstMeasuredMs) / 1000));
  const ackedAfterWarmup = results.reduce((a, r) => a + r.ackedAfterWarmup, 0);
  return {
    name,
    mode,
    seconds,
    offeredPerSec: offered,
    sent: results.reduce((a, r) => a + r.sent, 0),
    acked: results.reduce((a, r) => a + r.acked, 0),
    skipped: results.reduce((a, r) => a + r.skipped, 0),
    errors: results.reduce((a, r) => a + r.errors, 0),
    ackedPerSec: Math.round(ackedAfterWarmup / measuredSpanS),
    committedPerSec: null,
    p50Ms: Number(percentile(all, 50).toFixed(1)),
    p95Ms: Number(percentile(all, 95).toFixed(1)),
    p99Ms: Number(percentile(all, 99).toFixed(1)),
    maxMs: Number((all[all.length - 1] ?? Number.NaN).toFixed(1)),
    storedRows: null,
    deadLetters: null,
    lost: null,
    flushes: null,
    maxFlushMs: null,
    cpuUsPerMessage: Number.NaN,
    impliedCoreCapacityPerSec: Number.NaN,
  };
}

async function phase(name: string, args: Args, mode: 'rate' | 'max', seconds: number, withIngestion: boolean, log: (line: string) => void): Promise<PhaseResult> {
  const logger = createLogger({ level: 'warn', pretty: false }, process.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-ingest-'));
  const machines = benchMachines(args.machines);
  const areaIds = [...new Set(machines.map((m) => m.areaId))];
  const plant: Plant = { id: 'bench', name: 'bench plant', areas: areaIds.map((id) => ({ id, name: id })), machines };
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger });
  const store = withIngestion ? await openSqliteStore({ file: join(dir, 'bench.db'), logger }) : undefined;
  // Machines are registered before the clock starts, as `npm start` does; otherwise the first
  // minute measures machine registration (50,000 inserts) rather than ingestion.
  await store?.savePlant(plant);
  let ingestion: RunningIngestion | undefined;
  if (store) {
    const config: Config = DEFAULT_CONFIG;
    ingestion = await startIngestion({ config, store, plant, logger, broker, writer: { groupCommitDelayMs: args.commitDelayMs } });
  }
  const offered = mode === 'rate' ? args.machines / (args.tickMs / 1000) : null;
  log(`\n${name}: ${mode === 'rate' ? `open loop, ${offered} msg/s offered (${args.machines} machines every ${args.tickMs} ms)` : `closed loop, ${args.window} in flight per publisher`}, ${args.publishers} publishers, ${seconds} s`);
  let lastInserted = 0;
  let lastT = Date.now();
  let insertedAtWarmup: { n: number; t: number } | undefined;
  let insertedAtEnd = 0;
  let endedAt = 0;
  const warmupS = Math.min(5, seconds * 0.2);
  let startedAt = Number.POSITIVE_INFINITY;
  // Messages the broker took in from publishers, and this process's CPU time, over the publishing window.
  let handled = 0;
  broker.broker.on('publish', (_packet, client) => {
    if (client) handled++;
  });
  let cpuStart = process.cpuUsage();
  let handledAtStart = 0;
  let cpuWindow = { us: 0, messages: 0 };
  let windowClosed = false;
  const closeWindow = (): void => {
    if (windowClosed) return;
    windowClosed = true;
    endedAt = Date.now();
    const cpu = process.cpuUsage(cpuStart);
    cpuWindow = { us: cpu.user + cpu.system, messages: handled - handledAtStart };
    if (ingestion) insertedAtEnd = ingestion.counters().writer.inserted;
  };
  const sampler = setInterval(() => {
    if (!ingestion) return;
    const c = ingestion.counters();
    if (!insertedAtWarmup && Date.now() - startedAt >= warmupS * 1000) insertedAtWarmup = { n: c.writer.inserted, t: Date.now() };
  }, 20);
  try {
    const results = await runPublishers(broker.url, plant.id, machines, args, mode, seconds, () => {
      startedAt = Date.now();
      cpuStart = process.cpuUsage();
      handledAtStart = handled;
      setTimeout(closeWindow, seconds * 1000);
    }, (elapsedS) => {
      if (ingestion) {
        const c = ingestion.counters();
        const now = Date.now();
        log(`  ${elapsedS.toFixed(0).padStart(3)} s  committed ${Math.round(((c.writer.inserted - lastInserted) * 1000) / (now - lastT))}/s  total ${c.writer.inserted}  queue ${c.writer.queueDepth}  last flush ${c.writer.lastFlushMs.toFixed(1)} ms`);
        lastInserted = c.writer.inserted;
        lastT = now;
      } else log(`  ${elapsedS.toFixed(0).padStart(3)} s`);
    });
    closeWindow();
    const r = summarise(name, mode, seconds, offered, results);
    if (cpuWindow.messages > 0) {
      r.cpuUsPerMessage = Number((cpuWindow.us / cpuWindow.messages).toFixed(1));
      r.impliedCoreCapacityPerSec = Math.round(1e6 / r.cpuUsPerMessage);
    }
    if (ingestion && store) {
      const c = ingestion.counters();
      // Rows committed between the end of the warm-up and the end of publishing, per second.
      if (insertedAtWarmup && endedAt > insertedAtWarmup.t) r.committedPerSec = Math.round(((insertedAtEnd - insertedAtWarmup.n) * 1000) / (endedAt - insertedAtWarmup.t));
      await ingestion.stop();
      const stats = await store.stats();
      r.storedRows = stats.telemetryRows;
      r.deadLetters = stats.deadLetterRows;
      // Every acknowledged message must be stored; anything stored but unacknowledged would show as negative.
      r.lost = r.acked - stats.telemetryRows;
      r.flushes = c.writer.flushes;
      r.maxFlushMs = Number(c.writer.maxFlushMs.toFixed(1));
    }
    return r;
  } finally {
    clearInterval(sampler);
    await ingestion?.stop();
    await broker.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  // The machine may be shared: the load average before and after says how much CPU the run really had.
  const loadBefore = loadavg()[0]!;
  log(`ingest bench: ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, load average ${loadBefore.toFixed(1)}, node ${process.version}, SQLite batch ${DEFAULT_CONFIG.store.batchSize}, group commit after ${args.commitDelayMs} ms (at most ${DEFAULT_CONFIG.store.flushIntervalMs} ms)`);
  const baseline = await phase('baseline (bare broker, no ingestion)', args, 'max', args.baselineSeconds, false, log);
  // The same open-loop plant load on the bare broker: the latency tail this machine gives anyway.
  const baselinePlant = await phase('baseline plant (bare broker, open loop)', args, 'rate', args.baselineSeconds, false, log);
  const ingestMax = await phase('ingest max (closed loop)', args, 'max', args.baselineSeconds, true, log);
  const plant = await phase('ingest plant (open loop)', args, 'rate', args.seconds, true, log);
  const capacityRatio = Number((ingestMax.ackedPerSec / baseline.ackedPerSec).toFixed(3));
  // CPU cost of ingestion relative to the bare broker: independent of what else runs on the machine.
  const cpuRatio = Number((plant.cpuUsPerMessage / baseline.cpuUsPerMessage).toFixed(2));
  const target = { minPerSec: 10_000, maxP99Ms: 100 };
  const sustained = plant.committedPerSec ?? plant.ackedPerSec;
  const verdict = {
    sustainedPerSec: sustained,
    p50Ms: plant.p50Ms,
    p99Ms: plant.p99Ms,
    lost: plant.lost,
    meetsTarget: sustained >= target.minPerSec && plant.p99Ms < target.maxP99Ms && plant.lost === 0 && plant.skipped === 0,
  };
  const loadAverage = { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0]!.toFixed(2)) };
  const p99Ratio = Number((plant.p99Ms / baselinePlant.p99Ms).toFixed(2));
  const out = { args, cpus: availableParallelism(), loadAverage, baseline, baselinePlant, ingestMax, plant, capacityRatio, cpuRatio, p99Ratio, target, verdict };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const row = (r: PhaseResult): string =>
    `${r.name.padEnd(38)} ${String(r.ackedPerSec).padStart(8)} msg/s  p50 ${String(r.p50Ms).padStart(6)} ms  p99 ${String(r.p99Ms).padStart(7)} ms  cpu ${r.cpuUsPerMessage} us/msg  acked ${r.acked}${r.lost === null ? '' : `  stored ${r.storedRows}  lost ${r.lost}`}${r.skipped ? `  skipped ${r.skipped}` : ''}`;
  process.stdout.write(
    [
      '',
      row(baseline),
      row(baselinePlant),
      row(ingestMax),
      row(plant),
      '',
      `capacity with ingestion vs bare broker (same publishers, same run): ${capacityRatio}x (${ingestMax.ackedPerSec} / ${baseline.ackedPerSec} msg/s)`,
      `plant-load latency vs bare broker at the same load: p99 ${plant.p99Ms} / ${baselinePlant.p99Ms} ms (${p99Ratio}x), p50 ${plant.p50Ms} / ${baselinePlant.p50Ms} ms`,
      `CPU per message in the broker process: bare broker ${baseline.cpuUsPerMessage} us, with ingestion ${plant.cpuUsPerMessage} us (${cpuRatio}x); one dedicated core would sustain ~${plant.impliedCoreCapacityPerSec} msg/s with ingestion`,
      `plant load: ${plant.offeredPerSec} msg/s offered, ${sustained} msg/s committed (store counter), p50 ${plant.p50Ms} ms, p95 ${plant.p95Ms} ms, p99 ${plant.p99Ms} ms publish->PUBACK (after commit), longest flush ${plant.maxFlushMs} ms, lost ${plant.lost}, skipped sends ${plant.skipped}`,
      `target >= ${target.minPerSec} msg/s with p99 < ${target.maxP99Ms} ms and nothing lost: ${verdict.meetsTarget ? 'MET' : 'NOT MET'} (${availableParallelism()} CPUs, load average ${loadAverage.before} before, ${loadAverage.after} after)`,
      '',
    ].join('\n'),
  );
}
