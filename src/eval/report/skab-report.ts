import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SKAB_CHANGEPOINT_LEADERBOARD, SKAB_OUTLIER_LEADERBOARD, SKAB_SENSOR_COLUMNS } from '../datasets/skab.js';
import type { SkabModelResult } from '../protocols/skab-protocol.js';
import { addConfusion, confusion, emptyConfusion, segments, skabOutlierScore, type SkabOutlierScore } from '../metrics/index.js';
import { lineChartSvg } from './svg.js';

/** How the SKAB `lstm` pipeline was chosen (report note). */
export const SKAB_LSTM_NOTE =
  'lstm (SKAB variant, -skab): windows of 30 rows; Temperature and Thermocouple are model inputs but not scored; score = max over the other sensors of the EWMA(0.05) forecast error divided by its training error std; alarm above 1.1 x the 0.99 quantile of in-sample training scores. Chosen on the 16 valve1 files only (highest F1 with FAR <= 13.55 %, 96 combinations); the other 18 files were not used by that choice (see "By file group"). Caveat: the thermal candidate came from a look at per-sensor level shifts in all 34 files, and the exploratory runs ("what we tried") printed all-file figures, so the held-out column is not fully blind. The valve1 choice is seed-dependent: at seed 42 the grid picks this pipeline, at seed 7 it picks 1.25 x q99 instead (`npm run bench -- skab-variants --seed 7`). Scaler, model, error scales and threshold see only each file\'s first 400 rows.';

/**
 * What was tried for the SKAB LSTM pipeline (issue 4): label, then F1 / FAR % / MAR % on the
 * valve1 files (the selection set), on the other 18 files (held out), on all 34, and NAB standard
 * on all. Seed 42 unless stated; LSTM preset small, one model per file; every variant keeps the
 * threshold on training rows. Reproduced by `npm run bench -- skab-variants --data <skab folder>`
 * (bench/skab-variants.ts), which also says whether each row still matches.
 */
export const SKAB_LSTM_TRIED: readonly (readonly [string, string, string, string, string])[] = Object.freeze([
  ['plain: forecast, W10, all sensors, mean, EWMA 0.1, 1.5 x q99 (old default, `lstm-plain`)', '0.68 / 21.34 / 39.39', '0.76 / 35.01 / 20.89', '0.72 / 28.25 / 30.03', '20.18'],
  ['relative (level-invariant) forecast', '0.01 / 0.00 / 99.73', '0.20 / 2.35 / 88.39', '0.11 / 1.19 / 93.99', '14.81'],
  ['max of per-sensor errors', '0.70 / 43.17 / 25.57', '0.77 / 40.31 / 16.19', '0.74 / 41.72 / 20.82', '18.53'],
  ['RMS of per-sensor errors (diagonal Mahalanobis)', '0.71 / 33.46 / 28.97', '0.76 / 39.34 / 17.05', '0.74 / 36.44 / 22.94', '18.67'],
  ['EWMA 0.05', '0.70 / 25.72 / 33.60', '0.76 / 38.91 / 18.51', '0.73 / 32.39 / 25.97', '18.13'],
  ['hold alarm 30 rows', '0.73 / 26.71 / 28.85', '0.78 / 37.53 / 15.89', '0.76 / 32.18 / 22.29', '21.22'],
  ['hold alarm 60 rows', '0.75 / 31.15 / 23.87', '0.78 / 38.97 / 14.08', '0.77 / 35.10 / 18.92', '16.68'],
  ['alarm only after 10 rows above threshold', '0.65 / 19.10 / 44.16', '0.73 / 33.38 / 25.29', '0.70 / 26.32 / 34.61', '19.73'],
  ['window 30', '0.68 / 17.28 / 40.39', '0.75 / 31.19 / 23.46', '0.72 / 24.32 / 31.82', '20.38'],
  ['thermal sensors context only', '0.69 / 2.51 / 46.20', '0.73 / 14.93 / 35.52', '0.71 / 8.79 / 40.80', '25.53'],
  ['thermal context only, W30', '0.71 / 1.41 / 44.48', '0.72 / 13.50 / 36.68', '0.72 / 7.52 / 40.53', '25.95'],
  ['thermal context only, W30, 1.25 x q99, hold 30', '0.79 / 13.52 / 26.96', '0.81 / 27.60 / 16.39', '0.80 / 20.64 / 21.61', '23.19'],
  ['greedy sensor elimination on valve1 (keeps Accel2, Pressure, Flow), W30, max, EWMA 0.05, 1.1 x q99 (rejected: fits valve1)', '0.83 / 11.83 / 22.54', '0.77 / 34.95 / 18.68', '0.80 / 23.53 / 20.59', '29.95'],
  ['**selected** (`lstm`): W30, thermal context only, max, EWMA 0.05, 1.1 x q99', '0.82 / 7.59 / 25.74', '0.77 / 31.56 / 20.67', '0.79 / 19.72 / 23.18', '24.26'],
  ['selected, alarms moved 10 rows earlier (non-causal alignment; not adopted)', '0.83 / 6.79 / 25.20', '0.77 / 32.89 / 20.27', '0.79 / 19.99 / 22.71', '19.37'],
  ['selected but 1.0 x q99, alarm runs under 60 rows dropped and kept runs marked from their start (non-causal, like SKAB Conv-AE\'s rule; best of 48 on valve1; offline only, not in the pipeline)', '0.84 / 6.44 / 23.78', '0.79 / 30.11 / 17.61', '0.81 / 18.41 / 20.66', '22.50'],
  ['selected, seed 7', '0.82 / 16.11 / 20.83', '0.81 / 37.59 / 10.54', '0.81 / 26.97 / 15.62', '20.92'],
  ['selected, seed 123', '0.83 / 10.99 / 22.35', '0.77 / 32.17 / 20.50', '0.80 / 21.70 / 21.42', '20.62'],
]);

