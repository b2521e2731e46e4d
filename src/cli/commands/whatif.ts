/**
 * `plantwatch whatif --days 30 --machines 95 --seed 1 [--repair-hours 2] [--out whatif-report] [--json]`:
 * replays a simulated month twice, with and without automatic actions (paper 3.6), in fast mode
 * with the detector and responder in the loop and commands applied to the machine models, and
 * reports the difference in downtime, energy, emissions and failures. Writes report.json,
 * report.md and report.svg (bar chart) to the --out folder and prints the markdown (or JSON).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildPlant, ValidationError } from '../../domain/index.js';
import { createLogger } from '../../logging/index.js';
import { DEFAULT_CO2_KG_PER_KWH, DEFAULT_REPAIR_MS, FAILURE_TEMPERATURE_C, FAILURE_VIBRATION, replayLoop, type ReplayResult } from '../../replay/index.js';
import { trainReplayModels } from '../../training/index.js';
import { intOption, printResult } from '../shared-options.js';

/** Folder of the report files when --out is not given (relative to the working directory). */
export const DEFAULT_WHATIF_OUT_DIR = 'whatif-report';

interface WhatifOptions {
  days: string;
  machines: number;
  seed: number;
  faultsPerDay: string;
  co2: string;
  repairHours: string;
  json?: boolean;
  out: string;
}

export interface WhatifFigures {
  downtimeHours: number;
  energyKwh: number;
  co2Kg: number;
  meanGasPpm: number;
  failures: number;
  faults: number;
  alerts: number;
  /** Raises plus reactivations (an alert back after clearing): each one lets the rules decide again. */
  activations: number;
  commandsApplied: number;
  stops: number;
  trips: number;
  repairs: number;
}

export function whatifFigures(r: ReplayResult): WhatifFigures {
  const commands = r.actions.filter((a) => a.command !== null && a.status === 'acked').length;
  return {
    downtimeHours: +r.downtimeHours.toFixed(1),
    energyKwh: +r.energyKwh.toFixed(1),
    co2Kg: +r.co2Kg.toFixed(1),
    meanGasPpm: +r.meanGasPpm.toFixed(1),
    failures: r.failures,
    faults: r.labels.length,
    alerts: r.alerts.length,
    activations: r.activations.length,
    commandsApplied: commands,
    stops: r.stops,
    trips: r.trips,
    repairs: r.repairs,
  };
}

export interface WhatifMeta {
  days: number;
  machines: number;
  seed: number;
  faultsPerDay: number;
  /** Inspection and repair before a machine that went down resumes (hours). */
  repairHours?: number;
}

const pctChange = (a: number, b: number): string => (b === 0 ? (a === 0 ? '0 %' : 'n/a') : `${(((a - b) / b) * 100).toFixed(1)} %`);

export function whatifMarkdown(o: WhatifMeta, withActions: WhatifFigures, without: WhatifFigures): string {
  const rows: [string, keyof WhatifFigures][] = [
    ['Downtime (scheduled machine-hours not producing)', 'downtimeHours'],
    ['Energy (kWh)', 'energyKwh'],
    ['CO2 from energy (kg)', 'co2Kg'],
    ['Measured emissions, mean gas while running (ppm)', 'meanGasPpm'],
    [`Failures (fault episodes past ${FAILURE_TEMPERATURE_C} C or ${FAILURE_VIBRATION} m/s2)`, 'failures'],
    ['Faults injected (same in both runs)', 'faults'],
    ['Alerts raised', 'alerts'],
    ['Alert activations (raised, or back after clearing)', 'activations'],
    ['Commands applied', 'commandsApplied'],
    ['Machines stopped by a command', 'stops'],
    ['Machines tripped by a failure', 'trips'],
    ['Machines repaired and resumed', 'repairs'],
  ];
  const repair = o.repairHours ?? DEFAULT_REPAIR_MS / 3_600_000;
  return [
    `# What-if: automatic actions on and off`,
    ``,
    `${o.days} simulated days, ${o.machines} machines, seed ${o.seed}, ${o.faultsPerDay} random faults per machine per day, one reading a minute; the same faults in both runs.`,
    `Without automatic actions the responder decides the same way in dry-run; nothing is applied.`,
    `The rules decide on an alert when it is raised, when it comes back after clearing, and when it becomes more urgent than when they last decided; nobody acknowledges alerts in the replay, so a recurring condition reactivates its alert.`,
    `In both runs a fault past the damage limits trips the machine, and a machine that is down (stopped by a command or tripped) resumes after ${repair} h of inspection and repair, not before the process faults active when it went down are over.`,
    ``,
    `| Figure | With actions | Without | Difference |`,
    `|---|---:|---:|---:|`,
    ...rows.map(([label, k]) => `| ${label} | ${withActions[k]} | ${without[k]} | ${pctChange(withActions[k], without[k])} |`),
    ``,
  ].join('\n');
}

