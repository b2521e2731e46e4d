/**
 * `plantwatch whatif --days 30 --machines 95 --seed 1 [--json] [--out report.md]`: replays a simulated
 * month twice, with and without automatic actions (paper 3.6), in fast mode with the detector and
 * responder in the loop and commands applied to the machine models, and reports the difference in
 * downtime, energy, emissions and failures.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { buildPlant, ValidationError } from '../../domain/index.js';
import { createLogger } from '../../logging/index.js';
import { DEFAULT_CO2_KG_PER_KWH, FAILURE_TEMPERATURE_C, FAILURE_VIBRATION, replayLoop, type ReplayResult } from '../../replay/index.js';
import { trainReplayModels } from '../../training/index.js';
import { intOption, printResult } from '../shared-options.js';

interface WhatifOptions {
  days: string;
  machines: number;
  seed: number;
  faultsPerDay: string;
  co2: string;
  json?: boolean;
  out?: string;
}

function figures(r: ReplayResult) {
  const commands = r.actions.filter((a) => a.command !== null && a.status === 'acked').length;
  return {
    downtimeHours: +r.downtimeHours.toFixed(1),
    energyKwh: +r.energyKwh.toFixed(1),
    co2Kg: +r.co2Kg.toFixed(1),
    meanGasPpm: +r.meanGasPpm.toFixed(1),
    failures: r.failures,
    faults: r.labels.length,
    alerts: r.alerts.length,
    commandsApplied: commands,
  };
}

export function whatifMarkdown(o: { days: number; machines: number; seed: number; faultsPerDay: number }, withActions: ReturnType<typeof figures>, without: ReturnType<typeof figures>): string {
  const rows: [string, keyof ReturnType<typeof figures>][] = [
    ['Downtime (scheduled machine-hours not producing)', 'downtimeHours'],
    ['Energy (kWh)', 'energyKwh'],
    ['CO2 from energy (kg)', 'co2Kg'],
    ['Measured emissions, mean gas while running (ppm)', 'meanGasPpm'],
    [`Failures (fault episodes past ${FAILURE_TEMPERATURE_C} C or ${FAILURE_VIBRATION} m/s2)`, 'failures'],
    ['Faults injected (same in both runs)', 'faults'],
    ['Alerts raised', 'alerts'],
    ['Commands applied', 'commandsApplied'],
  ];
  const pctChange = (a: number, b: number): string => (b === 0 ? (a === 0 ? '0 %' : 'n/a') : `${(((a - b) / b) * 100).toFixed(1)} %`);
  return [
    `# What-if: automatic actions on and off`,
    ``,
    `${o.days} simulated days, ${o.machines} machines, seed ${o.seed}, ${o.faultsPerDay} random faults per machine per day, one reading a minute; the same faults in both runs.`,
    `Without automatic actions the responder decides the same way in dry-run; nothing is applied.`,
    ``,
    `| Figure | With actions | Without | Difference |`,
    `|---|---:|---:|---:|`,
    ...rows.map(([label, k]) => `| ${label} | ${withActions[k]} | ${without[k]} | ${pctChange(withActions[k], without[k])} |`),
    ``,
  ].join('\n');
}

export function registerWhatifCommand(program: Command): void {
  program
    .command('whatif')
    .description('replay a simulated month with and without automatic actions and report downtime, energy, emissions and failures (paper 3.6)')
    .option('--days <n>', 'simulated days', '30')
    .option('--machines <n>', 'machines in the plant', intOption('--machines'), 95)
    .option('--seed <n>', 'seed of the plant and its faults', intOption('--seed'), 1)
    .option('--faults-per-day <x>', 'random faults per machine per day', '0.2')
    .option('--co2 <kgPerKwh>', 'kg CO2 per kWh of electricity', String(DEFAULT_CO2_KG_PER_KWH))
    .option('--out <file>', 'also write the markdown report here')
    .option('--json', 'print JSON instead of markdown')
    .action(async (opts: WhatifOptions) => {
      const days = Number(opts.days);
      const faultsPerDay = Number(opts.faultsPerDay);
      const co2 = Number(opts.co2);
      if (!(days > 0 && days <= 366)) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--days must be in (0, 366], got "${opts.days}"`);
      if (!(faultsPerDay >= 0)) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--faults-per-day must be >= 0, got "${opts.faultsPerDay}"`);
      if (!(co2 >= 0)) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--co2 must be >= 0, got "${opts.co2}"`);
      const plant = buildPlant({ machineCount: opts.machines });
      const tickMs = 60_000;
      const logger = createLogger({ level: 'silent', pretty: false });
      process.stderr.write('training replay models on simulated normal history...\n');
      const models = await trainReplayModels(plant, { tickMs });
      const startMs = Date.UTC(2026, 1, 2); // a Monday, weeks after the training history
      const runOne = async (actions: boolean): Promise<ReplayResult> =>
        replayLoop({
          plant,
          startMs,
          days,
          seed: opts.seed,
          tickMs,
          faultsPerDay,
          models,
          actions,
          co2KgPerKwh: co2,
          logger,
          onProgress: (done, total) => process.stderr.write(`  ${actions ? 'with' : 'without'} actions: day ${Math.round(done / 86_400_000)} of ${Math.round(total / 86_400_000)}\n`),
        });
      const withActions = figures(await runOne(true));
      const without = figures(await runOne(false));
      const meta = { days, machines: opts.machines, seed: opts.seed, faultsPerDay };
      const md = whatifMarkdown(meta, withActions, without);
      if (opts.out) writeFileSync(opts.out, md);
      printResult(!!opts.json, { ...meta, co2KgPerKwh: co2, withActions, withoutActions: without }, () => md);
    });
}
