import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { ValidationError } from '../../domain/index.js';
import {
  detectorSpec,
  skabDetectorSpec,
  SKAB_LSTM_NOTE,
  EVAL_MODEL_NAMES,
  evaluateNab,
  evaluateSkab,
  evaluateSimulated,
  simulatedMarkdown,
  simulatedNotes,
  simulatedRuleFor,
  DEFAULT_SIM_MACHINES,
  measureModelResources,
  resourcesMarkdown,
  writeResourcesReport,
  type ModelResources,
  writeSimulatedReport,
  type SimulatedModelResult,
  isEvalModelName,
  loadNab,
  loadSkab,
  nabMarkdown,
  skabMarkdown,
  summariseForJson,
  writeNabReport,
  writeSkabReport,
  type EvalModelName,
  type NabModelResult,
  type SkabModelResult,
} from '../../eval/index.js';
import { PRESET_NAMES, type PresetName } from '../../model/index.js';
import { intOption, printResult } from '../shared-options.js';

interface EvaluateOptions {
  dataset: string;
  data?: string;
  labels?: string;
  models: string;
  out: string;
  json?: boolean;
  seed: number;
  window?: number;
  lstmPreset: string;
  lstmEpochs?: number;
  progress: boolean;
  thresholding: string;
  machines?: number;
  testSeed?: number;
  testMachines: string;
  resources?: boolean;
}

