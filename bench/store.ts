/**
 * `npm run bench -- store [--days 7] [--machines 95] [--live-machines 50000] [--live-rows 500000] [--json]`
 *
 * Storage write speed, all measured in this run:
 * - baseline: naive SQLite, one INSERT per transaction, default settings (a small timed sample);
 * - SQLite bulk path (`bulkLoad: true`), machine-major batches of 20,000, as `plantwatch simulate` writes;
 * - SQLite live path (WAL, synchronous=NORMAL), time-major batches of 1,000 across many machines,
 *   with per-commit latency;
 * - the same paced at a steady --paced-rate (10,000 rows/s: 50,000 machines at 5 s) for latency
 *   as production sees it;
 * - PostgreSQL live path, when PLANTWATCH_TEST_PG_URL is set (own schema, dropped afterwards).
 * Rates count rows stored per second of time spent inside writeTelemetry; generating readings is
 * timed apart. Speed-ups are ratios against the baseline. CPU time is this process's (for PostgreSQL the
 * server's work is not in it).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { quantise, SENSOR_KINDS, type Telemetry } from '../src/domain/index.js';
import { openPostgresStore, openSqliteStore, type Store } from '../src/store/index.js';

interface Args {
  days: number;
  machines: number;
  liveMachines: number;
  liveRows: number;
  liveBatch: number;
  bulkBatch: number;
  /** Rows/s of the paced live phase (ingestion at a steady rate, as in production). */
  pacedRate: number;
  pacedSeconds: number;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { days: 7, machines: 95, liveMachines: 50_000, liveRows: 500_000, liveBatch: 1000, bulkBatch: 20_000, pacedRate: 10_000, pacedSeconds: 10, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') out.json = true;
    else {
      const key = a.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof Args;
      const value = Number(argv[++i]);
      if (!(key in out) || key === 'json' || !(value > 0)) throw new Error(`unknown option or bad value: ${a} ${argv[i] ?? ''}`);
      (out[key] as number) = value;
    }
  }
  return out;
}

const T0 = Date.UTC(2026, 0, 1);
const TICK_MS = 5000;

/** Cheap, deterministic, quantised readings: the store sees what devices send. */
function makeReading(machine: number, tick: number): Telemetry {
  const phase = (tick % 720) / 720;
  const wobble = ((machine * 7919 + tick * 104_729) % 1000) / 1000;
  return {
    machineId: `m-${machine}`,
    tsMs: T0 + tick * TICK_MS,
    seq: tick,
    values: {
      temperature: quantise('temperature', 40 + 10 * Math.sin(phase * 6.283) + wobble),
      humidity: quantise('humidity', 45 + wobble * 3),
      vibration: quantise('vibration', 2 + wobble),
      speed: quantise('speed', 1500 + wobble * 20),
      current: quantise('current', 12 + wobble * 2),
      gas: quantise('gas', 400 + wobble * 10),
      coolant_pressure: quantise('coolant_pressure', 3 + wobble / 10),
      supply_voltage: quantise('supply_voltage', 24 + wobble / 100),
    },
  };
}

interface Phase {
  name: string;
  rows: number;
  writeS: number;
  rowsPerS: number;
  cpuS: number;
  p50Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  extra?: Record<string, number | string>;
}

const cpuUs = (u: NodeJS.CpuUsage): number => u.user + u.system;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function progress(json: boolean, line: string): void {
  if (!json) process.stderr.write(`\r${line.padEnd(70)}`);
}

function baseline(dir: string, budgetMs = 3000): Phase {
  const file = join(dir, 'naive.db');
  const db = new Database(file);
  db.exec(`CREATE TABLE readings (machine_id TEXT, ts_ms INTEGER, seq INTEGER, ${SENSOR_KINDS.map((s) => `${s} REAL`).join(', ')}, PRIMARY KEY (machine_id, ts_ms))`);
  const stmt = db.prepare(`INSERT INTO readings VALUES (${Array(3 + SENSOR_KINDS.length).fill('?').join(', ')})`);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let rows = 0;
  // Autocommit: every INSERT is its own transaction, as naive code writes.
  while (performance.now() - start < budgetMs && rows < 20_000) {
    const r = makeReading(rows % 95, Math.floor(rows / 95));
    stmt.run(r.machineId, r.tsMs, r.seq, ...SENSOR_KINDS.map((s) => r.values[s] ?? null));
    rows++;
  }
  const writeS = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  db.close();
  return { name: 'baseline: SQLite, 1 row per transaction', rows, writeS, rowsPerS: rows / writeS, cpuS: (cpu.user + cpu.system) / 1e6 };
}

async function bulk(dir: string, a: Args): Promise<Phase> {
  const file = join(dir, 'bulk.db');
  const store = await openSqliteStore({ file, bulkLoad: true });
  const ticks = Math.round((a.days * 86_400_000) / TICK_MS);
  const total = ticks * a.machines;
  let writeMs = 0;
  let genMs = 0;
  let rows = 0;
  let writeCpuUs = 0;
  for (let m = 0; m < a.machines; m++) {
    for (let t0 = 0; t0 < ticks; t0 += a.bulkBatch) {
      const g = performance.now();
      const batch: Telemetry[] = [];
      for (let t = t0; t < Math.min(ticks, t0 + a.bulkBatch); t++) batch.push(makeReading(m, t));
      const w = performance.now();
      genMs += w - g;
      const c0 = process.cpuUsage();
      rows += (await store.writeTelemetry(batch)).inserted;
      writeCpuUs += cpuUs(process.cpuUsage(c0));
      writeMs += performance.now() - w;
    }
    progress(a.json, `bulk: machine ${m + 1}/${a.machines}, ${rows.toLocaleString()}/${total.toLocaleString()} rows`);
  }
  const c = performance.now();
  const cc = process.cpuUsage();
  await store.close();
  writeCpuUs += cpuUs(process.cpuUsage(cc));
  const closeMs = performance.now() - c;
  const writeS = (writeMs + closeMs) / 1000;
  return {
    name: `SQLite bulk, machine-major, batch ${a.bulkBatch}`,
    rows,
    writeS,
    rowsPerS: rows / writeS,
    cpuS: writeCpuUs / 1e6,
    extra: { generateS: Number((genMs / 1000).toFixed(2)), fileMB: Number((statSync(file).size / 1e6).toFixed(0)), bytesPerRow: Number((statSync(file).size / rows).toFixed(1)) },
  };
}

