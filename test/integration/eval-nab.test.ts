/** NAB loader, protocol and `plantwatch evaluate --dataset nab` on generated NAB-layout files. */
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/index.js';
import { detectorSpec, evaluateNab, loadNab } from '../../src/eval/index.js';

const T0 = Date.UTC(2014, 3, 1, 0, 0, 0);
const STEP = 300_000;
const stamp = (i: number): string => `${new Date(T0 + i * STEP).toISOString().replace('T', ' ').slice(0, 19)}.000000`;

function series(seed: number, anomalyAt: number): string {
  let s = seed;
  const r = (): number => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const lines = ['timestamp,value'];
  for (let i = 0; i < 1000; i++) {
    const v = 50 + 10 * Math.sin((2 * Math.PI * i) / 288) + r() + (i >= anomalyAt && i < anomalyAt + 20 ? 40 : 0);
    lines.push(`${stamp(i).slice(0, 19)},${v.toFixed(3)}`);
  }
  return `${lines.join('\n')}\n`;
}

let dir: string;
let labels: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pw-nab-'));
  await mkdir(join(dir, 'data', 'realKnown'), { recursive: true });
  await writeFile(join(dir, 'data', 'realKnown', 'a.csv'), series(1, 600));
  await writeFile(join(dir, 'data', 'realKnown', 'b.csv'), series(2, 800));
  labels = join(dir, 'windows.json');
  await writeFile(
    labels,
    JSON.stringify({
      'realKnown/a.csv': [[stamp(580), stamp(640)]],
      'realKnown/b.csv': [[stamp(780), stamp(840)]],
    }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('NAB loader and protocol', () => {
  it('loads the labelled files with their windows', async () => {
    const files = await loadNab(join(dir, 'data'), labels);
    expect(files.map((f) => f.name)).toEqual(['realKnown/a.csv', 'realKnown/b.csv']);
    expect(files[0]!.values.length).toBe(1000);
    expect(files[0]!.windows).toEqual([[T0 + 580 * STEP, T0 + 640 * STEP]]);
  });

  it('rejects a missing data file and a malformed label file with codes', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ 'realKnown/zzz.csv': [] }));
    await expect(loadNab(join(dir, 'data'), bad)).rejects.toMatchObject({ code: 'PW_ERR_NOT_FOUND_DATASET' });
    await writeFile(bad, JSON.stringify({ 'realKnown/a.csv': [['x']] }));
    await expect(loadNab(join(dir, 'data'), bad)).rejects.toMatchObject({ code: 'PW_ERR_VALIDATION_DATASET', message: expect.stringContaining('window 0') });
  });

  it('catches both windows early: a high normalised score on every profile', async () => {
    const files = await loadNab(join(dir, 'data'), labels);
    const r = await evaluateNab(files, detectorSpec('svm', { windowSize: 5 }));
    expect(r.scores.standard.tp).toBe(2);
    expect(r.scores.standard.fn).toBe(0);
    expect(r.scores.standard.score).toBeGreaterThan(50);
    expect(r.scores.reward_low_FN_rate.score).toBeGreaterThan(50);
    // nothing is scored or detected inside the probationary period
    expect(r.files[0]!.detections.slice(0, 150).every((d) => d === 0)).toBe(true);
  });

  it('plantwatch evaluate --dataset nab writes the report', async () => {
    const out = join(dir, 'report');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await buildProgram().parseAsync(['node', 'plantwatch', 'evaluate', '--dataset', 'nab', '--data', join(dir, 'data'), '--labels', labels, '--models', 'pca', '--out', out, '--no-progress']);
    } finally {
      write.mockRestore();
    }
    expect((await readdir(out)).sort()).toEqual(['pr.svg', 'report.json', 'report.md', 'roc.svg', 'score-pca-t2q.svg', 'forecast-pca-t2q.svg'].sort());
  });
});
