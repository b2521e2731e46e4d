/**
 * `npm run bench -- skab-variants --data <skab folder> [--seed 42] [--json] [--out file.json]`
 * Reproduces the "what we tried" table of the SKAB LSTM pipeline (SKAB_LSTM_TRIED in
 * src/eval/report/skab-report.ts) and the selection step that chose the `lstm` pipeline
 * (SKAB_LSTM_PIPELINE in src/eval/detectors.ts).
 *
 * Per LSTM configuration (window 10 | 30, absolute | relative forecast, seed) and per file, the
 * project's own pipeline (fitWindowDetector with the `lstm` model of detectorSpec, preset small)
 * fits scaler and model on the file's first 400 rows; the bench keeps the scaled forecast residuals
 * of every row in memory (nothing is written). Each variant (aggregate, EWMA, threshold factor,
 * alarm hold, ...) is computed from those residuals: per-sensor |error| / training error std
 * (floor 0.01), EWMA per sensor, aggregate, threshold = factor x the 0.99 quantile of the training
 * rows' scores, alarm rule. Scores: SKAB outlier F1 / FAR % / MAR % on valve1 (the selection set),
 * on the other 18 files (held out), on all 34, and the NAB standard change-point score on all 34.
 * The old default and the selected pipeline are also scored by the pipeline itself
 * (detector.score + threshold, as evaluateSkab does) to check the residual path.
 *
 * Selection: over the 96-combination grid declared before the search (window 10 | 30, all sensors
 * | thermal sensors context only, mean | max, EWMA 0.05 | 0.1, factor 1.1 | 1.25 | 1.5, hold 0 | 30),
 * the highest valve1 F1 among combinations with valve1 FAR <= 13.55 % (Conv-AE's published FAR).
 */
import { writeFileSync } from 'node:fs';
import { applyThreshold, ewma, quantile } from '../src/detect/index.js';
import { slidingWindows } from '../src/preprocess/index.js';
import {
  addConfusion,
  confusion,
  detectorSpec,
  emptyConfusion,
  fitWindowDetector,
  loadSkab,
  skabChangepointScore,
  skabDetectorSpec,
  skabOutlierScore,
  SKAB_LSTM_PIPELINE,
  SKAB_LSTM_TRIED,
  SKAB_SENSOR_COLUMNS,
  SKAB_THERMAL_COLUMNS,
  SKAB_TRAIN_ROWS,
  type ChangepointSeries,
  type SkabFile,
  type SkabOutlierScore,
  type WindowDetectorOptions,
} from '../src/eval/index.js';

/** Seed of the main LSTM runs (the recorded table used 42). */
const DEFAULT_SEED = 42;
/** The recorded table's extra seeds of the selected pipeline. */
const EXTRA_SEEDS = [7, 123] as const;
/** The seed SKAB_LSTM_TRIED was measured with; other seeds are not compared with it. */
const RECORDED_SEED = 42;
/** The selection criterion's FAR ceiling on valve1, % (Conv-AE's published FAR). */
const FAR_CEILING = 13.55;
/** Per-sensor error scale floor and threshold quantile (the pipeline's defaults). */
const MIN_SENSOR_SCALE = 0.01;
const THRESHOLD_QUANTILE = 0.99;
/** A cell matches the recorded one when every figure is within this (recorded figures have 2 decimals). */
const MATCH_TOLERANCE = 0.0051;
const PRESET = 'small' as const;

/** One LSTM fit per file: window, forecast mode and seed. */
interface LstmConfig {
  windowSize: number;
  relative: boolean;
  seed: number;
}
const cfgKey = (c: LstmConfig): string => `W${c.windowSize}-${c.relative ? 'rel' : 'abs'}-s${c.seed}`;

/** Post-processing of one configuration's residuals. */
interface Variant {
  cfg: LstmConfig;
  agg: 'mean' | 'max' | 'rms';
  alpha: number;
  factor: number;
  /** Alarm only once the score has been above the threshold this many rows in a row (1 = at once). */
  minRun: number;
  /** Keep the alarm on this many rows after the score drops (0 = off). */
  hold: number;
  /** Sensor columns not scored (context only). */
  drop: readonly number[];
  /** Non-causal: alarms moved this many rows earlier. */
  shift?: number;
  /** Non-causal: alarm runs shorter than this dropped, kept runs marked from their start. */
  runFill?: number;
}

