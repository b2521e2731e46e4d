import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SimulatedModelResult } from '../protocols/simulated-protocol.js';

const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

export function simulatedMarkdown(results: readonly SimulatedModelResult[], notes: readonly string[] = []): string {
  const lines = ['# Simulated plant evaluation', '', 'Per machine: trained on fault-free weeks (one seed), tested on other weeks of another seed with process faults the training never saw. Paper target: event precision >= 0.95, recall >= 0.90.', ''];
  lines.push('| Model | Event P | Event R | Event F1 | Events | Detected | False alarms | Mean delay, s | Point P | Point R | Point F1 | FPR |', '|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const e = r.events;
    lines.push(`| ${r.name} | ${f3(e.precision)} | ${f3(e.recall)} | ${f3(e.f1)} | ${e.events} | ${e.detected} | ${e.falseAlarms} | ${Number.isFinite(e.meanDelayMs) ? (e.meanDelayMs / 1000).toFixed(0) : 'n/a'} | ${f3(r.point.precision)} | ${f3(r.point.recall)} | ${f3(r.point.f1)} | ${f3(r.point.fpr)} |`);
  }
  if (notes.length) lines.push('', '## Notes', '', ...notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

export async function writeSimulatedReport(outDir: string, results: readonly SimulatedModelResult[], notes: readonly string[] = []): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, 'report.json');
  const md = join(outDir, 'report.md');
  await writeFile(json, `${JSON.stringify({ dataset: 'simulated', notes, models: results }, null, 2)}\n`);
  await writeFile(md, simulatedMarkdown(results, notes));
  return [json, md];
}
