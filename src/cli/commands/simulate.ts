import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { SimulationError, buildPlant, isFaultType, type FaultLabel, type FaultType, type Telemetry } from '../../domain/index.js';
import { generateHistory, generateHistoryParallel, parseExplicitFault, type ExplicitFault, type HistoryProgress, type HistorySummary } from '../../simulate/index.js';
import { openSqliteStore } from '../../store/index.js';
import { configFor, intOption, printResult } from '../shared-options.js';

const DAY_MS = 86_400_000;

export interface SimulateToFileOptions {
  /** SQLite file to write; must not exist unless `force`. */
  out: string;
  /** Remove an existing `out` first. */
  force?: boolean;
  days: number;
  machines: number;
  seed: number;
  startMs: number;
  tickMs: number;
  faultsPerDay: number;
  faultTypes?: readonly FaultType[];
  faults?: readonly ExplicitFault[];
  /** Generate in this thread instead of a worker (for comparison). */
  serial?: boolean;
  onProgress?: (p: HistoryProgress) => void;
}

export interface SimulateToFileResult extends HistorySummary {
  file: string;
  /** Wall time of generation and writing, including closing the file. */
  seconds: number;
  readingsPerSecond: number;
  /** Of `seconds`, the time spent inside the store's write calls (this thread). */
  storeSeconds: number;
}

/**
 * Fast mode into a fresh SQLite file (bulk load): plant, every reading and every label.
 * Shared by `plantwatch simulate` and `npm run bench -- simulate`.
 */
export async function simulateToFile(o: SimulateToFileOptions): Promise<SimulateToFileResult> {
  const file = resolve(o.out);
  if (existsSync(file)) {
    if (!o.force) throw new SimulationError('PW_ERR_SIM_OUT_EXISTS', `output file ${file} exists; choose another --out or pass --force to replace it`);
    for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
  }
  mkdirSync(dirname(file), { recursive: true });
  const plant = buildPlant({ machineCount: o.machines });
  const t0 = performance.now();
  const store = await openSqliteStore({ file, bulkLoad: true });
  let summary: HistorySummary;
  let storeMs = 0;
  try {
    await store.migrate();
    await store.savePlant(plant);
    const options = {
      plant,
      startMs: o.startMs,
      days: o.days,
      seed: o.seed,
      tickMs: o.tickMs,
      faultsPerDay: o.faultsPerDay,
      faultTypes: o.faultTypes,
      faults: o.faults,
    };
    // Time the store's share, so a slow run tells whether generation or writing held it up.
    const sink = {
      writeTelemetry: async (batch: readonly Telemetry[]) => {
        const t = performance.now();
        await store.writeTelemetry(batch);
        storeMs += performance.now() - t;
      },
      writeFaultLabels: async (labels: readonly FaultLabel[]) => {
        const t = performance.now();
        await store.writeFaultLabels(labels);
        storeMs += performance.now() - t;
      },
    };
    summary = o.serial ? await generateHistory(options, sink, o.onProgress) : await generateHistoryParallel(options, sink, o.onProgress);
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { ...summary, file, seconds, readingsPerSecond: summary.readings / seconds, storeSeconds: storeMs / 1000 };
}

function parseDays(raw: string): number {
  const n = Number(raw);
  if (!(n > 0 && n <= 3660)) throw new InvalidArgumentError(`--days must be a number of days above 0 and at most 3660, got "${raw}"`);
  return n;
}

function parseRate(raw: string): number {
  const n = Number(raw);
  if (!(n >= 0 && n <= 100)) throw new InvalidArgumentError(`--faults-per-day must be a number from 0 to 100, got "${raw}"`);
  return n;
}

function parseTypes(raw: string): FaultType[] {
  const types = raw.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  for (const t of types) if (!isFaultType(t)) throw new InvalidArgumentError(`--fault-types: unknown fault type "${t}"`);
  return types as FaultType[];
}

function parseStart(raw: string): number {
  const ms = Date.parse(raw);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`--start must be an ISO date such as 2026-01-05T00:00:00Z, got "${raw}"`);
  return ms;
}