/** Residuals of one file under one configuration: targets' row index and actual - forecast (scaled). */
interface FileResiduals {
  name: string;
  t: number[];
  resid: number[][];
  labels: number[];
  changepoints: number[];
  tsMs: number[];
}

interface Cells {
  valve1: SkabOutlierScore;
  rest: SkabOutlierScore;
  all: SkabOutlierScore;
  nab: number;
}

const isValve1 = (name: string): boolean => name.startsWith('valve1/');

function parseArgs(argv: string[]): { data: string; seed: number; json: boolean; out: string | null } {
  const a = { data: '', seed: DEFAULT_SEED, json: false, out: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '--json') a.json = true;
    else if (k === '--data') a.data = argv[++i] ?? '';
    else if (k === '--out') a.out = argv[++i] ?? null;
    else if (k === '--seed') a.seed = Number(argv[++i]);
    else throw new Error(`unknown option ${k}; options: --data <skab folder>, --seed, --json, --out <file.json>`);
  }
  if (!a.data) throw new Error('--data <skab folder> is required (e.g. /work/shared/datasets/skab)');
  if (!Number.isInteger(a.seed)) throw new Error('--seed must be an integer');
  return a;
}

/** Fits the project's pipeline on the training rows and returns every row's scaled forecast residuals. */
async function residualsOf(
  f: SkabFile,
  c: LstmConfig,
  pipeline: WindowDetectorOptions,
): Promise<{ res: FileResiduals; pipelineAlarms: number[] }> {
  const model = detectorSpec('lstm-plain', { seed: c.seed, windowSize: c.windowSize, lstmPreset: PRESET }).build();
  const det = await fitWindowDetector(model, f.values.slice(0, SKAB_TRAIN_ROWS), { ...pipeline, windowSize: c.windowSize, relative: c.relative });
  const w = slidingWindows(det.scaler.transform(f.values), { windowSize: c.windowSize, horizon: 1 });
  const last = c.relative ? w.X.map((x) => x[x.length - 1]!) : null;
  const X = last ? w.X.map((x, k) => x.map((row) => row.map((v, j) => v - last[k]![j]!))) : w.X;
  const pred = model.predict(X);
  const resid = pred.map((p, k) => p.map((v, j) => w.y[k]![j]! - (v + (last ? last[k]![j]! : 0))));
  const pipelineAlarms = applyThreshold(det.score(f.values, SKAB_TRAIN_ROWS).score, det.threshold);
  return {
    res: { name: f.name, t: w.targetIndex, resid, labels: f.anomaly, changepoints: f.changepoint, tsMs: f.tsMs },
    pipelineAlarms,
  };
}

function std(values: number[]): number {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length);
}

/** Test-row alarms of one file under a variant (rows SKAB_TRAIN_ROWS onward). */
function alarmsOf(f: FileResiduals, v: Variant): number[] {
  const nTrain = f.t.filter((t) => t < SKAB_TRAIN_ROWS).length;
  const sensors = SKAB_SENSOR_COLUMNS.map((_, c) => c).filter((c) => !v.drop.includes(c));
  const smoothed = sensors.map((c) => {
    const col = f.resid.map((r) => r[c]!);
    const scale = Math.max(MIN_SENSOR_SCALE, std(col.slice(0, nTrain)));
    return ewma(col.map((x) => Math.abs(x) / scale), v.alpha);
  });
  const score = f.t.map((_, i) => {
    const row = smoothed.map((col) => col[i]!);
    if (v.agg === 'max') return Math.max(...row);
    if (v.agg === 'rms') return Math.sqrt(row.reduce((a, b) => a + b * b, 0) / row.length);
    return row.reduce((a, b) => a + b, 0) / row.length;
  });
  const threshold = v.factor * quantile(score.slice(0, nTrain), THRESHOLD_QUANTILE);
  const above = score.map((s) => (s >= threshold ? 1 : 0));
  let al: number[] = [];
  let run = 0;
  let holdLeft = 0;
  for (const a of above) {
    run = a ? run + 1 : 0;
    if (run >= v.minRun) {
      al.push(1);
      holdLeft = v.hold;
    } else if (holdLeft > 0) {
      al.push(1);
      holdLeft--;
    } else al.push(0);
  }
  if (v.runFill) {
    for (let i = 0; i < above.length; ) {
      if (!above[i]) {
        al[i++] = 0;
        continue;
      }
      let j = i;
      while (j < above.length && above[j]) j++;
      for (let k = i; k < j; k++) al[k] = j - i >= v.runFill ? 1 : 0;
      i = j;
    }
  }
  if (v.shift) {
    const moved = al.slice(v.shift);
    while (moved.length < al.length) moved.push(moved[moved.length - 1] ?? 0);
    al = moved;
  }
  return f.t.flatMap((t, k) => (t >= SKAB_TRAIN_ROWS ? [al[k]!] : []));
}