/** A grouped bar chart (with vs without) of downtime, energy, CO2 and failures, each scaled to the larger of the pair. */
export function whatifSvg(o: WhatifMeta, withActions: WhatifFigures, without: WhatifFigures): string {
  const metrics: [string, keyof WhatifFigures][] = [
    ['Downtime (h)', 'downtimeHours'],
    ['Energy (kWh)', 'energyKwh'],
    ['CO2 (kg)', 'co2Kg'],
    ['Failures', 'failures'],
  ];
  const W = 640;
  const H = 310;
  const top = 62;
  const barH = 180;
  const slot = (W - 40) / metrics.length;
  const esc = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="20" y="20" font-size="14">${esc(`What-if: ${o.days} days, ${o.machines} machines, seed ${o.seed}`)}</text>`,
    `<rect x="20" y="30" width="10" height="10" fill="#2b7bb9"/><text x="35" y="39">with automatic actions</text>`,
    `<rect x="190" y="30" width="10" height="10" fill="#c0504d"/><text x="205" y="39">without</text>`,
  ];
  metrics.forEach(([label, k], i) => {
    const a = withActions[k];
    const b = without[k];
    const max = Math.max(a, b, 1e-9);
    const x0 = 20 + i * slot + slot / 2 - 45;
    for (const [j, v, colour] of [[0, a, '#2b7bb9'], [1, b, '#c0504d']] as const) {
      const h = (v / max) * barH;
      const x = x0 + j * 45;
      parts.push(`<rect x="${x}" y="${(top + barH - h).toFixed(1)}" width="40" height="${h.toFixed(1)}" fill="${colour}"/>`);
      parts.push(`<text x="${x + 20}" y="${(top + barH - h - 4).toFixed(1)}" text-anchor="middle">${v}</text>`);
    }
    parts.push(`<text x="${x0 + 42}" y="${top + barH + 18}" text-anchor="middle">${esc(label)}</text>`);
    parts.push(`<text x="${x0 + 42}" y="${top + barH + 34}" text-anchor="middle" fill="#555">${esc(pctChange(a, b))}</text>`);
  });
  parts.push('</svg>', '');
  return parts.join('\n');
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
    .option('--repair-hours <h>', 'inspection and repair before a stopped or tripped machine resumes', String(DEFAULT_REPAIR_MS / 3_600_000))
    .option('--out <dir>', 'folder for report.json, report.md and report.svg', DEFAULT_WHATIF_OUT_DIR)
    .option('--json', 'print JSON instead of markdown')
    .action(async (opts: WhatifOptions) => {
      const days = Number(opts.days);
      const faultsPerDay = Number(opts.faultsPerDay);
      const co2 = Number(opts.co2);
      const repairHours = Number(opts.repairHours);
      if (!(days > 0 && days <= 366)) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--days must be in (0, 366], got "${opts.days}"`);
      if (!(faultsPerDay >= 0)) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--faults-per-day must be >= 0, got "${opts.faultsPerDay}"`);
      if (!(co2 >= 0)) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--co2 must be >= 0, got "${opts.co2}"`);
      if (!(repairHours >= 0 && repairHours <= 24 * 30)) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--repair-hours must be in [0, 720], got "${opts.repairHours}"`);
      const plant = buildPlant({ machineCount: opts.machines });
      const tickMs = 60_000;
      const logger = createLogger({ level: 'silent', pretty: false });
      process.stderr.write('training replay models on simulated normal history...\n');
      const models = await trainReplayModels(plant, { tickMs });
      const startMs = Date.UTC(2026, 1, 2); // a Monday, weeks after the training history
      const runOne = async (actions: boolean): Promise<ReplayResult> => {
        const r = await replayLoop({
          plant,
          startMs,
          days,
          seed: opts.seed,
          tickMs,
          faultsPerDay,
          models,
          actions,
          co2KgPerKwh: co2,
          repairMs: repairHours * 3_600_000,
          logger,
          onProgress: (done, total) => process.stderr.write(`  ${actions ? 'with' : 'without'} actions: day ${Math.round(done / 86_400_000)} of ${Math.round(total / 86_400_000)}\n`),
        });
        process.stderr.write(`  ${actions ? 'with' : 'without'} actions: done in ${(r.elapsedMs / 1000).toFixed(1)} s\n`);
        return r;
      };
      const withActions = whatifFigures(await runOne(true));
      const without = whatifFigures(await runOne(false));
      const meta: WhatifMeta = { days, machines: opts.machines, seed: opts.seed, faultsPerDay, repairHours };
      const md = whatifMarkdown(meta, withActions, without);
      const report = { ...meta, co2KgPerKwh: co2, tickMs, withActions, withoutActions: without };
      mkdirSync(opts.out, { recursive: true });
      writeFileSync(join(opts.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      writeFileSync(join(opts.out, 'report.md'), md);
      writeFileSync(join(opts.out, 'report.svg'), whatifSvg(meta, withActions, without));
      process.stderr.write(`report written to ${join(opts.out, 'report.{json,md,svg}')}\n`);
      printResult(!!opts.json, report, () => md);
    });
}
