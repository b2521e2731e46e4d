import { describe, expect, it } from 'vitest';
import { measureModelResources, resourcesMarkdown } from './model-resources.js';

describe('measureModelResources', () => {
  it('measures training time, prediction time, CPU, memory and saved size of each model on the same windows', async () => {
    const { results } = await measureModelResources({ models: ['pca', 'svm'], trainWindows: 200, singleCalls: 20, batch: 50, windowSize: 5 });
    expect(results.map((r) => r.model)).toEqual(['pca', 'svm']);
    for (const r of results) {
      expect(r.trainWindows).toBe(200);
      expect(r.batch).toBe(50);
      expect(r.features).toBe(8);
      expect(r.trainMs).toBeGreaterThan(0);
      expect(r.singleP50Ms).toBeGreaterThan(0);
      expect(r.singleP95Ms).toBeGreaterThanOrEqual(r.singleP50Ms);
      expect(r.batchMsPerWindow).toBeGreaterThan(0);
      expect(Number.isFinite(r.cpuPct) && r.cpuPct >= 0).toBe(true);
      expect(Number.isFinite(r.rssDeltaMiB) && Number.isFinite(r.heldKiB)).toBe(true);
      expect(r.modelBytes).toBeGreaterThan(100);
    }
    // PCA scores single rows (as in the evaluation); the SVR sees windows of 5 rows.
    expect(results[0]!.windowSize).toBe(1);
    expect(results[1]!.windowSize).toBe(5);
    const md = resourcesMarkdown(results);
    expect(md.split('\n').filter((l) => l.startsWith('| pca') || l.startsWith('| svm'))).toHaveLength(2);
  });

  it('refuses sizes too small to measure, naming them', async () => {
    await expect(measureModelResources({ models: ['pca'], trainWindows: 5 })).rejects.toMatchObject({ code: 'PW_ERR_VALIDATION_OPTION', message: 'resources: trainWindows >= 20, singleCalls >= 1, batch >= 1 and windowSize >= 1 expected; got 5, 300, 1000, 10' });
  });
});