/** Scores binary test-row alarms per file on valve1 / the rest / all, plus NAB standard on all. */
function scoreAlarms(files: readonly FileResiduals[], alarms: readonly number[][]): Cells {
  let v1 = emptyConfusion();
  let rest = emptyConfusion();
  const cp: ChangepointSeries[] = [];
  files.forEach((f, i) => {
    const labels = f.labels.slice(SKAB_TRAIN_ROWS);
    const c = confusion(alarms[i]!, labels);
    if (isValve1(f.name)) v1 = addConfusion(v1, c);
    else rest = addConfusion(rest, c);
    cp.push({ tsMs: f.tsMs.slice(SKAB_TRAIN_ROWS), predicted: alarms[i]!, changepoints: f.changepoints.slice(SKAB_TRAIN_ROWS) });
  });
  return { valve1: skabOutlierScore(v1), rest: skabOutlierScore(rest), all: skabOutlierScore(addConfusion(v1, rest)), nab: skabChangepointScore(cp).nab.standard };
}

function valve1Only(files: readonly FileResiduals[], v: Variant): SkabOutlierScore {
  let c = emptyConfusion();
  for (const f of files) if (isValve1(f.name)) c = addConfusion(c, confusion(alarmsOf(f, v), f.labels.slice(SKAB_TRAIN_ROWS)));
  return skabOutlierScore(c);
}

const cell = (s: SkabOutlierScore): string => `${s.f1.toFixed(2)} / ${s.far.toFixed(2)} / ${s.mar.toFixed(2)}`;
const nums = (s: string): number[] => s.split('/').map((x) => Number(x.trim()));
const describe = (v: Variant): string =>
  `W${v.cfg.windowSize}${v.cfg.relative ? ' relative' : ''}, ${v.drop.length ? `not scored: ${v.drop.map((c) => SKAB_SENSOR_COLUMNS[c]).join(', ')}` : 'all sensors'}, ${v.agg}, EWMA ${v.alpha}, ${v.factor} x q99, hold ${v.hold}${v.minRun > 1 ? `, min run ${v.minRun}` : ''}${v.runFill ? `, run fill ${v.runFill}` : ''}${v.shift ? `, shift ${v.shift}` : ''}`;

