/**
 * What the registry stores for one machine type's detector: the forecaster (saved-model JSON),
 * the scaler fitted on the training split, and per-sensor error scales and thresholds fitted on
 * the validation split. The store keeps it as opaque text.
 */
import { ModelError, type MachineType, type SensorKind } from '../../domain/index.js';
import { decodeSavedModel, loadForecaster, type EngineChoice, type Forecaster, type SavedModel } from '../../model/index.js';
import { MinMaxScaler, type MinMaxScalerJSON } from '../../preprocess/index.js';
import type { DualRateThresholds } from '../dual-rate.js';

export const DETECTOR_ARTIFACT_FORMAT = 'plantwatch-stream-detector';

export interface DetectorArtifact {
  format: typeof DETECTOR_ARTIFACT_FORMAT;
  machineType: MachineType;
  /** Column order of the model's rows. */
  sensors: SensorKind[];
  windowSize: number;
  scaler: MinMaxScalerJSON;
  /** Per-sensor normal error (validation residual std, scaled units): scores are in these units. */
  sensorScale: number[];
  /** Per-sensor threshold on the smoothed, scale-normalised error. */
  thresholds: number[];
  /** EWMA factor of the smoothing. */
  alpha: number;
  /** Slow EWMA factor of the same errors (detect/dual-rate.ts); absent or null: fast rate only (artifacts before the slow rate). */
  slowAlpha?: number | null;
  /** Per-sensor thresholds of the slow rate (with slowAlpha). */
  slowThresholds?: number[];
  /** Per-sensor slow EWMA value after a restart: the validation mean normalised error (with slowAlpha). */
  slowStart?: number[];
  /**
   * Saved-model JSON text (model/saved-model.ts); null for the static baseline, which predicts
   * `baseline` (the training mean, scaled) every tick: a per-sensor static threshold, no model.
   */
  model: string | null;
  baseline?: number[];
}

export function encodeArtifact(a: DetectorArtifact): string {
  return JSON.stringify(a);
}

export function decodeArtifact(text: string): DetectorArtifact {
  let raw: DetectorArtifact;
  try {
    raw = JSON.parse(text) as DetectorArtifact;
  } catch (err) {
    throw new ModelError('PW_ERR_MODEL_FORMAT', 'detector artifact is not valid JSON', { cause: err });
  }
  if (raw?.format !== DETECTOR_ARTIFACT_FORMAT) throw new ModelError('PW_ERR_MODEL_FORMAT', `detector artifact: expected format "${DETECTOR_ARTIFACT_FORMAT}", got ${JSON.stringify(raw?.format)}`);
  const n = raw.sensors?.length ?? 0;
  if (n === 0 || raw.sensorScale?.length !== n || raw.thresholds?.length !== n) {
    throw new ModelError('PW_ERR_MODEL_FORMAT', `detector artifact: ${n} sensors but ${raw.sensorScale?.length} scales and ${raw.thresholds?.length} thresholds`);
  }
  if (raw.slowAlpha !== undefined && raw.slowAlpha !== null && (raw.slowThresholds?.length !== n || raw.slowStart?.length !== n)) {
    throw new ModelError('PW_ERR_MODEL_FORMAT', `detector artifact: ${n} sensors but ${raw.slowThresholds?.length} slow thresholds and ${raw.slowStart?.length} slow start values`);
  }
  if (!Number.isInteger(raw.windowSize) || raw.windowSize < 1) throw new ModelError('PW_ERR_MODEL_FORMAT', `detector artifact: windowSize ${raw.windowSize} is not a positive integer`);
  return raw;
}

/** A loaded detector model: predicts the next row (scaled) of many windows in one call. */
export interface ScoringModel {
  readonly id: string;
  readonly version: string;
  readonly machineType: MachineType;
  readonly sensors: readonly SensorKind[];
  readonly windowSize: number;
  readonly scaler: MinMaxScaler;
  readonly sensorScale: readonly number[];
  readonly thresholds: readonly number[];
  readonly alpha: number;
  /** Slow EWMA factor; null: fast rate only. */
  readonly slowAlpha: number | null;
  /** Thresholds of both rates (`fast` is `thresholds`). */
  readonly rates: DualRateThresholds;
  /** `x` is `[n, windowSize, sensors]` scaled; returns `[n, sensors]` scaled. */
  predict(x: Float32Array, n: number): Float32Array;
  dispose(): void;
}

/** Loads an artifact into a forecaster on the fastest engine that loads. */
export function loadScoringModel(id: string, version: string, text: string, options: { engine?: EngineChoice; threads?: number } = {}): ScoringModel {
  const a = decodeArtifact(text);
  if (a.model === null) return staticScoringModel(id, version, a);
  const saved: SavedModel = decodeSavedModel(a.model);
  if (saved.metadata.inputSize !== a.sensors.length || saved.metadata.windowSize !== a.windowSize) {
    throw new ModelError('PW_ERR_MODEL_FORMAT', `detector artifact: model is ${saved.metadata.windowSize}x${saved.metadata.inputSize}, artifact says ${a.windowSize}x${a.sensors.length}`);
  }
  const f: Forecaster = loadForecaster(saved, options);
  return {
    ...scoringBase(id, version, a),
    predict: (x) => f.predict(x),
    dispose: () => f.dispose(),
  };
}

/** What every scoring model takes from its artifact, whichever forecaster it runs. */
function scoringBase(id: string, version: string, a: DetectorArtifact): Omit<ScoringModel, 'predict' | 'dispose'> {
  return {
    id,
    version,
    machineType: a.machineType,
    sensors: a.sensors,
    windowSize: a.windowSize,
    scaler: MinMaxScaler.fromJSON(a.scaler),
    sensorScale: a.sensorScale,
    thresholds: a.thresholds,
    alpha: a.alpha,
    slowAlpha: a.slowAlpha ?? null,
    rates: { fast: a.thresholds, slow: a.slowAlpha ? a.slowThresholds! : null, slowStart: a.slowAlpha ? a.slowStart! : null },
  };
}

function staticScoringModel(id: string, version: string, a: DetectorArtifact): ScoringModel {
  const F = a.sensors.length;
  const base = a.baseline;
  if (!base || base.length !== F) throw new ModelError('PW_ERR_MODEL_FORMAT', `static detector artifact needs a baseline of ${F} values`);
  return {
    ...scoringBase(id, version, a),
    predict: (_x, n) => {
      const out = new Float32Array(n * F);
      for (let i = 0; i < n; i++) out.set(base, i * F);
      return out;
    },
    dispose: () => undefined,
  };
}
