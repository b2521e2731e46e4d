/**
 * `npm run bench -- realtime [--machines 95] [--seconds 120] [--tick-ms 5000] [--faults 0.01] [--json]`
 *
 * The live loop at the paper's scale (95 machines) and at 10,000 on this machine: the simulated
 * plant publishes over MQTT to the embedded broker, ingestion commits to SQLite, the streaming
 * detector scores every reading with a tiny LSTM per machine type (batched across machines), the
 * responder raises alerts with the default rules and sends commands over MQTT; the simulated
 * machines acknowledge. Figures: p50/p99 from the reading's timestamp to the alert, from the alert to
 * the command's publish, and from the reading to its score (every reading).
 * Targets at 10,000 machines: p99 reading -> alert < 250 ms, alert -> command < 50 ms (paper: 2.5 s and 5 s).
 *
 * Alerts come from power interruptions injected on a fraction of the machines halfway through the
 * run. Every simulated machine starts cold; its warm-up (5-10 minutes) is fast-forwarded: the
 * simulator's clock starts 10 minutes in the past and runs 300x until it reaches the wall clock
 * (2 s), then runs with it; the detector ignores readings until then and the models are
 * activated only then. Alerts from anything else
 * than the injected faults are counted apart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { sensorsByType, telemetryToRows, trainDetector } from '../src/detect/index.js';
import { MACHINE_TYPES, type ActionRecord, type Alert } from '../src/domain/index.js';
import { createLogger } from '../src/logging/index.js';
import { startPlantwatch } from '../src/main.js';
import { RealtimePlantSimulator } from '../src/simulate/index.js';
import { simulatedNormalHistory } from '../src/training/index.js';

interface Args {
  machines: number;
  seconds: number;
  tickMs: number;
  faults: number;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { machines: 95, seconds: 120, tickMs: 5000, faults: 0.01, json: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '--json') a.json = true;
    else if (k === '--machines') a.machines = Number(argv[++i]);
    else if (k === '--seconds') a.seconds = Number(argv[++i]);
    else if (k === '--tick-ms') a.tickMs = Number(argv[++i]);
    else if (k === '--faults') a.faults = Number(argv[++i]);
    else throw new Error(`unknown option ${k}; options: --machines, --seconds, --tick-ms, --faults, --json`);
  }
  for (const k of ['machines', 'seconds', 'tickMs'] as const) if (!(Number.isInteger(a[k]) && a[k] > 0)) throw new Error(`--${k} must be a positive integer, got ${a[k]}`);
  if (!(a.faults >= 0 && a.faults <= 1)) throw new Error(`--faults must be a fraction 0..1, got ${a.faults}`);
  return a;
}

function pct(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

// Math.max(...v) overflows the stack at 10,000 machines (hundreds of thousands of scored readings).
const summary = (v: number[]) => ({ n: v.length, p50Ms: pct(v, 0.5), p99Ms: pct(v, 0.99), maxMs: v.length ? v.reduce((m, x) => (x > m ? x : m), -Infinity) : null });

/** Seed of the live simulated plant (and of the history its models are trained on). */
const SIM_SEED = 1;
/** Simulated time the machines run, fast-forwarded, before scoring starts. */
const WARMUP_MS = 10 * 60_000;

