import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NabModelResult } from '../protocols/nab-protocol.js';
import { lineChartSvg } from './svg.js';

const f2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');

export function nabMarkdown(results: readonly NabModelResult[]): string {
  const lines = ['# NAB-protocol evaluation', '', 'Scores normalised between the null detector (0) and the perfect detector (100); detectors train on the probationary 15 % of each file.', ''];
  lines.push('| Model | Standard | Reward low FP | Reward low FN | TP | FP | FN | AUC-ROC | AUC-PR |', '|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const s = r.scores;
    lines.push(`| ${r.name} | ${f2(s.standard.score)} | ${f2(s.reward_low_FP_rate.score)} | ${f2(s.reward_low_FN_rate.score)} | ${s.standard.tp} | ${s.standard.fp} | ${s.standard.fn} | ${f2(r.roc.auc)} | ${f2(r.pr.auc)} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes report.json, report.md, roc.svg, pr.svg and a forecast/score plot of the first file per model. */
export async function writeNabReport(outDir: string, results: readonly NabModelResult[]): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const put = async (name: string, text: string): Promise<void> => {
    const p = join(outDir, name);
    await writeFile(p, text);
    written.push(p);
  };
  await put('report.json', `${JSON.stringify({ dataset: 'nab', models: results.map((r) => ({ name: r.name, scores: r.scores, rocAuc: r.roc.auc, prAuc: r.pr.auc, fitMs: Math.round(r.fitMs), files: r.files.map((f) => ({ name: f.name, threshold: f.threshold, detections: f.detections.reduce((a, b) => a + b, 0) })) })) }, null, 2)}\n`);
  await put('report.md', nabMarkdown(results));
  await put('roc.svg', lineChartSvg({ title: 'ROC (NAB rows inside label windows = positive)', xLabel: 'false positive rate', yLabel: 'true positive rate', xRange: [0, 1], yRange: [0, 1], series: results.map((r) => ({ name: r.name, points: r.roc.points.map((p) => [p.x, p.y] as const) })) }));
  await put('pr.svg', lineChartSvg({ title: 'Precision-recall (NAB)', xLabel: 'recall', yLabel: 'precision', xRange: [0, 1], yRange: [0, 1], series: results.map((r) => ({ name: r.name, points: r.pr.points.map((p) => [p.x, p.y] as const) })) }));
  for (const r of results) {
    const f = r.files[0];
    if (!f) continue;
    const t0 = f.tsMs[0]!;
    const h = (i: number): number => (f.tsMs[i]! - t0) / 3_600_000;
    const bands = f.windows.map(([a, b]) => [(a - t0) / 3_600_000, (b - t0) / 3_600_000] as const);
    const safe = r.name.replace(/[^a-z0-9-]+/gi, '_');
    const series = [{ name: 'actual', points: f.values.map((v, i) => [h(i), v] as const), color: '#333' }];
    if (f.predicted.some((p) => p !== null)) series.push({ name: 'forecast', points: f.predicted.flatMap((p, i) => (p === null ? [] : [[h(i), p] as const])), color: '#1f77b4' });
    await put(`forecast-${safe}.svg`, lineChartSvg({ title: `${r.name}: ${f.name}`, xLabel: 'hours', yLabel: 'value', bands, bandLabel: 'label window', series }));
    await put(`score-${safe}.svg`, lineChartSvg({ title: `${r.name}: score and threshold, ${f.name}`, xLabel: 'hours', yLabel: 'score', bands, bandLabel: 'label window', series: [{ name: 'score', points: f.score.map((s, i) => [h(i), s] as const) }, { name: 'threshold', points: [[h(0), f.threshold], [h(f.tsMs.length - 1), f.threshold]], color: '#d62728' }] }));
  }
  return written;
}