/** The selection set of the SKAB LSTM pipeline (valve1) and the held-out rest. */
export const SKAB_FILE_GROUPS: readonly { name: string; test: (file: string) => boolean }[] = Object.freeze([
  { name: 'valve1 (16 files, selection set)', test: (f: string) => f.startsWith('valve1/') },
  { name: 'valve2 + other (18 files, held out)', test: (f: string) => !f.startsWith('valve1/') },
]);

/** SKAB's outlier score of a model over the files whose name passes `test` (micro-averaged). */
export function skabGroupScore(r: SkabModelResult, test: (file: string) => boolean): SkabOutlierScore & { files: number } {
  let c = emptyConfusion();
  let n = 0;
  for (const f of r.files) {
    if (!test(f.name)) continue;
    c = addConfusion(c, confusion(f.alarms, f.labels));
    n++;
  }
  return { ...skabOutlierScore(c), files: n };
}

const f2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

/** Summary of one model without the per-row arrays (for JSON output). */
export function summariseForJson(r: SkabModelResult): Record<string, unknown> {
  return {
    name: r.name,
    outlier: r.outlier,
    confusion: r.confusion,
    point: r.point,
    changepoint: r.changepoint,
    rocAuc: r.roc.auc,
    prAuc: r.pr.auc,
    events: r.events,
    falseAlarmSplit: r.falseAlarmSplit,
    forecast: r.forecast,
    fitMs: Math.round(r.fitMs),
    msPerRow: r.msPerRow,
    groups: SKAB_FILE_GROUPS.map((g) => ({ name: g.name, ...skabGroupScore(r, g.test) })),
    files: r.files.map((f) => ({ name: f.name, threshold: f.threshold, alarms: f.alarms.reduce((a, b) => a + b, 0), anomalies: f.labels.reduce((a, b) => a + b, 0), rows: f.labels.length })),
  };
}

/**
 * Markdown tables: our rows beside SKAB's published leaderboard (SOURCE.md), sorted as SKAB
 * sorts (F1; NAB standard). Ours are marked with `plantwatch:`.
 */
