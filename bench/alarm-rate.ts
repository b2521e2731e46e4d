/**
 * `npm run bench -- alarm-rate [--days 7] [--machines 95] [--seed 1] [--json]`
 * EEMUA 191 figures of normal operation: simulated days without faults through the streaming
 * detector (tiny LSTM per machine type, trained on other simulated weeks) and the default rules.
 * Alerts per 10 minutes per area (guidance: <= 1 on average) and chattering alerts (the same
 * machine and type raised more than 3 times within 60 minutes). One reading a minute per machine.
 */
import { buildPlant } from '../src/domain/index.js';
import { createLogger } from '../src/logging/index.js';
import { alarmRate, replayLoop } from '../src/replay/index.js';
import { trainReplayModels } from '../src/training/index.js';

export async function run(argv: string[]): Promise<void> {
  const a = { days: 7, machines: 95, seed: 1, json: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '--json') a.json = true;
    else if (k === '--days' || k === '--machines' || k === '--seed') a[k.slice(2) as 'days'] = Number(argv[++i]);
    else throw new Error(`unknown option ${k}; options: --days, --machines, --seed, --json`);
  }
  if (!(a.days > 0) || !(Number.isInteger(a.machines) && a.machines > 0)) throw new Error('--days must be > 0 and --machines a positive integer');
  const plant = buildPlant({ machineCount: a.machines });
  const tickMs = 60_000;
  const models = await trainReplayModels(plant, { tickMs });
  const startMs = Date.UTC(2026, 0, 19); // a Monday, two weeks after the training history
  const r = await replayLoop({
    plant,
    startMs,
    days: a.days,
    seed: a.seed,
    tickMs,
    faultsPerDay: 0,
    models,
    logger: createLogger({ level: 'silent', pretty: false }),
    onProgress: (done, total) => a.json || process.stderr.write(`  day ${Math.round(done / 86_400_000)} of ${Math.round(total / 86_400_000)}\n`),
  });
  const rate = alarmRate(r.alerts, r.activations, plant, startMs, startMs + a.days * 86_400_000);
  const result = { days: a.days, machines: a.machines, readings: r.readings, alerts: r.alerts.length, ...rate, elapsedS: Math.round(r.elapsedMs / 1000) };
  if (a.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else
    process.stdout.write(
      `alarm rate, ${a.days} simulated days of normal operation, ${a.machines} machines in ${rate.areas} areas (${r.readings} readings, ${result.elapsedS} s):\n` +
        `  ${r.alerts.length} alerts; ${rate.perTenMinutesPerArea.toFixed(4)} per 10 minutes per area (EEMUA 191: <= 1), worst 10 minutes of an area: ${rate.peakPerTenMinutes}\n` +
        `  reactivations of cleared alerts: ${rate.reactivations}; chattering (same machine and type sounding > 3 times in 60 min): ${rate.chattering.length ? JSON.stringify(rate.chattering) : 'none'}\n  by type: ${JSON.stringify(rate.byType)}\n`,
    );
}