function parseModels(list: string): EvalModelName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !isEvalModelName(n));
  if (bad.length || names.length === 0) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--models: unknown model(s) ${bad.join(', ') || '(none)'}; expected a comma list of ${EVAL_MODEL_NAMES.join(', ')}`);
  return names as EvalModelName[];
}

export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('evaluate detectors on a benchmark (SKAB protocol, NAB protocol) and write JSON, markdown and SVG plots')
    .requiredOption('--dataset <name>', 'skab | nab | simulated')
    .option('--data <dir>', 'dataset folder (SKAB: the folder with valve1/, valve2/, other/; NAB: the data folder)')
    .option('--labels <file>', 'NAB label windows JSON ({"file.csv": [[start, end], ...]})')
    .option('--models <list>', `comma list of ${EVAL_MODEL_NAMES.join(', ')}`, 'pca,rf,svm,mlp')
    .option('--out <dir>', 'output folder for report.json, report.md and plots', 'eval-report')
    .option('--json', 'print the JSON summary instead of the markdown tables')
    .option('--seed <n>', 'seed of every model', intOption('--seed'), 42)
    .option('--window <n>', 'rows per window for the windowed models (default 10)', intOption('--window'))
    .option('--lstm-preset <name>', `LSTM preset: ${PRESET_NAMES.join(', ')}`, 'small')
    .option('--lstm-epochs <n>', "override the LSTM preset's epochs", intOption('--lstm-epochs'))
    .option('--thresholding <kind>', 'static (fitted on training rows, default) or telemanom (dynamic, reads test scores but no labels)', 'static')
    .option('--machines <n>', `simulated: plant size, apportioned 50:30:15 (default ${DEFAULT_SIM_MACHINES}: 3 assembly, 2 welding, 1 paint booth)`, intOption('--machines'))
    .option('--test-seed <n>', 'simulated: seed of the test weeks\' faults (default --seed + 1; must differ from --seed)', intOption('--test-seed'))
    .option('--test-machines <kind>', 'simulated: same (the trained machines, weeks later) or reseeded (machines redrawn by the test seed)', 'same')
    .option('--resources', 'also measure every model\'s training time, time per prediction, CPU % and memory on the same windows (paper Table 6); in report.md / report.json, and resources.json for skab and nab')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (opts: EvaluateOptions) => {
      const models = parseModels(opts.models);
      if (opts.thresholding !== 'static' && opts.thresholding !== 'telemanom') throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--thresholding must be static or telemanom, got "${opts.thresholding}"`);
      if (!(PRESET_NAMES as readonly string[]).includes(opts.lstmPreset)) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--lstm-preset must be one of ${PRESET_NAMES.join(', ')}, got "${opts.lstmPreset}"`);
      if (opts.dataset !== 'skab' && opts.dataset !== 'nab' && opts.dataset !== 'simulated') throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--dataset must be skab, nab or simulated, got "${opts.dataset}"`);
      if (opts.dataset !== 'simulated' && !opts.data) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--data <dir> is required for --dataset ${opts.dataset}`);
      const bar = opts.progress && process.stderr.isTTY !== undefined ? new SingleBar({ format: '{model} [{bar}] {value}/{total} files | {file} | ETA {eta_formatted}', stream: process.stderr }, Presets.shades_classic) : null;
      const specOptions = { seed: opts.seed, lstmPreset: opts.lstmPreset as PresetName, ...(opts.window ? { windowSize: opts.window } : {}), ...(opts.lstmEpochs ? { lstmEpochs: opts.lstmEpochs } : {}) };
      if (opts.testMachines !== 'same' && opts.testMachines !== 'reseeded') throw new ValidationError('PW_ERR_VALIDATION_OPTION', `--test-machines must be same or reseeded, got "${opts.testMachines}"`);
      const measureResources = async (): Promise<ModelResources[] | undefined> => {
        if (!opts.resources) return undefined;
        const names = [...new Set(models.map((m) => (m === 'lstm-plain' ? 'lstm' : m)))] as EvalModelName[];
        const r = await measureModelResources({ models: names, seed: opts.seed, lstmPreset: opts.lstmPreset as PresetName, ...(opts.window ? { windowSize: opts.window } : {}), ...(opts.lstmEpochs ? { lstmEpochs: opts.lstmEpochs } : {}), onProgress: (m, stage) => bar && process.stderr.write(`resources: ${m} ${stage}\n`) });
        return r.results;
      };
      if (opts.dataset === 'simulated') {
        const testSeed = opts.testSeed ?? opts.seed + 1;
        const machineCount = opts.machines ?? DEFAULT_SIM_MACHINES;
        const results: SimulatedModelResult[] = [];
        for (const m of models) {
          const spec = detectorSpec(m, specOptions);
          bar?.start(1, 0, { model: spec.name, file: '' });
          results.push(
            await evaluateSimulated(spec, {
              trainSeed: opts.seed,
              testSeed,
              machineCount,
              testMachines: opts.testMachines as 'same' | 'reseeded',
              rule: simulatedRuleFor(m),
              onProgress: (done, total, machine) => {
                bar?.setTotal(total);
                bar?.update(done, { model: spec.name, file: machine });
              },
            }),
          );
          bar?.stop();
        }
        const resources = await measureResources();
        const notes = simulatedNotes({ seed: opts.seed, testSeed, machineCount, testMachines: opts.testMachines as 'same' | 'reseeded' });
        const written = await writeSimulatedReport(opts.out, results, { notes, ...(resources ? { resources } : {}), meta: { models, seed: opts.seed, testSeed, machineCount, testMachines: opts.testMachines } });
        printResult(
          !!opts.json,
          { dataset: 'simulated', models: results.map((r) => ({ name: r.name, rule: r.rule, events: r.events, dataQuality: r.dataQuality, point: r.point })), ...(resources ? { resources } : {}), written },
          () => `${simulatedMarkdown(results, { notes, ...(resources ? { resources } : {}) })}\nwritten: ${written.join(', ')}`,
        );
        return;
      }
      if (opts.dataset === 'skab') {
        const files = await loadSkab(opts.data!);
        const results: SkabModelResult[] = [];
        for (const m of models) {
          const spec = skabDetectorSpec(m, specOptions);
          bar?.start(files.length, 0, { model: spec.name, file: '' });
          results.push(await evaluateSkab(files, spec, { thresholding: opts.thresholding as 'static' | 'telemanom', onProgress: (done, _t, file) => bar?.update(done, { model: spec.name, file }) }));
          bar?.stop();
        }
        const notes = [
          opts.thresholding === 'telemanom'
            ? 'Thresholds: telemanom dynamic threshold per file over the test scores (no labels read, but NOT a training-only threshold); scores EWMA-smoothed (alpha 0.1).'
            : 'Thresholds: SKAB notebooks\' rule, fixed before any test row is seen: 3/2 x the 0.99 quantile of the in-sample training scores; scores are EWMA-smoothed (alpha 0.1).',
          `Windows of ${opts.window ?? 10} rows (PCA uses single rows, as SKAB's T2+Q). Seed ${opts.seed}. LSTM preset ${opts.lstmPreset}.`,
          'other/2.csv has its anomaly inside the training rows (SOURCE.md); it is kept, as SKAB does.',
          ...(models.includes('lstm') ? [SKAB_LSTM_NOTE] : []),
        ];
        const written = await writeSkabReport(opts.out, results, { notes, meta: { data: opts.data, models } });
        const resources = await measureResources();
        if (resources) written.push(...(await writeResourcesReport(opts.out, resources)));
        printResult(!!opts.json, { dataset: 'skab', models: results.map(summariseForJson), ...(resources ? { resources } : {}), written }, () => `${skabMarkdown(results, notes)}${resources ? `\n## Resources (paper Table 6)\n\n${resourcesMarkdown(resources)}` : ''}\nwritten: ${written.join(', ')}`);
        return;
      }
      if (!opts.labels) throw new ValidationError('PW_ERR_VALIDATION_OPTION', '--labels <windows.json> is required for --dataset nab');
      const files = await loadNab(opts.data!, opts.labels);
      const results: NabModelResult[] = [];
      for (const m of models) {
        const spec = detectorSpec(m, specOptions);
        bar?.start(files.length, 0, { model: spec.name, file: '' });
        results.push(await evaluateNab(files, spec, { onProgress: (done, _t, file) => bar?.update(done, { model: spec.name, file }) }));
        bar?.stop();
      }
      const written = await writeNabReport(opts.out, results);
      const resources = await measureResources();
      if (resources) written.push(...(await writeResourcesReport(opts.out, resources)));
      printResult(!!opts.json, { dataset: 'nab', models: results.map((r) => ({ name: r.name, scores: r.scores, rocAuc: r.roc.auc, prAuc: r.pr.auc })), ...(resources ? { resources } : {}), written }, () => `${nabMarkdown(results)}${resources ? `\n## Resources (paper Table 6)\n\n${resourcesMarkdown(resources)}` : ''}\nwritten: ${written.join(', ')}`);
    });
}