export function skabMarkdown(results: readonly SkabModelResult[], notes: readonly string[] = []): string {
  const outlier = [
    ...SKAB_OUTLIER_LEADERBOARD.map((r) => ({ ...r, ours: false })),
    ...results.map((r) => ({ algorithm: `plantwatch: ${r.name}`, ...r.outlier, ours: true })),
  ].sort((a, b) => b.f1 - a.f1 || a.far - b.far);
  const cp = [
    ...SKAB_CHANGEPOINT_LEADERBOARD.map((r) => ({ ...r, ours: false })),
    ...results.map((r) => ({ algorithm: `plantwatch: ${r.name}`, ...r.changepoint.nab, missedCps: r.changepoint.missed, fps: r.changepoint.falsePositives, ours: true })),
  ].sort((a, b) => b.standard - a.standard);
  const bold = (s: string, on: boolean): string => (on ? `**${s}**` : s);
  const lines: string[] = [];
  lines.push('# SKAB evaluation', '');
  lines.push('Protocol: per file the first 400 rows train (scaler, model, threshold), the rest are scored; counts micro-averaged over the 34 labelled files (SKAB README, commit b2c0d46). Published rows copied from SOURCE.md.', '');
  lines.push('## Outlier detection', '', '| Algorithm | F1 | FAR, % | MAR, % |', '|---|---|---|---|');
  for (const r of outlier) lines.push(`| ${bold(r.algorithm, r.ours)} | ${r.f1} | ${r.far} | ${r.mar} |`);
  lines.push('', '## Change-point detection (NAB-style, 60 s windows)', '', '| Algorithm | NAB (standard) | NAB (LowFP) | NAB (LowFN) | Missed CPs | FPs |', '|---|---|---|---|---|---|');
  for (const r of cp) lines.push(`| ${bold(r.algorithm, r.ours)} | ${r.standard} | ${r.lowFp} | ${r.lowFn} | ${r.missedCps ?? '-'} | ${r.fps ?? '-'} |`);
  lines.push('', '## More figures for our models', '', '| Model | Precision | Recall | FPR | FA before anomaly, % | FA after anomaly start, % | AUC-ROC | AUC-PR | Event P | Event R | Mean delay, s | Forecast MAE | Forecast RMSE | Fit, s | ms / row |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    lines.push(
      `| ${r.name} | ${f3(r.point.precision)} | ${f3(r.point.recall)} | ${f3(r.point.fpr)} | ${f2(r.falseAlarmSplit.beforePct)} | ${f2(r.falseAlarmSplit.afterPct)} | ${f3(r.roc.auc)} | ${f3(r.pr.auc)} | ${f3(r.events.precision)} | ${f3(r.events.recall)} | ${f2(r.events.meanDelayMs / 1000)} | ${r.forecast ? f3(r.forecast.mae) : '-'} | ${r.forecast ? f3(r.forecast.rmse) : '-'} | ${f2(r.fitMs / 1000)} | ${f3(r.msPerRow)} |`,
    );
  }
  lines.push('', '## By file group (F1 / FAR % / MAR %)', '', `| Model | ${SKAB_FILE_GROUPS.map((g) => g.name).join(' | ')} |`, `|---|${SKAB_FILE_GROUPS.map(() => '---').join('|')}|`);
  for (const r of results) {
    const cells = SKAB_FILE_GROUPS.map((g) => {
      const s = skabGroupScore(r, g.test);
      return s.files ? `${s.f1} / ${s.far} / ${s.mar}` : '-';
    });
    lines.push(`| ${r.name} | ${cells.join(' | ')} |`);
  }
  lines.push('', 'AUC-ROC/PR pool all test rows with each score divided by its file\'s threshold. Forecast MAE/RMSE are in each file\'s training min-max units (test values can lie far outside [0, 1]). FA before/after: share of normal test rows flagged before the file\'s anomaly and from its start on. Event P/R: an event is detected when any alarm falls inside it; an alarm block touching no event is one false alarm.');
  lines.push('', '## LSTM pipeline on SKAB: what we tried', '', 'Each cell F1 / FAR % / MAR %. Choices were made on the valve1 files only; the "other 18" column was never used to choose. Recorded figures (SKAB_LSTM_TRIED in src/eval/report/skab-report.ts); reproduce them with `npm run bench -- skab-variants --data <skab folder>`; the live rows above are this run.', '', '| Variant | valve1 (selection) | other 18 (held out) | all 34 | NAB standard |', '|---|---|---|---|---|');
  for (const t of SKAB_LSTM_TRIED) lines.push(`| ${t.join(' | ')} |`);
  lines.push('', 'Not tried: an LSTM autoencoder (the engine is a next-step forecaster; a sequence decoder would be a new engine). The FAR target (under 13.55 %) is not met: on the held-out files most false alarms come after the anomaly, when the rig does not return to its training state.');
  if (notes.length) lines.push('', '## Notes', '', ...notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

export interface PlotOptions {
  /** File shown in the detail plots. Default the first. */
  file?: string;
  /** Sensor column shown in the forecast plot. Default `Volume Flow RateRMS`. */
  sensor?: number;
}

/** ROC and PR curves of every model, and per model a forecast-vs-actual and a score-vs-threshold plot. */
export function skabPlots(results: readonly SkabModelResult[], options: PlotOptions = {}): Record<string, string> {
  const out: Record<string, string> = {};
  out['roc.svg'] = lineChartSvg({
    title: 'ROC, SKAB test rows',
    xLabel: 'false positive rate',
    yLabel: 'true positive rate',
    xRange: [0, 1],
    yRange: [0, 1],
    series: [...results.map((r) => ({ name: `${r.name} (AUC ${f3(r.roc.auc)})`, points: r.roc.points.map((p) => [p.x, p.y] as const) })), { name: 'chance', points: [[0, 0], [1, 1]], dashed: true, color: '#999' }],
  });
  out['pr.svg'] = lineChartSvg({
    title: 'Precision-recall, SKAB test rows',
    xLabel: 'recall',
    yLabel: 'precision',
    xRange: [0, 1],
    yRange: [0, 1],
    series: results.map((r) => ({ name: `${r.name} (AP ${f3(r.pr.auc)})`, points: r.pr.points.map((p) => [p.x, p.y] as const) })),
  });
  const sensor = options.sensor ?? SKAB_SENSOR_COLUMNS.indexOf('Volume Flow RateRMS');
  for (const r of results) {
    const f = r.files.find((x) => x.name === options.file) ?? r.files[0];
    if (!f) continue;
    const t0 = f.tsMs[0] ?? 0;
    const sec = (i: number): number => (f.tsMs[i]! - t0) / 1000;
    const bands = segments(f.labels).map((s) => [sec(s.start), sec(s.end)] as const);
    const safe = r.name.replace(/[^a-z0-9-]+/gi, '_');
    out[`score-${safe}.svg`] = lineChartSvg({
      title: `${r.name}: anomaly score and threshold, ${f.name} (test part)`,
      xLabel: 'seconds since the first test row',
      yLabel: 'smoothed score',
      bands,
      series: [
        { name: 'score', points: f.score.map((s, i) => [sec(i), s] as const) },
        { name: 'threshold', points: [[sec(0), f.threshold], [sec(f.score.length - 1), f.threshold]], dashed: true, color: '#d62728' },
        { name: 'alarm (0/1 x threshold)', points: f.alarms.map((a, i) => [sec(i), a * f.threshold] as const), step: true, color: '#ff7f0e' },
      ],
    });
    if (f.predicted) {
      out[`forecast-${safe}.svg`] = lineChartSvg({
        title: `${r.name}: forecast vs actual, ${SKAB_SENSOR_COLUMNS[sensor]}, ${f.name}`,
        xLabel: 'seconds since the first test row',
        yLabel: SKAB_SENSOR_COLUMNS[sensor] ?? `column ${sensor}`,
        bands,
        series: [
          { name: 'actual', points: f.actual.map((row, i) => [sec(i), row[sensor]!] as const), color: '#333' },
          { name: 'forecast', points: f.predicted.map((row, i) => [sec(i), row[sensor]!] as const), color: '#1f77b4' },
        ],
      });
    }
  }
  return out;
}

/** Writes report.json, report.md and the SVG plots into `outDir` (created if needed). Returns the paths. */
export async function writeSkabReport(outDir: string, results: readonly SkabModelResult[], extra: { notes?: string[]; meta?: Record<string, unknown> } = {}): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const put = async (name: string, text: string): Promise<void> => {
    const p = join(outDir, name);
    await writeFile(p, text);
    written.push(p);
  };
  await put('report.json', `${JSON.stringify({ dataset: 'skab', ...extra.meta, notes: extra.notes ?? [], models: results.map(summariseForJson), leaderboard: { outlier: SKAB_OUTLIER_LEADERBOARD, changepoint: SKAB_CHANGEPOINT_LEADERBOARD } }, null, 2)}\n`);
  await put('report.md', skabMarkdown(results, extra.notes));
  for (const [name, svg] of Object.entries(skabPlots(results))) await put(name, svg);
  return written;
}
