/**
 * `npm run bench -- models [--models pca,rf,svm,mlp,lstm] [--windows 5000] [--single 300] [--batch 1000] [--window 10] [--json]`
 * Paper Table 6 for every model, on the same windows (one simulated assembly machine, fault-free,
 * one reading a minute, scaled to [0, 1]): training time, time per prediction (one window per
 * call, p50 and p95, and batched per window), CPU % during inference and training (process CPU
 * time over wall time, % of one core), memory held by the fitted model (RSS and heap delta) and
 * its saved size. The machine is shared and noisy: compare models within one run.
 */
import { isEvalModelName, measureModelResources, resourcesMarkdown, type EvalModelName } from '../src/eval/index.js';

export async function run(argv: string[]): Promise<void> {
  const a = { models: 'pca,rf,svm,mlp,lstm', windows: 5_000, single: 300, batch: 1_000, window: 10, json: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '--json') a.json = true;
    else if (k === '--models') a.models = argv[++i] ?? '';
    else if (k === '--windows' || k === '--single' || k === '--batch' || k === '--window') a[k.slice(2) as 'windows'] = Number(argv[++i]);
    else throw new Error(`unknown option ${k}; options: --models, --windows, --single, --batch, --window, --json`);
  }
  const models = a.models.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = models.filter((m) => !isEvalModelName(m));
  if (bad.length || models.length === 0) throw new Error(`--models: unknown model(s) ${bad.join(', ') || '(none)'}`);
  for (const k of ['windows', 'single', 'batch', 'window'] as const) if (!(Number.isInteger(a[k]) && a[k] > 0)) throw new Error(`--${k} must be a positive integer, got ${a[k]}`);
  const started = performance.now();
  const r = await measureModelResources({
    models: models as EvalModelName[],
    trainWindows: a.windows,
    singleCalls: a.single,
    batch: a.batch,
    windowSize: a.window,
    onProgress: (m, stage) => process.stderr.write(`  ${m}: ${stage}\n`),
  });
  const elapsedS = Math.round((performance.now() - started) / 1000);
  if (a.json) {
    process.stdout.write(`${JSON.stringify({ ...a, models, gcAvailable: r.gcAvailable, elapsedS, results: r.results }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `model resources (paper Table 6), ${a.windows} training windows of ${a.window} rows x 8 sensors (PCA: single rows), ${a.single} single-window predictions, batches of ${a.batch}; GC between models: ${r.gcAvailable ? 'yes' : 'no'}; ${elapsedS} s\n\n` +
      resourcesMarkdown(r.results),
  );
}