export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv);
  const t0 = performance.now();
  const files = await loadSkab(a.data);
  const thermal = [...SKAB_THERMAL_COLUMNS];

  const w10: LstmConfig = { windowSize: 10, relative: false, seed: a.seed };
  const w10rel: LstmConfig = { ...w10, relative: true };
  const w30: LstmConfig = { windowSize: 30, relative: false, seed: a.seed };
  const configs: LstmConfig[] = [w10, w10rel, w30, ...EXTRA_SEEDS.filter((s) => s !== a.seed).map((seed) => ({ ...w30, seed }))];

  // One LSTM fit per configuration and file; residuals stay in memory.
  const cache = new Map<string, FileResiduals[]>();
  const pipelineChecks: { label: string; cfg: LstmConfig; alarms: number[][] }[] = [];
  const fitSeconds: Record<string, number> = {};
  for (const c of configs) {
    const key = cfgKey(c);
    // The old default (`lstm-plain`) and the selected pipeline (`lstm` on SKAB) are fitted with their own
    // pipeline options, so detector.score gives their alarms directly; model training is the same either way.
    const pipeline: WindowDetectorOptions =
      c === w30 ? skabDetectorSpec('lstm', { seed: c.seed, lstmPreset: PRESET }).pipeline : detectorSpec('lstm-plain', { seed: c.seed, windowSize: c.windowSize, lstmPreset: PRESET }).pipeline;
    const t = performance.now();
    const res: FileResiduals[] = [];
    const alarms: number[][] = [];
    for (const f of files) {
      const r = await residualsOf(f, c, pipeline);
      res.push(r.res);
      alarms.push(r.pipelineAlarms);
      // One updating line on a terminal; in a log, a line once the valve1 files are done.
      if (process.stderr.isTTY) process.stderr.write(`\r  LSTM ${PRESET} ${key}: ${res.length}/${files.length} ${f.name.padEnd(16)}`);
      else if (res.length === files.filter((x) => isValve1(x.name)).length) process.stderr.write(`  LSTM ${PRESET} ${key}: ${res.length}/${files.length} files\n`);
    }
    fitSeconds[key] = (performance.now() - t) / 1000;
    process.stderr.write(`${process.stderr.isTTY ? '\r' : ''}  LSTM ${PRESET} ${key}: ${files.length} files in ${fitSeconds[key]!.toFixed(1)} s${process.stderr.isTTY ? ' '.repeat(12) : ''}\n`);
    cache.set(key, res);
    if (c === w10) pipelineChecks.push({ label: 'plain (`lstm-plain` pipeline itself)', cfg: c, alarms });
    if (c === w30) pipelineChecks.push({ label: 'selected (`lstm` pipeline itself)', cfg: c, alarms });
  }
  const filesOf = (v: Variant): FileResiduals[] => cache.get(cfgKey(v.cfg))!;
  const score = (v: Variant): Cells => scoreAlarms(filesOf(v), filesOf(v).map((f) => alarmsOf(f, v)));

  // Selection on valve1 over the declared 96-combination grid.
  const objective = (s: SkabOutlierScore): number => (s.far <= FAR_CEILING ? s.f1 : s.f1 - 1);
  const grid: { v: Variant; s: SkabOutlierScore }[] = [];
  for (const cfg of [w10, w30])
    for (const drop of [[], thermal])
      for (const agg of ['mean', 'max'] as const)
        for (const alpha of [0.05, 0.1])
          for (const factor of [1.1, 1.25, 1.5])
            for (const hold of [0, 30]) {
              const v: Variant = { cfg, agg, alpha, factor, minRun: 1, hold, drop };
              grid.push({ v, s: valve1Only(filesOf(v), v) });
            }
  // Highest valve1 F1 within the FAR ceiling; ties: lower FAR, then grid order.
  const ranked = grid.map((g, i) => ({ ...g, i })).sort((x, y) => objective(y.s) - objective(x.s) || x.s.far - y.s.far || x.i - y.i);
  const best = ranked[0]!.v;
  const p = SKAB_LSTM_PIPELINE;
  const sameSet = (x: readonly number[], y: readonly number[]): boolean => x.length === y.length && x.every((c) => y.includes(c));
  const chosenIsPipeline =
    best.cfg.windowSize === p.windowSize && best.agg === p.aggregate && best.alpha === p.alpha && best.factor === p.thresholdFactor && best.hold === 0 && sameSet(SKAB_SENSOR_COLUMNS.map((_, c) => c).filter((c) => !best.drop.includes(c)), p.scoreColumns);
  process.stderr.write(`  selection grid: ${grid.length} combinations scored on valve1\n`);
  // The shipped pipeline; the table's "selected" rows are this one whatever the grid picks in this run.
  const selected: Variant = { cfg: w30, agg: p.aggregate, alpha: p.alpha, factor: p.thresholdFactor, minRun: 1, hold: 0, drop: SKAB_SENSOR_COLUMNS.map((_, c) => c).filter((c) => !p.scoreColumns.includes(c)) };

  // Greedy backward elimination of scored sensors on valve1 (as it was run: from the old default's settings,
  // W10, mean, EWMA 0.1, 1.5 x q99), then the kept sensors under the chosen settings.
  const plain: Variant = { cfg: w10, agg: 'mean', alpha: 0.1, factor: 1.5, minRun: 1, hold: 0, drop: [] };
  let greedyBase: Variant = plain;
  let greedyObj = objective(valve1Only(filesOf(greedyBase), greedyBase));
  for (;;) {
    let next: Variant | null = null;
    let nextObj = greedyObj;
    for (let c = 0; c < SKAB_SENSOR_COLUMNS.length; c++) {
      if (greedyBase.drop.includes(c)) continue;
      const v = { ...greedyBase, drop: [...greedyBase.drop, c] };
      const o = objective(valve1Only(filesOf(v), v));
      if (o > nextObj + 0.005) {
        nextObj = o;
        next = v;
      }
    }
    if (!next) break;
    greedyBase = next;
    greedyObj = nextObj;
  }
  const greedy: Variant = { ...selected, drop: greedyBase.drop };

  // Non-causal run fill from the shipped pipeline: best of 48 on valve1 (run fill 10 | 30 | 60, factor 1 | 1.1 | 1.25 | 1.5, mean | max, EWMA 0.05 | 0.1).
  const fillGrid: { v: Variant; s: SkabOutlierScore; i: number }[] = [];
  for (const runFill of [10, 30, 60])
    for (const factor of [1, 1.1, 1.25, 1.5])
      for (const agg of ['mean', 'max'] as const)
        for (const alpha of [0.05, 0.1]) {
          const v: Variant = { ...selected, runFill, factor, agg, alpha };
          fillGrid.push({ v, s: valve1Only(filesOf(v), v), i: fillGrid.length });
        }
  const bestFill = fillGrid.sort((x, y) => objective(y.s) - objective(x.s) || x.i - y.i)[0]!.v;

  // The recorded variants, by the labels of SKAB_LSTM_TRIED.
  const recipes: [string, Variant][] = [
    ['plain:', plain],
    ['relative (level-invariant) forecast', { ...plain, cfg: w10rel }],
    ['max of per-sensor errors', { ...plain, agg: 'max' }],
    ['RMS of per-sensor errors', { ...plain, agg: 'rms' }],
    ['EWMA 0.05', { ...plain, alpha: 0.05 }],
    ['hold alarm 30 rows', { ...plain, hold: 30 }],
    ['hold alarm 60 rows', { ...plain, hold: 60 }],
    ['alarm only after 10 rows above threshold', { ...plain, minRun: 10 }],
    ['window 30', { ...plain, cfg: w30 }],
    ['thermal sensors context only', { ...plain, drop: thermal }],
    ['thermal context only, W30', { ...plain, cfg: w30, drop: thermal }],
    ['thermal context only, W30, 1.25 x q99, hold 30', { ...plain, cfg: w30, drop: thermal, factor: 1.25, hold: 30 }],
    ['greedy sensor elimination on valve1', greedy],
    ['**selected**', selected],
    ['selected, alarms moved 10 rows earlier', { ...selected, shift: 10 }],
    ['selected but 1.0 x q99, alarm runs under 60 rows', bestFill],
    ...EXTRA_SEEDS.map((s): [string, Variant] => [`selected, seed ${s}`, { ...selected, cfg: { ...selected.cfg, seed: s } }]),
  ];
  const compare = a.seed === RECORDED_SEED;
  const rows = SKAB_LSTM_TRIED.map((rec) => {
    // The longest label prefix wins ("thermal context only, W30" is a prefix of a later row's label).
    const recipe = recipes.filter(([prefix]) => rec[0].startsWith(prefix)).sort((x, y) => y[0].length - x[0].length)[0];
    if (!recipe) return { label: rec[0], variant: null, cells: null, recorded: rec.slice(1), match: null as boolean | null, diffs: ['no recipe in the bench'] };
    const c = score(recipe[1]);
    const got = [cell(c.valve1), cell(c.rest), cell(c.all), c.nab.toFixed(2)];
    const diffs: string[] = [];
    got.forEach((g, k) => {
      const r = rec[k + 1]!;
      const gn = nums(g);
      if (nums(r).some((x, j) => Math.abs(x - gn[j]!) > MATCH_TOLERANCE)) diffs.push(`${['valve1', 'other 18', 'all 34', 'NAB'][k]}: recorded ${r}, now ${g}`);
    });
    const seedRow = /seed \d+/.exec(rec[0]);
    // Rows of a stated seed were recorded with that seed whatever --seed is.
    const comparable = compare || seedRow !== null;
    return { label: rec[0], variant: describe(recipe[1]), cells: got, recorded: rec.slice(1), match: comparable ? diffs.length === 0 : null, diffs: comparable ? diffs : [] };
  });
  const checks = pipelineChecks.map((pc) => {
    const files = cache.get(cfgKey(pc.cfg))!;
    const c = scoreAlarms(files, pc.alarms);
    return { label: pc.label, cells: [cell(c.valve1), cell(c.rest), cell(c.all), c.nab.toFixed(2)] };
  });
  const elapsedS = (performance.now() - t0) / 1000;

  const result = {
    data: a.data,
    seed: a.seed,
    preset: PRESET,
    files: files.length,
    lstmFitSeconds: Object.fromEntries(Object.entries(fitSeconds).map(([k, s]) => [k, Math.round(s * 10) / 10])),
    selection: {
      grid: grid.length,
      farCeiling: FAR_CEILING,
      eligible: grid.filter((g) => g.s.far <= FAR_CEILING).length,
      top: ranked.slice(0, 5).map((r) => ({ variant: describe(r.v), valve1: cell(r.s) })),
      chosen: describe(best),
      chosenIsSkabLstmPipeline: chosenIsPipeline,
      greedyKeeps: SKAB_SENSOR_COLUMNS.filter((_, c) => !greedy.drop.includes(c)),
      runFillBest: describe(bestFill),
    },
    rows,
    pipelineChecks: checks,
    matches: rows.filter((r) => r.match === true).length,
    compared: rows.filter((r) => r.match !== null).length,
    elapsedS: Math.round(elapsedS),
  };
  if (a.out) writeFileSync(a.out, `${JSON.stringify(result, null, 2)}\n`);
  if (a.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  out.push(`SKAB LSTM variants: ${files.length} files, LSTM preset ${PRESET}, seed ${a.seed}; each cell F1 / FAR % / MAR %`, '');
  out.push(`Selection on valve1 only: ${grid.length} combinations, ${result.selection.eligible} with valve1 FAR <= ${FAR_CEILING} %; best by valve1 F1:`);
  ranked.slice(0, 5).forEach((r, k) => out.push(`  ${k + 1}. ${cell(r.s)}  ${describe(r.v)}`));
  out.push(`  chosen: ${describe(best)} -> ${chosenIsPipeline ? 'is' : 'is NOT'} SKAB_LSTM_PIPELINE (the \`lstm\` pipeline on SKAB)`);
  out.push(`  greedy sensor elimination on valve1 (old default's settings; dropped in order ${greedyBase.drop.map((c) => SKAB_SENSOR_COLUMNS[c]).join(', ')}) keeps: ${result.selection.greedyKeeps.join(', ')}`);
  out.push(`  non-causal run fill, best of ${fillGrid.length} on valve1: ${describe(bestFill)}`, '');
  out.push('| Variant | valve1 (selection) | other 18 (held out) | all 34 | NAB standard | recorded |', '|---|---|---|---|---|---|');
  for (const r of rows) {
    const mark = r.match === null ? (r.cells ? 'not compared (seed)' : 'no recipe') : r.match ? 'matches' : `DIFFERS (${r.diffs.join('; ')})`;
    out.push(`| ${r.label} | ${(r.cells ?? ['-', '-', '-', '-']).join(' | ')} | ${mark} |`);
  }
  out.push('', 'Scored by the pipeline itself (detector.score + its threshold, as `evaluate` does), same fitted models:');
  for (const c of checks) out.push(`  ${c.label}: ${c.cells.join(' | ')}`);
  out.push('', `${result.matches} of ${result.compared} compared rows match SKAB_LSTM_TRIED (within ${MATCH_TOLERANCE}). LSTM fits: ${Object.entries(result.lstmFitSeconds).map(([k, s]) => `${k} ${s} s`).join(', ')}; total ${result.elapsedS} s.`);
  process.stdout.write(`${out.join('\n')}\n`);
}
