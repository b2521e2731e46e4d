/** `plantwatch figures [--from --to] [--baseline-from --baseline-to] [--co2 0.4] [--db FILE] [--json]` (SPEC 9). */
import type { Command } from 'commander';
import { ValidationError } from '../../domain/index.js';
import { plantFigures, type PeriodFigures } from '../../figures/index.js';
import { createLogger } from '../../logging/index.js';
import { createStore, openSqliteStore } from '../../store/index.js';
import { configFor, printResult } from '../shared-options.js';

function time(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `${flag}: "${raw}" is not an ISO date or epoch ms`);
  return ms;
}

const n = (v: number | null, d = 1): string => (v === null ? 'n/a' : v.toFixed(d));

function text(label: string, f: PeriodFigures): string[] {
  return [
    `${label} (${f.days.toFixed(1)} days)`,
    `  environmental: energy ${n(f.environmental.energyKwh)} kWh, CO2 from energy ${n(f.environmental.co2FromEnergyKg)} kg, mean gas ${n(f.environmental.meanGasPpm)} ppm; water, waste: not measured`,
    `  production: ${n(f.production.runningMachineHoursPerDay)} running machine-hours/day, ${f.production.failures} failures (${n(f.production.failuresPerMachineDay, 3)} per machine-day), mean failure response ${n(f.production.meanFailureResponseMs, 0)} ms, ${f.production.incidents} incidents`,
    `  system: ${f.system.readings} readings (${n(f.system.readingsPerSecond, 2)}/s), collection p50 ${n(f.system.collectionMsP50, 0)} ms, response p50 ${n(f.system.responseMsP50, 0)} ms`,
  ];
}

export function registerFiguresCommand(program: Command): void {
  program
    .command('figures')
    .description('plant figures from stored data against a baseline period: environmental, production and maintenance, system (SPEC 9)')
    .option('--from <time>', 'period start (ISO or epoch ms); default 7 days before --to')
    .option('--to <time>', 'period end; default now')
    .option('--baseline-from <time>', 'baseline start; default the same length before --from')
    .option('--baseline-to <time>', 'baseline end; default --from')
    .option('--co2 <kgPerKwh>', 'kg CO2 per kWh', '0.4')
    .option('--db <file>', 'SQLite file (default: the configured store)')
    .option('--json', 'print JSON')
    .action(async (opts: { from?: string; to?: string; baselineFrom?: string; baselineTo?: string; co2: string; db?: string; json?: boolean }, cmd: Command) => {
      const config = configFor(cmd);
      const logger = createLogger({ ...config.log, level: 'warn' });
      const toMs = time('--to', opts.to, Date.now());
      const fromMs = time('--from', opts.from, toMs - 7 * 86_400_000);
      const bTo = time('--baseline-to', opts.baselineTo, fromMs);
      const bFrom = time('--baseline-from', opts.baselineFrom, bTo - (toMs - fromMs));
      const co2 = Number(opts.co2);
      if (!(co2 >= 0)) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--co2 must be >= 0, got "${opts.co2}"`);
      const store = opts.db ? await openSqliteStore({ file: opts.db, logger }) : await createStore(config, logger);
      try {
        await store.rollUp(toMs);
        const f = await plantFigures({ store, period: { fromMs, toMs }, baseline: { fromMs: bFrom, toMs: bTo }, co2KgPerKwh: co2 });
        printResult(!!opts.json, f, () =>
          [...text('period', f.period), ...text('baseline', f.baseline), `change: ${Object.entries(f.change).filter(([, v]) => v !== null).map(([k, v]) => `${k} ${(v! * 100).toFixed(1)} %`).join(', ')}`].join('\n'),
        );
      } finally {
        await store.close();
      }
    });
}