async function live(store: Store, name: string, a: Args, rowsWanted: number, rowsPerS = 0, firstTick = 0): Promise<Phase> {
  const latencies: number[] = [];
  let rows = 0;
  let writeMs = 0;
  let writeCpuUs = 0;
  let tick = firstTick;
  let machine = 0;
  const startMs = performance.now();
  while (rows < rowsWanted) {
    if (rowsPerS > 0) {
      // Paced: the next batch is due when the rows so far would have arrived at rowsPerS.
      const dueMs = startMs + (rows / rowsPerS) * 1000 - performance.now();
      if (dueMs > 0) await new Promise((r) => setTimeout(r, dueMs));
    }
    const batch: Telemetry[] = [];
    // Time-major: every machine's reading for a tick, then the next tick.
    while (batch.length < a.liveBatch) {
      batch.push(makeReading(machine, tick));
      if (++machine === a.liveMachines) {
        machine = 0;
        tick++;
      }
    }
    const w = performance.now();
    const c0 = process.cpuUsage();
    rows += (await store.writeTelemetry(batch)).inserted;
    writeCpuUs += cpuUs(process.cpuUsage(c0));
    const ms = performance.now() - w;
    latencies.push(ms);
    writeMs += ms;
    if (latencies.length % 50 === 0) progress(a.json, `${name}: ${rows.toLocaleString()}/${rowsWanted.toLocaleString()} rows`);
  }
  latencies.sort((x, y) => x - y);
  return {
    name,
    rows,
    writeS: writeMs / 1000,
    rowsPerS: rows / (writeMs / 1000),
    cpuS: writeCpuUs / 1e6,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? 0,
  };
}

export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv);
  const dir = mkdtempSync(join(tmpdir(), 'plantwatch-bench-store-'));
  const phases: Phase[] = [];
  try {
    phases.push(baseline(dir));
    phases.push(await bulk(dir, a));
    const sqlite = await openSqliteStore({ file: join(dir, 'live.db') });
    phases.push(await live(sqlite, `SQLite live, time-major, batch ${a.liveBatch}, ${a.liveMachines} machines`, a, a.liveRows));
    const firstTick = Math.ceil(a.liveRows / a.liveMachines) + 1;
    phases.push(
      await live(sqlite, `SQLite live, paced at ${a.pacedRate} rows/s, batch ${a.liveBatch}`, a, a.pacedRate * a.pacedSeconds, a.pacedRate, firstTick),
    );
    await sqlite.close();
    const url = process.env.PLANTWATCH_TEST_PG_URL;
    if (url) {
      const schema = `pw_bench_${process.pid}`;
      const store = await openPostgresStore({ url, schema, poolSize: 2 });
      try {
        phases.push(await live(store, `PostgreSQL live, time-major, batch ${a.liveBatch}, ${a.liveMachines} machines`, a, Math.min(a.liveRows, 200_000)));
      } finally {
        await store.close();
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      }
    } else if (!a.json) process.stderr.write('\nPostgreSQL: skipped (PLANTWATCH_TEST_PG_URL not set)\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = phases[0]!.rowsPerS;
  if (a.json) {
    console.log(JSON.stringify({ benchmark: 'store', args: a, phases: phases.map((p) => ({ ...p, rowsPerCpuS: p.rows / p.cpuS, speedupVsBaseline: p.rowsPerS / base })) }, null, 2));
    return;
  }
  process.stderr.write('\n');
  const rowsFmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  console.log('(rows/s: rows over wall time inside writeTelemetry; cpu s: this process\'s CPU time in it, all threads; rows/cpu-s is steadier on a busy machine)');
  console.log(['phase'.padEnd(62), 'rows'.padStart(12), 'write s'.padStart(8), 'rows/s'.padStart(11), 'x base'.padStart(8), 'cpu s'.padStart(7), 'rows/cpu-s'.padStart(11), 'p50 ms'.padStart(7), 'p99 ms'.padStart(7), 'max ms'.padStart(7)].join(' '));
  for (const p of phases) {
    const ms = (v: number | undefined): string => (v === undefined ? '' : v.toFixed(1)).padStart(7);
    console.log(
      [p.name.padEnd(62), rowsFmt(p.rows).padStart(12), p.writeS.toFixed(2).padStart(8), rowsFmt(p.rowsPerS).padStart(11), (p.rowsPerS / base).toFixed(0).padStart(8), p.cpuS.toFixed(2).padStart(7), rowsFmt(p.rows / p.cpuS).padStart(11), ms(p.p50Ms), ms(p.p99Ms), ms(p.maxMs)].join(' '),
    );
    if (p.extra) console.log(`  ${Object.entries(p.extra).map(([k, v]) => `${k}=${v}`).join('  ')}`);
  }
}