export async function run(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const say = (s: string): void => void (args.json || process.stderr.write(`${s}\n`));
  const dataDir = mkdtempSync(join(tmpdir(), 'pw-bench-rt-'));
  const config = loadConfig({
    overrides: {
      dataDir,
      plant: { machineCount: args.machines },
      simulator: { enabled: false, tickMs: args.tickMs, faultsPerMachineDay: 0 },
      mqtt: { mode: 'embedded', port: 0 },
      http: { enabled: false },
      auth: { enabled: false },
      backup: { daily: false },
      detect: { trainOnStart: false, windowSize: 10, modelPollMs: 60_000 },
    },
  });
  const logger = createLogger({ level: 'error', pretty: false });
  // Models first (trained on short simulated histories), so scoring starts with the first window.
  const { buildPlant } = await import('../src/domain/index.js');
  const plant = buildPlant({ machineCount: args.machines, plantId: config.plant.id });
  const { openSqliteStore, sqliteFilePath } = await import('../src/store/index.js');
  const pre = await openSqliteStore({ file: sqliteFilePath(config) });
  const trainedModels: { type: (typeof MACHINE_TYPES)[number]; t: Awaited<ReturnType<typeof trainDetector>> }[] = [];
  const byType = sensorsByType(plant.machines);
  for (const type of MACHINE_TYPES) {
    const machines = plant.machines.filter((m) => m.type === type).slice(0, 3);
    if (machines.length === 0) continue;
    // As plantwatch does on start: the plant's own recent history (same seed as the live simulator,
    // the three hours before now), so the models know the machines and the shift phase they score.
    const h = await simulatedNormalHistory(plant, machines, Date.now() - 3 * 3_600_000 - WARMUP_MS, 3, SIM_SEED, args.tickMs);
    const t = await trainDetector(
      machines.map((m) => telemetryToRows(h.get(m.id)!, byType.get(type)!)),
      { machineType: type, sensors: byType.get(type)!, preset: 'tiny', windowSize: 10, epochs: 3, seed: 1 },
    );
    trainedModels.push({ type, t });
    say(`model for ${type}: ${t.engine} engine, ${t.metrics.trainWindows} windows, ${t.metrics.trainMs} ms`);
  }
  await pre.close();

  const app = await startPlantwatch(config, logger);
  const wallStart = Date.now();
  const WARM_MS = WARMUP_MS;
  const FAST = 300;
  const simNow = (): number => {
    const elapsed = Date.now() - wallStart;
    return elapsed * FAST < WARM_MS ? wallStart - WARM_MS + elapsed * FAST : Date.now();
  };
  const sim = new RealtimePlantSimulator({ plant: app.plant, url: app.mqttUrl, seed: SIM_SEED, tickMs: args.tickMs, faultsPerDay: 0, now: simNow, logger });
  app.detector!.suspend();
  await sim.start();
  await new Promise((r) => setTimeout(r, WARM_MS / FAST + 200));
  // Let ingestion drain what the fast-forward published, then score from a clean slate.
  while (app.ingestion.counters().writer.queueDepth > 0) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  app.detector!.resume(Date.now());
  const registry = app.store.modelRegistry();
  for (const { type, t } of trainedModels) {
    const saved = await registry.saveModel({ machineType: type, preset: t.preset, engine: t.engine, dataFromMs: null, dataToMs: null, metrics: t.metrics, artifact: t.artifact, path: null, createdAtMs: Date.now() });
    await registry.activateModel(saved.id);
  }
  await app.detector!.pollModels();
  const started = Date.now();
  const readings0 = app.detector!.counters.readings;
  say(`plant of ${args.machines} machines warm and running (tick ${args.tickMs} ms), models ${app.detector!.activeModels().map((m) => m.id).join(', ')}`);
  const readingToScore: number[] = [];
  const alerts: Alert[] = [];
  const actions: ActionRecord[] = [];
  app.detector!.on('scored', (t) => readingToScore.push(t.scoredAtMs - t.tsMs));
  app.responder.on('alert', (a, t) => t.reason === 'raise' && alerts.push(a));
  app.responder.on('action', (r) => !r.effect && actions.push(r));
  // Windows of 10 readings fill after 11 ticks; faults go in once every machine is being scored.
  const fillMs = 11 * args.tickMs + 10_000;
  if (args.seconds * 1000 < fillMs + 20_000) throw new Error(`--seconds must be at least ${Math.ceil((fillMs + 20_000) / 1000)} at tick ${args.tickMs} ms (windows fill after 11 ticks)`);
  const injectAtMs = started + Math.max(fillMs, (args.seconds * 1000) / 2);
  const injected = new Set<string>();
  const cpu0 = process.cpuUsage();
  const load0 = loadavg();
  const progress = setInterval(() => say(`  ${Math.round((Date.now() - started) / 1000)} s: ${app.detector!.counters.scored} scored, ${alerts.length} alerts, ${actions.length} actions`), 10_000);
  await new Promise((r) => setTimeout(r, Math.max(0, injectAtMs - Date.now())));
  const victims = plant.machines.filter((_, i) => i % Math.max(1, Math.round(1 / Math.max(args.faults, 1e-9))) === 0).slice(0, Math.ceil(args.machines * args.faults));
  for (const m of victims) {
    sim.injectFault(m.id, 'power_interruption', { durationMs: 10 * 60_000, severity: 1 });
    injected.add(m.id);
  }
  say(`injected power interruptions on ${victims.length} machines`);
  await new Promise((r) => setTimeout(r, Math.max(0, started + args.seconds * 1000 - Date.now())));
  clearInterval(progress);
  const cpu = process.cpuUsage(cpu0);
  const load1 = loadavg();
  const wallS = (Date.now() - started) / 1000;
  const counters = { detector: { ...app.detector!.counters }, ingest: app.ingestion.counters() };
  await sim.stop();
  await app.stop();
  rmSync(dataDir, { recursive: true, force: true });

  const isInjected = (a: Alert): boolean => injected.has(a.machineId) && a.raisedAtMs >= injectAtMs;
  const readingToAlert = (list: Alert[]) => list.map((a) => a.raisedAtMs - a.detectedAtMs);
  const commands = actions.filter((a) => a.sentAtMs !== null);
  const result = {
    machines: args.machines,
    tickMs: args.tickMs,
    seconds: args.seconds,
    readingsPerSecond: Math.round((counters.detector.readings - readings0) / wallS),
    cpuPercentOfOneCore: Math.round(((cpu.user + cpu.system) / 1000 / (wallS * 1000)) * 100),
    /** 1-minute load average of the machine when the measured span began and ended (the box is shared). */
    loadAverage: { start: +load0[0]!.toFixed(2), end: +load1[0]!.toFixed(2) },
    readingToScore: summary(readingToScore),
    readingToAlert: { injected: summary(readingToAlert(alerts.filter(isInjected))), other: summary(readingToAlert(alerts.filter((a) => !isInjected(a)))) },
    alertToCommand: summary(commands.map((a) => a.sentAtMs! - a.alertRaisedAtMs)),
    commandToAck: summary(commands.filter((a) => a.ackAtMs !== null).map((a) => a.ackAtMs! - a.sentAtMs!)),
    commandOutcomes: commands.reduce<Record<string, number>>((o, a) => ((o[a.status] = (o[a.status] ?? 0) + 1), o), {}),
    detector: counters.detector,
    targets: { readingToAlertP99Ms: 250, alertToCommandP99Ms: 50, paperReadingToAlertMs: 2500, paperAlertToCommandMs: 5000 },
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const f = (s: { n: number; p50Ms: number | null; p99Ms: number | null }): string => (s.n === 0 ? 'n=0' : `p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms (n=${s.n})`);
  process.stdout.write(
    [
      `realtime loop: ${args.machines} machines, tick ${args.tickMs} ms, ${args.seconds} s, ${result.readingsPerSecond} readings/s, process CPU ${result.cpuPercentOfOneCore}% of one core, load average ${result.loadAverage.start} -> ${result.loadAverage.end}`,
      `  reading -> scored       ${f(result.readingToScore)}`,
      `  reading -> alert        injected faults: ${f(result.readingToAlert.injected)}; other alerts: ${f(result.readingToAlert.other)}`,
      `  alert -> command sent   ${f(result.alertToCommand)}`,
      `  command -> machine ack  ${f(result.commandToAck)}  outcomes ${JSON.stringify(result.commandOutcomes)}`,
      `  detector: ${counters.detector.batches} batches, largest ${counters.detector.maxBatch}, inference ${Math.round(counters.detector.inferenceMs)} ms in all`,
      `  targets at 10,000 machines: p99 reading->alert < 250 ms, alert->command < 50 ms (paper: 2.5 s, 5 s)`,
    ].join('\n') + '\n',
  );
}
