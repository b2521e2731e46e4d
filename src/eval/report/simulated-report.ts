import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { countFalseAlarms, DEFAULT_SIM_RULE, type SimulatedModelResult } from '../protocols/simulated-protocol.js';
import { resourcesMarkdown, type ModelResources } from '../resources/model-resources.js';
import { lineChartSvg } from './svg.js';

const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
const min1 = (ms: number): string => (Number.isFinite(ms) ? (ms / 60_000).toFixed(1) : 'n/a');
const top = (pairs: [string, number][], n = 4): string => (pairs.length ? pairs.slice(0, n).map(([k, v]) => `${k} ${v}`).join(', ') : '-');

/** Options of {@link simulatedMarkdown} and {@link writeSimulatedReport}. */
export interface SimulatedReportOptions {
  notes?: readonly string[];
  /** Paper Table 6 figures (`--resources`), shown as their own table. */
  resources?: readonly ModelResources[];
  /** Extra fields for report.json (run parameters). */
  meta?: Record<string, unknown>;
}

/** The notes of a `--dataset simulated` run: protocol, rule and what is counted. */
export function simulatedNotes(o: { seed: number; testSeed: number; machineCount: number; testMachines: 'same' | 'reseeded' }): string[] {
  const r = DEFAULT_SIM_RULE;
  return [
    `Plant of ${o.machineCount} machines (apportioned 50:30:15 assembly, welding, paint booth as the paper's plant); readings every 60 s. Fit: 7 fault-free days from Monday, seed ${o.seed}; validation (scales and thresholds, held out from the model): the next 7 fault-free days; test: 7 days starting a week after the validation week, 1 random fault per machine per day of paper Table 8's types, drawn by seed ${o.testSeed}.`,
    o.testMachines === 'same'
      ? 'Test machines: the trained machines, weeks later (their history continued with the training seed; wear keeps rising and maintenance can reset it, as in a plant). The test seed draws only the faults.'
      : 'Test machines: redrawn by the test seed (every machine constant differs from training: wear since maintenance, nominal speed, heat, sensor calibration).',
    `Scoring as the streaming detector (detect/stream, the shared detect/dual-rate.ts): per-sensor |actual - forecast| / scale (scale = std of validation residuals), averaged at two rates, restarted after a break: a fast EWMA (alpha ${r.alpha}) with threshold max(${r.minThreshold}, ${r.factor} x the ${r.quantile} quantile of the validation week\'s fast scores) and ${r.slowAlpha === null ? 'no slow rate' : `a slow EWMA (alpha ${r.slowAlpha}, started after a break at the validation mean) with threshold max(${r.slowMinThreshold}, ${r.slowFactor} x the same quantile of the validation week's slow scores), which finds small sustained shifts of the error`}; a sensor's ratio is the larger of its two, the machine's the largest sensor ratio. "aggregate" rule: one threshold (1.5 x 0.9999 quantile of validation) on the model\'s scalar score (PCA: T2+Q; forecasters: mean squared error). "relative": forecast models see windows relative to their last row and forecast the change. Readings with a missing or impossible value and time gaps are not scored.`,
    `Alerts as the alert manager runs in \`plantwatch start\` (main.ts: no clear by tick count, clear after respond.clearDelayMs of the default configuration): raised at the first tick at or over the threshold, cleared after ${r.clearAfterTicks === null ? '' : `${r.clearAfterTicks} ticks or `}${r.clearAfterMs === null ? 'never by time' : `${r.clearAfterMs / 60_000} min`} below 0.8 x threshold (event time); an alert is one alarm event, and an alert raised again after it cleared is a new one (counted false when it touches no fault).`,
    `The rule of each model was chosen on a development test seed, never on the reported one (see simulatedRuleFor in simulated-protocol.ts); data-quality faults (connection failure, disconnected sensor, sensor power interruption) are scored apart against data-quality events; alerts touching only a data-quality fault are neither credited nor counted false.`,
  ];
}

export function simulatedMarkdown(results: readonly SimulatedModelResult[], options: SimulatedReportOptions = {}): string {
  const lines = [
    '# Simulated plant evaluation',
    '',
    'Per machine: the model is fitted on one fault-free calendar week, per-sensor error scales and thresholds come from the next fault-free week (held out from the model), and the test weeks carry process faults the training never saw (drawn by another seed). Test readings are scored as the streaming detector scores live ones and alarms become alerts as the alert manager raises and clears them. Paper target: event precision >= 0.95, recall >= 0.90.',
    '',
    '## Process faults (paper Tables 1, 3)',
    '',
    'An event is a labelled process fault (overheating, abnormal vibration, high humidity, high emission, low cooling pressure, high energy); it is detected when an alert is open during it. A false alarm is an alert that touches no labelled fault.',
    '',
    '| Model | Rule | Event P | Event R | Event F1 | Events | Detected | False alarms | Mean delay, min | Point P | Point R | Point F1 | FPR | Fit, s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const e = r.events;
    const clear = r.rule.alarms === 'alert' ? ` (clear ${r.rule.clearAfterTicks !== null ? `${r.rule.clearAfterTicks} ticks/` : ''}${r.rule.clearAfterMs !== null ? `${r.rule.clearAfterMs / 60_000} min` : ''})` : '';
    const rule = `${r.rule.thresholds}${r.rule.slowAlpha !== null ? ` + slow ${r.rule.slowAlpha}` : ''}${r.rule.relative ? ', relative' : ''}, ${r.rule.alarms}${clear}`;
    lines.push(`| ${r.name} | ${rule} | ${f3(e.precision)} | ${f3(e.recall)} | ${f3(e.f1)} | ${e.events} | ${e.detected} | ${e.falseAlarms} | ${min1(e.meanDelayMs)} | ${f3(r.point.precision)} | ${f3(r.point.recall)} | ${f3(r.point.f1)} | ${f3(r.point.fpr)} | ${(r.fitMs / 1000).toFixed(1)} |`);
  }
  const types = [...new Set(results.flatMap((r) => Object.keys(r.byType)))].sort();
  if (types.length) {
    lines.push('', '### Detected by fault type', '', `| Model | ${types.join(' | ')} |`, `|---|${types.map(() => '---').join('|')}|`);
    for (const r of results) lines.push(`| ${r.name} | ${types.map((t) => (r.byType[t] ? `${r.byType[t]!.detected}/${r.byType[t]!.events}` : '-')).join(' | ')} |`);
  }
  lines.push(
    '',
    '### Where the false alarms are',
    '',
    'Phase from the machine\'s shift calendar (shift_start / shift_end: the first hour after a shift boundary); "after a fault": raised within 3 h after a labelled fault of the machine ended (its physical after-effects, e.g. cooling down). The last column is a diagnostic only (the headline above counts them false): event precision if those alerts were not counted false.',
    '',
    '| Model | False alarms | By phase | By sensor | By machine | After a fault | After a data break | P without after-fault alerts |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const r of results) {
    const fa = r.falseAlarmList;
    const after = fa.filter((f) => f.afterFault).length;
    const d = r.events.detected;
    lines.push(
      `| ${r.name} | ${fa.length} | ${top(countFalseAlarms(fa, (f) => f.phase))} | ${top(countFalseAlarms(fa, (f) => f.sensor ?? 'aggregate'))} | ${top(countFalseAlarms(fa, (f) => f.machineId))} | ${after} | ${fa.filter((f) => f.afterBreak).length} | ${f3(d ? d / (d + fa.length - after) : 0)} |`,
    );
  }
  lines.push(
    '',
    '### How long alerts stay open',
    '',
    'An alert counts once however long it stays open, so event precision and recall do not show alerts that outlive their fault (ISA-18.2 stale alarms). Open outside faults: test time with an alert open and no labelled fault (point false positives), machine-hours over the whole plant.',
    '',
    '| Model | Alerts | Median open, h | p90, h | Longest, h | Alerts touching > 1 fault | Events detected only by an alert raised before them | Open outside faults, machine-h |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const r of results) {
    const al = r.machines.flatMap((m) => m.alerts);
    const d = al.map((x) => x.durationMs / 3_600_000).sort((x, y) => x - y);
    const at = (q: number): string => (d.length ? d[Math.min(d.length - 1, Math.floor(q * d.length))]!.toFixed(1) : 'n/a');
    const tickH = r.tickMs / 3_600_000;
    lines.push(`| ${r.name} | ${al.length} | ${at(0.5)} | ${at(0.9)} | ${d.length ? d[d.length - 1]!.toFixed(1) : 'n/a'} | ${al.filter((x) => x.faults > 1).length} | ${r.machines.reduce((t, m) => t + m.carriedOver, 0)} | ${(r.point.fp * tickH).toFixed(0)} |`);
  }
  const dq = results[0]?.dataQuality;
  if (dq) {
    lines.push(
      '',
      '## Data-quality faults (SPEC 4), model-independent',
      '',
      'Connection failures, disconnected sensors and sensor power interruptions show only as missing readings. The detector reports them as data-quality events (a missing or impossible value, or a gap), never as process anomalies; they are scored here apart, against those events.',
      '',
      '| Events | Detected | False data-quality events | P | R | Mean delay, min |',
      '|---|---|---|---|---|---|',
      `| ${dq.events} | ${dq.detected} | ${dq.falseAlarms} | ${f3(dq.precision)} | ${f3(dq.recall)} | ${min1(dq.meanDelayMs)} |`,
    );
  }
  if (options.resources?.length) lines.push('', '## Resources (paper Table 6)', '', 'Same windows for every model (`npm run bench -- models` measures the same).', '', resourcesMarkdown(options.resources).trimEnd());
  const notes = options.notes ?? [];
  if (notes.length) lines.push('', '## Notes', '', ...notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

/**
 * `recall-by-delay.svg`: share of the process events each model has alerted on within a delay
 * (event recall as a function of the allowed delay), with the paper's 0.90 recall target;
 * `false-alarms-by-hour.svg`: false alarms per hour of the day (UTC), per model.
 */
export function simulatedPlots(results: readonly SimulatedModelResult[]): Record<string, string> {
  const out: Record<string, string> = {};
  const maxDelay = Math.max(10, ...results.flatMap((r) => r.machines.flatMap((m) => m.delaysMs.map((d) => d / 60_000))));
  out['recall-by-delay.svg'] = lineChartSvg({
    title: 'Simulated plant: process events alerted within a delay',
    xLabel: 'delay after fault start, min',
    yLabel: 'event recall',
    yRange: [0, 1],
    xRange: [0, maxDelay],
    series: [
      ...results.map((r) => {
        const d = r.machines.flatMap((m) => m.delaysMs).map((x) => x / 60_000).sort((a, b) => a - b);
        const n = r.events.events || 1;
        return { name: `${r.name} (R ${f3(r.events.recall)})`, step: true, points: [[0, 0] as const, ...d.map((x, i) => [x, (i + 1) / n] as const), [maxDelay, d.length / n] as const] };
      }),
      { name: 'target 0.90', points: [[0, 0.9], [maxDelay, 0.9]], dashed: true, color: '#999' },
    ],
  });
  out['false-alarms-by-hour.svg'] = lineChartSvg({
    title: 'Simulated plant: false alarms by hour of day (UTC)',
    xLabel: 'hour',
    yLabel: 'false alarms',
    xRange: [0, 24],
    series: results.map((r) => {
      const h = Array.from({ length: 24 }, (_, i) => r.falseAlarmList.filter((f) => f.hourUtc === i).length);
      return { name: `${r.name} (${r.falseAlarmList.length})`, step: true, points: [...h.map((v, i) => [i, v] as const), [24, h[23]!] as const] };
    }),
  });
  return out;
}

export async function writeSimulatedReport(outDir: string, results: readonly SimulatedModelResult[], options: SimulatedReportOptions = {}): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, 'report.json');
  const md = join(outDir, 'report.md');
  await writeFile(json, `${JSON.stringify({ dataset: 'simulated', ...(options.meta ?? {}), notes: options.notes ?? [], models: results, ...(options.resources ? { resources: options.resources } : {}) }, null, 2)}\n`);
  await writeFile(md, simulatedMarkdown(results, options));
  const written = [json, md];
  for (const [name, svg] of Object.entries(simulatedPlots(results))) {
    const file = join(outDir, name);
    await writeFile(file, svg);
    written.push(file);
  }
  return written;
}
