import { describe, expect, it } from 'vitest';
import { DEFAULT_SLOW_ALPHA } from '../dual-rate.js';
import { DETECTOR_ARTIFACT_FORMAT, decodeArtifact, encodeArtifact, loadScoringModel, type DetectorArtifact } from './artifact.js';
import { trainDetector } from './train.js';

const STATIC: DetectorArtifact = {
  format: DETECTOR_ARTIFACT_FORMAT,
  machineType: 'welding',
  sensors: ['temperature', 'current'],
  windowSize: 3,
  scaler: { className: 'MinMaxScaler', version: 1, min: [0, 0], max: [100, 100] },
  sensorScale: [0.01, 0.01],
  thresholds: [3, 3],
  alpha: 0.5,
  model: null,
  baseline: [0.5, 0.5],
};

describe('detector artifact: slow rate', () => {
  it('an artifact without a slow rate (written before it) loads as fast-only', () => {
    const m = loadScoringModel('s', '1', encodeArtifact(STATIC));
    expect(m.slowAlpha).toBeNull();
    expect(m.rates).toEqual({ fast: [3, 3], slow: null, slowStart: null });
  });

  it('refuses a slow rate without one threshold and start value per sensor', () => {
    const bad = encodeArtifact({ ...STATIC, slowAlpha: 0.03, slowThresholds: [1.5], slowStart: [0.8, 0.8] });
    expect(() => decodeArtifact(bad)).toThrow(expect.objectContaining({ code: 'PW_ERR_MODEL_FORMAT', message: 'detector artifact: 2 sensors but 1 slow thresholds and 2 slow start values' }));
  });

  it('trainDetector fits slow thresholds on the validation split (default rate), none when slowAlpha is null', async () => {
    // Two machines of noisy sine rows: enough windows for a tiny forecaster.
    const series = [0, 1].map((k) => Array.from({ length: 400 }, (_, i) => [50 + 10 * Math.sin(i / 7 + k) + ((i * 7919) % 13) / 13, 15 + 5 * Math.cos(i / 11) + ((i * 104_729) % 17) / 17]));
    const opts = { machineType: 'welding' as const, sensors: ['temperature', 'current'] as ('temperature' | 'current')[], preset: 'tiny' as const, windowSize: 5, epochs: 2, seed: 1 };
    const a = decodeArtifact((await trainDetector(series, opts)).artifact);
    expect(a.slowAlpha).toBe(DEFAULT_SLOW_ALPHA);
    expect(a.slowThresholds).toHaveLength(2);
    expect(a.slowThresholds!.every((t) => t >= 1.5)).toBe(true);
    expect(a.slowStart!.every((v) => v > 0 && v < a.thresholds[0]!)).toBe(true);
    const b = decodeArtifact((await trainDetector(series, { ...opts, slowAlpha: null })).artifact);
    expect(b.slowAlpha).toBeUndefined();
    expect(b.thresholds).toEqual(a.thresholds);
  }, 60_000);
});
