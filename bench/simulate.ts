/**
 * `npm run bench -- simulate [--days 7] [--machines 95] [--seed 1] [--serial] [--json]`
 * `npm run bench -- simulate --realtime [--machines 10000] [--seconds 15] [--json]`
 *
 * Times `plantwatch simulate --days 7 --machines 95` (issue 2, Must show: every reading and label
 * stored in under 60 s on the 2-core machine): fast mode into a fresh SQLite file (bulk load),
 * through the same function as the CLI. Baseline measured in the same run: the generator alone on
 * one core (no Telemetry objects, no store), so the end-to-end rate is printed as a ratio of it.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateToFile } from '../src/cli/commands/simulate.js';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { buildPlant, channelFilter } from '../src/domain/index.js';
import { RealtimePlantSimulator, resolveHistoryOptions, runMachine } from '../src/simulate/index.js';

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

/**
 * Real-time mode at scale (issue: 10,000 machines at 5 s = 2,000 msg/s): the simulator, an
 * in-process aedes broker and a subscriber counting telemetry, all in this process. The target
 * rate (machines / tick) is the baseline; the published and received rates are its ratio.
 */
async function runRealtime(args: string[]): Promise<void> {
  const machines = flag(args, '--machines', 10_000);
  const seconds = flag(args, '--seconds', 15);
  const json = args.includes('--json');
  const tickMs = 5000;
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const plant = buildPlant({ machineCount: machines });
  const observer = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  let received = 0;
  observer.on('message', () => received++);
  await observer.subscribeAsync(channelFilter('telemetry', plant.id), { qos: 0 });
  const sim = new RealtimePlantSimulator({ plant, url, seed: 1, tickMs, faultsPerDay: 0.5 });
  const startT0 = performance.now();
  await sim.start();
  const startSeconds = (performance.now() - startT0) / 1000;
  // Warm-up of one tick, then measure.
  await new Promise((r) => setTimeout(r, tickMs));
  let maxLagMs = 0;
  let last = performance.now();
  const lagTimer = setInterval(() => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - last - 50);
    last = now;
  }, 50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const p0 = sim.counters.published;
  const r0 = received;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(lagTimer);
  const published = sim.counters.published - p0;
  const got = received - r0;
  await sim.stop();
  await observer.endAsync();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  const target = (machines * 1000) / tickMs;
  const out = {
    benchmark: 'simulate-realtime',
    machines,
    tickMs,
    seconds: Number(elapsed.toFixed(2)),
    startSeconds: Number(startSeconds.toFixed(2)),
    targetPerSecond: target,
    publishedPerSecond: Math.round(published / elapsed),
    receivedPerSecond: Math.round(got / elapsed),
    publishedOverTarget: Number((published / elapsed / target).toFixed(3)),
    skippedTicks: sim.counters.skippedTicks,
    maxEventLoopLagMs: Math.round(maxLagMs),
    processCpuPercent: Math.round(((cpu.user + cpu.system) / 1e6 / elapsed) * 100),
  };
  if (json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else {
    process.stdout.write(
      [
        `real-time simulator: ${machines} machines every ${tickMs} ms, in-process aedes + one subscriber`,
        `  target               ${target.toLocaleString('en-US')} msg/s (baseline)`,
        `  published            ${out.publishedPerSecond.toLocaleString('en-US')} msg/s (${out.publishedOverTarget} of target), received ${out.receivedPerSecond.toLocaleString('en-US')} msg/s`,
        `  skipped ticks        ${out.skippedTicks}, max event-loop lag ${out.maxEventLoopLagMs} ms, CPU ${out.processCpuPercent} % of one core`,
        `  start (connect)      ${out.startSeconds} s`,
      ].join('\n') + '\n',
    );
  }
}

export async function run(args: string[]): Promise<void> {
  if (args.includes('--realtime')) return runRealtime(args);
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
    const load0 = loadavg()[0]!;
    const cpu0 = process.cpuUsage();
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
    const cpu = process.cpuUsage(cpu0);
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
      storeSeconds: Number(result.storeSeconds.toFixed(2)),
      // CPU of every thread of this process; with other work on the machine, wall time stretches
      // while CPU time mostly does not, so both are printed with the load average.
      cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      loadAverage1m: { before: Number(load0.toFixed(2)), after: Number(loadavg()[0]!.toFixed(2)) },
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
          `  time                 ${out.seconds} s ${out.underSixtySeconds ? '(under 60 s)' : '(OVER 60 s)'}, of which ${out.storeSeconds} s in store writes`,
          `  CPU                  ${out.cpuSeconds} s (all threads); load average ${out.loadAverage1m.before} -> ${out.loadAverage1m.after} on ${availableParallelism()} cores`,
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
