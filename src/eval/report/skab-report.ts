import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SKAB_CHANGEPOINT_LEADERBOARD, SKAB_OUTLIER_LEADERBOARD, SKAB_SENSOR_COLUMNS } from '../datasets/skab.js';
import type { SkabModelResult } from '../protocols/skab-protocol.js';
import { segments } from '../metrics/index.js';
import { lineChartSvg } from './svg.js';

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
  lines.push('', 'AUC-ROC/PR pool all test rows with each score divided by its file\'s threshold. Forecast MAE/RMSE are in each file\'s training min-max units (test values can lie far outside [0, 1]). FA before/after: share of normal test rows flagged before the file\'s anomaly and from its start on. Event P/R: an event is detected when any alarm falls inside it; an alarm block touching no event is one false alarm.');
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
