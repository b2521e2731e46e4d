/**
 * `plantwatch train`: trains a machine type's streaming detector on stored normal history and
 * activates it in the model registry (issue 5).
 */
import type { Command } from 'commander';
import { ValidationError, MACHINE_TYPES, type MachineType, type Telemetry } from '../../domain/index.js';
import { createLogger } from '../../logging/index.js';
import { PRESET_NAMES, type PresetName } from '../../model/index.js';
import { createStore, openSqliteStore } from '../../store/index.js';
import { trainAndRegister } from '../../training/index.js';
import { configFor, intOption, printResult } from '../shared-options.js';

interface TrainCliOptions {
  machineType: string;
  from?: string;
  to?: string;
  preset: string;
  window: number;
  epochs?: number;
  db?: string;
  json?: boolean;
  activate: boolean;
}

function parseTime(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `${flag}: "${raw}" is not an ISO date or epoch ms`);
  return ms;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a machine type\'s streaming detector on stored normal history and activate it in the model registry')
    .requiredOption('--machine-type <type>', MACHINE_TYPES.join(' | '))
    .option('--from <time>', 'start of the training data (ISO or epoch ms); default: 7 days before --to')
    .option('--to <time>', 'end of the training data; default: now')
    .option('--preset <name>', PRESET_NAMES.join(' | '), 'small')
    .option('--window <n>', 'rows per input window', intOption('--window'), 20)
    .option('--epochs <n>', 'most epochs (default: the preset\'s)', intOption('--epochs'))
    .option('--db <file>', 'SQLite file to read and register into (default: the configured store)')
    .option('--no-activate', 'save the model without activating it')
    .option('--json', 'print the registered model as JSON')
    .action(async (opts: TrainCliOptions, cmd: Command) => {
      const config = configFor(cmd);
      const logger = createLogger({ ...config.log, level: opts.json ? 'warn' : config.log.level });
      if (!(MACHINE_TYPES as readonly string[]).includes(opts.machineType)) {
        throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--machine-type: "${opts.machineType}" is not one of ${MACHINE_TYPES.join(', ')}`);
      }
      if (!(PRESET_NAMES as readonly string[]).includes(opts.preset)) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--preset: "${opts.preset}" is not one of ${PRESET_NAMES.join(', ')}`);
      const type = opts.machineType as MachineType;
      const toMs = parseTime('--to', opts.to, Date.now());
      const fromMs = parseTime('--from', opts.from, toMs - 7 * 86_400_000);
      if (fromMs >= toMs) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--from must be before --to`);
      const store = opts.db ? await openSqliteStore({ file: opts.db, logger }) : await createStore(config, logger);
      try {
        const machines = (await store.listMachines()).filter((m) => m.type === type);
        if (machines.length === 0) throw new ValidationError('PW_ERR_VALIDATION_MACHINE_TYPE', `the store has no ${type} machines (run plantwatch simulate or start first)`);
        // Normal history only: readings inside a labelled fault are left out.
        const labels = await store.queryFaultLabels({ fromMs: fromMs - 86_400_000, toMs });
        const readings = new Map<string, Telemetry[]>();
        let total = 0;
        let excluded = 0;
        for (const m of machines) {
          const mine = labels.filter((l) => l.machineId === m.id);
          const rows = (await store.queryTelemetry({ machineId: m.id, fromMs, toMs })).filter((t) => {
            const inFault = mine.some((l) => t.tsMs >= l.startMs && t.tsMs < l.endMs);
            if (inFault) excluded++;
            return !inFault;
          });
          total += rows.length;
          readings.set(m.id, rows);
        }
        process.stderr.write(`training ${type} on ${total} readings of ${machines.length} machines (${excluded} inside labelled faults left out), preset ${opts.preset}\n`);
        const { model, trained } = await trainAndRegister(store, machines, readings, {
          machineType: type,
          preset: opts.preset as PresetName,
          windowSize: opts.window,
          ...(opts.epochs ? { epochs: opts.epochs } : {}),
          dataFromMs: fromMs,
          dataToMs: toMs,
          activate: opts.activate,
          onEpoch: (e, etaMs) =>
            process.stderr.write(`epoch ${e.epoch}: loss ${e.loss.toFixed(5)} val loss ${e.valLoss.toFixed(5)} (${Math.round(e.durationMs)} ms${Number.isFinite(etaMs) ? `, ETA ${Math.round(etaMs / 1000)} s` : ''})\n`),
        });
        const final = model;
        printResult(!!opts.json, { ...final, artifact: undefined }, () =>
          [`model ${final.id} (${final.active ? 'active' : 'inactive'})`, `  val loss ${trained.metrics.valLoss.toFixed(5)}, ${trained.metrics.epochs} epochs, ${trained.metrics.trainWindows} training windows`, `  thresholds ${JSON.stringify(trained.metrics.thresholds)}`].join('\n'),
        );
      } finally {
        await store.close();
      }
    });
}
