/**
 * `npm run bench -- simulate [--days 7] [--machines 95] [--seed 1] [--serial] [--json]`
 *
 * Times `plantwatch simulate --days 7 --machines 95` (issue 2, Must show: every reading and label
 * stored in under 60 s on the 2-core machine): fast mode into a fresh SQLite file (bulk load),
 * through the same function as the CLI. Baseline measured in the same run: the generator alone on
 * one core (no Telemetry objects, no store), so the end-to-end rate is printed as a ratio of it.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateToFile } from '../src/cli/commands/simulate.js';
import { buildPlant } from '../src/domain/index.js';
import { resolveHistoryOptions, runMachine } from '../src/simulate/index.js';

const START_MS = Date.UTC(2026, 0, 5);

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!(n > 0)) throw new Error(`${name} must be a positive number, got "${args[i + 1]}"`);
  return n;
}

/** Generator only, this thread: readings per second over `days` of every machine. */
function generationRate(machines: number, days: number, seed: number): { readings: number; seconds: number; rate: number; checksum: number } {
  const o = resolveHistoryOptions({ plant: buildPlant({ machineCount: machines }), startMs: START_MS, days, seed });
  let readings = 0;
  // Summing one channel keeps the readings observable, so the loop cannot be optimised away.
  let checksum = 0;
  const t0 = performance.now();
  for (const m of o.machines) {
    runMachine(m, o, (_ts, _seq, v) => {
      readings++;
      checksum += v[0]!;
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  return { readings, seconds, rate: readings / seconds, checksum };
}

export async function run(args: string[]): Promise<void> {
  const days = flag(args, '--days', 7);
  const machines = flag(args, '--machines', 95);
  const seed = flag(args, '--seed', 1);
  const json = args.includes('--json');
  const serial = args.includes('--serial');
  const dir = mkdtempSync(join(tmpdir(), 'plantwatch-bench-simulate-'));
  const file = join(dir, 'history.db');
  try {
    // Baseline first (one day at most, so quick runs stay quick).
    const gen = generationRate(machines, Math.min(days, 1), seed);
    let lastPct = -1;
    const result = await simulateToFile({
      out: file,
      days,
      machines,
      seed,
      startMs: START_MS,
      tickMs: 5000,
      faultsPerDay: 0.5,
      serial,
      onProgress: (p) => {
        const pct = Math.floor((100 * p.readings) / p.ticksTotal / 10) * 10;
        if (!json && pct !== lastPct) {
          lastPct = pct;
          process.stderr.write(`\r  writing ${pct}% (${p.machinesDone}/${p.machines} machines)`);
        }
      },
    });
    if (!json) process.stderr.write('\n');
    const out = {
      benchmark: 'simulate',
      days,
      machines,
      seed,
      mode: serial ? 'serial' : 'worker',
      readings: result.readings,
      labels: result.labels,
      seconds: Number(result.seconds.toFixed(2)),
      readingsPerSecond: Math.round(result.readingsPerSecond),
      fileBytes: statSync(file).size,
      underSixtySeconds: result.seconds < 60,
      baseline: {
        what: 'generator alone, one core, no objects, no store',
        readings: gen.readings,
        seconds: Number(gen.seconds.toFixed(2)),
        readingsPerSecond: Math.round(gen.rate),
      },
      endToEndOverGenerator: Number((result.readingsPerSecond / gen.rate).toFixed(3)),
    };
    if (json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    else {
      process.stdout.write(
        [
          `simulate --days ${days} --machines ${machines} (${out.mode}) into SQLite (bulk load)`,
          `  readings stored      ${out.readings.toLocaleString('en-US')}, labels ${out.labels}, file ${(out.fileBytes / 1e6).toFixed(0)} MB`,
          `  time                 ${out.seconds} s ${out.underSixtySeconds ? '(under 60 s)' : '(OVER 60 s)'}`,
          `  end-to-end rate      ${out.readingsPerSecond.toLocaleString('en-US')} readings/s`,
          `  generator alone      ${out.baseline.readingsPerSecond.toLocaleString('en-US')} readings/s (baseline, one core)`,
          `  end-to-end/generator ${out.endToEndOverGenerator}`,
        ].join('\n') + '\n',
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