interface SimulateFlags {
  days: number;
  machines?: number;
  seed?: number;
  out: string;
  start?: number;
  faultsPerDay?: number;
  faultTypes?: FaultType[];
  fault: string[];
  tickMs?: number;
  force?: boolean;
  serial?: boolean;
  json?: boolean;
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('write a simulated plant history (readings and ground-truth fault labels) into a SQLite file, fast')
    .requiredOption('--out <file>', 'SQLite file to write (a fresh file)')
    .option('--days <n>', 'days of history', parseDays, 7)
    .option('--machines <n>', 'machines in the plant (default: config plant.machineCount, 95)', intOption('--machines'))
    .option('--seed <n>', 'random seed (default: config simulator.seed)', intOption('--seed'))
    .option('--start <iso>', 'first reading time, e.g. 2026-01-05T00:00:00Z (default: --days before today 00:00 UTC)', parseStart)
    .option('--faults-per-day <x>', 'random faults per machine per day (default: config simulator.faultsPerMachineDay)', parseRate)
    .option('--fault-types <list>', 'comma-separated fault types drawn at random (default: all)', parseTypes)
    .option('--fault <spec>', 'inject a fault: type:machine:startISO:duration[:severity[:sensor]] (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--tick-ms <ms>', 'interval between readings (default: config simulator.tickMs, 5000)', intOption('--tick-ms'))
    .option('--force', 'replace --out if it exists')
    .option('--serial', 'generate in the main thread (no worker)')
    .option('--json', 'print the summary as JSON')
    .action(async function (this: Command, flags: SimulateFlags) {
      const config = configFor(this, {
        plant: { machineCount: flags.machines },
        simulator: { seed: flags.seed, tickMs: flags.tickMs, faultsPerMachineDay: flags.faultsPerDay },
      });
      const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
      const startMs = flags.start ?? today - Math.ceil(flags.days) * DAY_MS;
      const faults = flags.fault.map(parseExplicitFault);
      const bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: 'simulate [{bar}] {percentage}% | {value}/{total} readings | machine {machinesDone}/{machines} | {rate}/s | eta {eta_formatted}', hideCursor: true, etaBuffer: 50 },
        cliProgress.Presets.shades_classic,
      );
      let started = false;
      const t0 = performance.now();
      const result = await simulateToFile({
        out: flags.out,
        force: flags.force,
        days: flags.days,
        machines: config.plant.machineCount,
        seed: config.simulator.seed,
        startMs,
        tickMs: config.simulator.tickMs,
        faultsPerDay: config.simulator.faultsPerMachineDay,
        faultTypes: flags.faultTypes,
        faults,
        serial: flags.serial,
        onProgress: (p) => {
          const payload = { machinesDone: p.machinesDone, machines: p.machines, rate: Math.round(p.readings / Math.max(0.001, (performance.now() - t0) / 1000)) };
          if (!started) {
            bar.start(p.ticksTotal, 0, payload);
            started = true;
          }
          bar.update(p.readings, payload);
        },
      }).finally(() => {
        if (started) bar.stop();
      });
      const summary = {
        file: result.file,
        machines: result.machines,
        readings: result.readings,
        labels: result.labels,
        labelsByType: result.labelsByType,
        start: new Date(result.startMs).toISOString(),
        end: new Date(result.endMs).toISOString(),
        seed: config.simulator.seed,
        seconds: Number(result.seconds.toFixed(2)),
        storeSeconds: Number(result.storeSeconds.toFixed(2)),
        readingsPerSecond: Math.round(result.readingsPerSecond),
      };
      printResult(!!flags.json, summary, () =>
        [
          `wrote ${summary.file}`,
          `  machines   ${summary.machines}`,
          `  readings   ${summary.readings.toLocaleString('en-US')} (${summary.start} .. ${summary.end}, seed ${summary.seed})`,
          `  labels     ${summary.labels}${summary.labels ? `: ${Object.entries(summary.labelsByType).map(([t, n]) => `${t} ${n}`).join(', ')}` : ''}`,
          `  time       ${summary.seconds} s (${summary.storeSeconds} s in store writes), ${summary.readingsPerSecond.toLocaleString('en-US')} readings/s`,
        ].join('\n'),
      );
    });
}
