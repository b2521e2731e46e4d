/**
 * SKAB loader, protocol and `plantwatch evaluate --dataset skab` on small generated files in a
 * temp dir (the real data is never needed by tests). Includes the no-leakage proof: scaler and
 * thresholds see only the training rows.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/index.js';
import {
  detectorSpec,
  skabDetectorSpec,
  SKAB_LSTM_PIPELINE,
  SKAB_THERMAL_COLUMNS,
  evaluateSkab,
  fitWindowDetector,
  baselineWindowModel,
  loadSkab,
  parseSkabCsv,
  SKAB_SENSOR_COLUMNS,
  type SkabFile,
  type FittedWindowDetector,
  type WindowModel,
} from '../../src/eval/index.js';

/** Persistence forecaster: the next step is the window's last row (no training, deterministic). */
function persistenceModel(): WindowModel {
  return {
    kind: 'forecast',
    fit: async () => undefined,
    predict: (windows) => windows.map((w) => [...w[w.length - 1]!]),
    score: () => {
      throw new Error('forecast model');
    },
  };
}

const HEADER = `datetime;${SKAB_SENSOR_COLUMNS.join(';')};anomaly;changepoint`;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** 700 rows, 1 s apart; anomaly on rows [anomStart, anomEnd] shifts current, temperature and flow. */
function fixtureCsv(seed: number, anomStart = 480, anomEnd = 580): string {
  const r = rng(seed);
  const lines = [HEADER];
  const t0 = Date.UTC(2020, 2, 9, 10, 0, 0);
  for (let i = 0; i < 700; i++) {
    const a = i >= anomStart && i <= anomEnd ? 1 : 0;
    const base = [0.027, 0.04, 1.3 + 0.1 * Math.sin(i / 20), 0.054711, 70 + 0.5 * Math.sin(i / 50), 25, 230, 32];
    const v = base.map((b, c) => b + (r() - 0.5) * 0.02 * Math.abs(b) + (a && (c === 2 || c === 4 || c === 7) ? 0.3 * Math.abs(b) : 0));
    const cp = i === anomStart || i === anomEnd + 1 ? 1 : 0;
    const ts = new Date(t0 + i * 1000).toISOString().replace('T', ' ').slice(0, 19);
    lines.push(`${ts};${v.map((x) => x.toFixed(6)).join(';')};${a}.0;${cp}.0`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

let dir: string;
let out: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pw-skab-'));
  out = join(dir, 'report');
  for (const [folder, n, seed] of [['valve1', '0', 1], ['valve1', '1', 2], ['valve2', '0', 3], ['other', '1', 4]] as const) {
    await mkdir(join(dir, folder), { recursive: true });
    await writeFile(join(dir, folder, `${n}.csv`), fixtureCsv(seed));
  }
  await mkdir(join(dir, 'anomaly-free'), { recursive: true });
  await writeFile(join(dir, 'anomaly-free', 'anomaly-free.csv'), `${SKAB_SENSOR_COLUMNS.join(';')}\r\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SKAB loader', () => {
  it('reads semicolon CSV with CRLF and float labels from the labelled folders in order', async () => {
    const files = await loadSkab(dir);
    expect(files.map((f) => f.name)).toEqual(['valve1/0.csv', 'valve1/1.csv', 'valve2/0.csv', 'other/1.csv']);
    const f = files[0]!;
    expect(f.values.length).toBe(700);
    expect(f.values[0]!.length).toBe(8);
    expect(f.anomaly.reduce((a, b) => a + b, 0)).toBe(101);
    expect(f.changepoint.reduce((a, b) => a + b, 0)).toBe(2);
    expect(f.tsMs[1]! - f.tsMs[0]!).toBe(1000);
  });

  it('names the file, line and column of a bad cell, and a missing folder', async () => {
    const bad = fixtureCsv(9).split('\r\n');
    bad[5] = bad[5]!.replace(/;[^;]+;/, ';abc;');
    expect(() => parseSkabCsv(bad.join('\r\n'), 'x.csv')).toThrow(/x\.csv line 6: Accelerometer1RMS is "abc"/);
    expect(() => parseSkabCsv('a;b\r\n1;2', 'y.csv')).toThrow(expect.objectContaining({ code: 'PW_ERR_VALIDATION_DATASET' }));
    await expect(loadSkab(join(dir, 'nope'))).rejects.toMatchObject({ code: 'PW_ERR_NOT_FOUND_DATASET' });
  });
});

describe('SKAB protocol', () => {
  let files: SkabFile[];
  beforeAll(async () => {
    files = await loadSkab(dir);
  });

  it('finds the obvious anomalies and micro-averages the counts over files', async () => {
    const r = await evaluateSkab(files, detectorSpec('pca'));
    const sum = r.files.reduce(
      (c, f) => {
        f.alarms.forEach((a, i) => {
          const l = f.labels[i]!;
          if (a && l) c.tp++;
          else if (a) c.fp++;
          else if (l) c.fn++;
          else c.tn++;
        });
        return c;
      },
      { tp: 0, fp: 0, tn: 0, fn: 0 },
    );
    expect(r.confusion).toEqual(sum);
    expect(r.files.every((f) => f.labels.length === 300)).toBe(true); // only rows 400.. are scored
    expect(r.outlier.f1).toBeGreaterThan(0.7);
    expect(r.roc.auc).toBeGreaterThan(0.9);
    expect(r.changepoint.windows).toBe(8);
  });

  it('no leakage: scaler and thresholds see only the first 400 rows of each file', async () => {
    const seen: { file: string; det: FittedWindowDetector; train: number[][] }[] = [];
    const spec = detectorSpec('svm');
    await evaluateSkab(files, spec, { onFitted: (file, det, train) => seen.push({ file, det, train }) });
    expect(seen.length).toBe(files.length);
    for (const { file, det, train } of seen) {
      const f = files.find((x) => x.name === file)!;
      expect(train).toEqual(f.values.slice(0, 400));
      expect(det.trainRows).toBe(400);
      // The scaler's range is the training rows' range, although the test rows go beyond it.
      const saved = det.scaler.toJSON();
      for (let c = 0; c < 8; c++) {
        expect(saved.max[c]).toBe(Math.max(...train.map((r) => r[c]!)));
        expect(saved.min[c]).toBe(Math.min(...train.map((r) => r[c]!)));
      }
      expect(Math.max(...f.values.slice(400).map((r) => r[4]!))).toBeGreaterThan(saved.max[4]!);
    }
    // Replace every test row with wild values: the fitted scaler and threshold do not move.
    const poisoned = files.map((f) => ({ ...f, values: f.values.map((r, i) => (i < 400 ? r : r.map((v) => v * 100 + 7))) }));
    const seen2: FittedWindowDetector[] = [];
    await evaluateSkab(poisoned, spec, { onFitted: (_f, det) => seen2.push(det) });
    seen2.forEach((det, k) => {
      expect(det.threshold).toBe(seen[k]!.det.threshold);
      expect(det.scaler.toJSON()).toEqual(seen[k]!.det.scaler.toJSON());
    });
  });

  it('the LSTM forecaster plugs into the same pipeline', async () => {
    const r = await evaluateSkab(files.slice(0, 1), detectorSpec('lstm', { lstmPreset: 'tiny', lstmEpochs: 2 }));
    expect(r.name).toBe('lstm-tiny');
    expect(r.forecast).not.toBeNull();
    expect(r.files[0]!.predicted!.length).toBe(300);
    expect(r.files[0]!.predicted![0]!.length).toBe(8);
    expect(Number.isFinite(r.files[0]!.threshold)).toBe(true);
  });

  it('relative forecasting is level-invariant: a series at another operating point scores the same', async () => {
    const f = files[0]!;
    const det = await fitWindowDetector(baselineWindowModel('svm'), f.values.slice(0, 400), { windowSize: 5, relative: true, thresholdOn: 'train' });
    const shifted = f.values.map((r) => r.map((v) => v + 50)); // the whole series moves to another operating point
    const a = det.score(f.values, 400).score;
    const b = det.score(shifted, 400).score;
    b.forEach((v, i) => expect(v).toBeCloseTo(a[i]!, 6));
  });

  it('scoreColumns: unscored columns are context only; a jump in one changes nothing, in a scored one it alarms', async () => {
    const f = files[0]!;
    const train = f.values.slice(0, 400);
    const jump = (c: number) => f.values.map((r, i) => (i < 500 ? r : r.map((v, k) => (k === c ? v + 5 * Math.abs(v) : v))));
    const opts = { windowSize: 5, aggregate: 'max' as const, thresholdOn: 'train' as const, threshold: { method: 'quantile' as const, quantile: 0.99, factor: 1.1 } };
    const all = await fitWindowDetector(persistenceModel(), train, opts);
    const some = await fitWindowDetector(persistenceModel(), train, { ...opts, scoreColumns: [0, 1, 2, 3, 5, 6, 7] });
    expect(all.sensorScale!.length).toBe(8);
    expect(some.sensorScale!.length).toBe(7);
    expect(some.sensorScale).toEqual([0, 1, 2, 3, 5, 6, 7].map((c) => all.sensorScale![c]));
    const base = some.score(f.values, 400).score;
    expect(some.score(jump(4), 400).score).toEqual(base);
    const peak = (s: number[]) => Math.max(...s.slice(100, 110));
    expect(peak(all.score(jump(4), 400).score)).toBeGreaterThan(10 * all.threshold);
    expect(peak(some.score(jump(7), 400).score)).toBeGreaterThan(10 * some.threshold);
    await expect(fitWindowDetector(persistenceModel(), train, { ...opts, scoreColumns: [0, 8] })).rejects.toMatchObject({ code: 'PW_ERR_VALIDATION_COLUMNS', message: 'scoreColumns must be distinct column indices in 0..7, got [0, 8]' });
    await expect(fitWindowDetector(persistenceModel(), train, { ...opts, scoreColumns: [] })).rejects.toMatchObject({ code: 'PW_ERR_VALIDATION_COLUMNS' });
  });

  it('the SKAB LSTM pipeline: thermal sensors unscored, 30-row windows, training-only threshold; no leakage', async () => {
    expect(SKAB_THERMAL_COLUMNS).toEqual([4, 5]);
    const spec = skabDetectorSpec('lstm', { lstmPreset: 'tiny', lstmEpochs: 1 });
    expect(spec.name).toBe('lstm-tiny-skab');
    expect(spec.pipeline).toMatchObject({ windowSize: 30, alpha: 0.05, aggregate: 'max', scoreColumns: [0, 1, 2, 3, 6, 7], thresholdOn: 'train', threshold: { method: 'quantile', quantile: 0.99, factor: SKAB_LSTM_PIPELINE.thresholdFactor } });
    expect(skabDetectorSpec('svm').pipeline).toEqual(detectorSpec('svm').pipeline);
    expect(skabDetectorSpec('lstm-plain').pipeline).toEqual(detectorSpec('lstm').pipeline);
    const two = files.slice(0, 2);
    const seen: FittedWindowDetector[] = [];
    const r = await evaluateSkab(two, spec, { onFitted: (_f, det) => seen.push(det) });
    expect(r.files.every((x) => x.alarms.length === 300 && Number.isFinite(x.threshold))).toBe(true);
    const poisoned = two.map((x) => ({ ...x, values: x.values.map((row, i) => (i < 400 ? row : row.map((v) => v * 100 + 7))) }));
    const seen2: FittedWindowDetector[] = [];
    await evaluateSkab(poisoned, spec, { onFitted: (_f, det) => seen2.push(det) });
    seen2.forEach((det, k) => {
      expect(det.threshold).toBe(seen[k]!.threshold);
      expect(det.sensorScale).toEqual(seen[k]!.sensorScale);
      expect(det.scaler.toJSON()).toEqual(seen[k]!.scaler.toJSON());
    });
  });

  it('the pipeline is given only training rows: fitting never reads past them', async () => {
    const f = files[0]!;
    const train = f.values.slice(0, 400);
    const inner = baselineWindowModel('pca');
    const spy = vi.fn(inner.fit);
    const model = { ...inner, fit: spy };
    await fitWindowDetector(model, train, { windowSize: 1, thresholdOn: 'train' });
    const windows = spy.mock.calls[0]![0];
    expect(windows.length).toBe(400);
  });
});

describe('plantwatch evaluate --dataset skab', () => {
  it('writes JSON, markdown and SVG plots and prints the JSON summary', async () => {
    const chunks: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
      chunks.push(String(c));
      return true;
    });
    try {
      await buildProgram().parseAsync(['node', 'plantwatch', 'evaluate', '--dataset', 'skab', '--data', dir, '--models', 'pca,svm', '--out', out, '--json', '--no-progress']);
    } finally {
      write.mockRestore();
    }
    const printed = JSON.parse(chunks.join(''));
    expect(printed.models.map((m: { name: string }) => m.name)).toEqual(['pca-t2q', 'linear-svr']);
    expect(printed.models[0].outlier.f1).toBeGreaterThan(0.5);
    const names = (await readdir(out)).sort();
    expect(names).toEqual(['forecast-linear-svr.svg', 'pr.svg', 'report.json', 'report.md', 'roc.svg', 'score-linear-svr.svg', 'score-pca-t2q.svg']);
    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md).toContain('| Conv-AE | 0.78 | 13.55 | 28.02 |');
    expect(md).toContain('**plantwatch: pca-t2q**');
    expect(md).toMatch(/## By file group[\s\S]*\| pca-t2q \| [\d.]+ \/ [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \/ [\d.]+ \|/);
    expect(md).toContain('## LSTM pipeline on SKAB: what we tried');
    expect(printed.models[0].groups.map((g: { files: number }) => g.files)).toEqual([2, 2]);
    expect(await readFile(join(out, 'roc.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>$/);
  });

  it('rejects an unknown model with a clear error', async () => {
    await expect(buildProgram().parseAsync(['node', 'plantwatch', 'evaluate', '--dataset', 'skab', '--data', dir, '--models', 'pca,xgb'])).rejects.toMatchObject({ code: 'PW_ERR_VALIDATION_OPTION', message: expect.stringContaining('xgb') });
  });
});
