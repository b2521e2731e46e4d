/**
 * Trains one machine type's streaming detector from normal history (SPEC 5, paper 3.5): clean,
 * min-max scale on the training split only, windows, chronological 80/20 split per machine,
 * LSTM fit with early stopping on the validation windows, then per-sensor error scales and
 * thresholds from validation errors only. The evaluation pipeline (eval/pipeline) does the same
 * per machine with one aggregate threshold; the detector needs one threshold per sensor.
 */
import { ValidationError, SENSOR_SPECS, type MachineType, type SensorKind } from '../../domain/index.js';
import { createForecaster, encodeSavedModel, type EngineChoice, type EpochRecord, type PresetName } from '../../model/index.js';
import { cleanTrainingRows, MinMaxScaler, windowsToFloat32 } from '../../preprocess/index.js';
import { columnStd } from '../residuals.js';
import { quantile } from '../static-threshold.js';
import { DEFAULT_SLOW_ALPHA, DEFAULT_SLOW_MIN_THRESHOLD, fitDualRateThresholds } from '../dual-rate.js';
import { DETECTOR_ARTIFACT_FORMAT, encodeArtifact, type DetectorArtifact } from './artifact.js';

export interface TrainDetectorOptions {
  machineType: MachineType;
  sensors: readonly SensorKind[];
  /** Rows per window. Default {@link DEFAULT_STREAM_WINDOW}. */
  windowSize?: number;
  preset?: PresetName;
  /** Overrides the preset's epochs. */
  epochs?: number;
  seed?: number;
  engine?: EngineChoice;
  threads?: number;
  /** Chronological training fraction per machine. Default 0.8 (paper 3.5). */
  trainFraction?: number;
  /** EWMA factor. Default {@link DEFAULT_STREAM_ALPHA}. */
  alpha?: number;
  /** Threshold = factor x quantile(validation smoothed errors). Defaults 0.9999 and {@link DEFAULT_THRESHOLD_FACTOR}. */
  thresholdQuantile?: number;
  thresholdFactor?: number;
  /** Floor of a threshold, in normal-error units (a near-constant sensor must not alarm on noise). Default 3. */
  minThreshold?: number;
  /** Slow EWMA factor of the same errors, with its own thresholds (detect/dual-rate.ts); null: fast only. Default {@link DEFAULT_SLOW_ALPHA}. */
  slowAlpha?: number | null;
  /** Floor of a slow threshold. Default {@link DEFAULT_SLOW_MIN_THRESHOLD}. */
  slowMinThreshold?: number;
  /** Most training windows (subsampled evenly) to bound training time. Default 20 000. */
  maxWindows?: number;
  onEpoch?: (e: EpochRecord) => void;
  signal?: AbortSignal;
}

export const DEFAULT_STREAM_WINDOW = 20;
/** Fast enough that a step change crosses its threshold within a tick or two; thresholds are fitted with the same factor. */
export const DEFAULT_STREAM_ALPHA = 0.5;
/** Margin over the highest validation errors: normal operation a little outside them is still normal. */
export const DEFAULT_THRESHOLD_FACTOR = 1.5;

export interface TrainedDetector {
  artifact: string;
  metrics: {
    trainWindows: number;
    validationWindows: number;
    droppedRows: number;
    epochs: number;
    bestEpoch: number;
    loss: number;
    valLoss: number;
    thresholds: Record<string, number>;
    trainMs: number;
  };
  preset: PresetName;
  engine: string;
}

function windowsOf(rows: number[][], W: number, into: { x: number[][][]; y: number[][] }, okRow: boolean[]): void {
  for (let t = W; t < rows.length; t++) {
    let ok = true;
    for (let i = t - W; i <= t; i++) if (!okRow[i]) ok = false;
    if (!ok) continue;
    into.x.push(rows.slice(t - W, t));
    into.y.push(rows[t]!);
  }
}

function subsample<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const step = items.length / max;
  return Array.from({ length: max }, (_, i) => items[Math.floor(i * step)]!);
}

/**
 * @param series one time-ordered list of rows per machine of this type; a row has one value per
 *   sensor in `options.sensors` order (null = missing).
 */
export async function trainDetector(series: readonly (readonly (number | null)[])[][], options: TrainDetectorOptions): Promise<TrainedDetector> {
  const started = performance.now();
  const W = options.windowSize ?? DEFAULT_STREAM_WINDOW;
  const F = options.sensors.length;
  const frac = options.trainFraction ?? 0.8;
  const alpha = options.alpha ?? DEFAULT_STREAM_ALPHA;
  const preset = options.preset ?? 'small';
  const ranges = options.sensors.map((s) => ({ min: SENSOR_SPECS[s].min, max: SENSOR_SPECS[s].max }));
  // Clean each machine's rows (incomplete and physically impossible ones); dropped rows break
  // windows rather than being glued over. No median/MAD outlier cut: busy/idle cycles make the
  // sensors bimodal and such a cut drops a whole operating mode. Callers pass normal history
  // (labelled faults left out).
  const machines = series.map((rows) => {
    const c = cleanTrainingRows(rows, { ranges, madK: 0 });
    const ok = new Array<boolean>(rows.length).fill(false);
    c.keptIndex.forEach((i) => (ok[i] = true));
    const filled = rows.map((r, i) => (ok[i] ? (r as number[]) : null));
    return { rows: filled, ok, dropped: c.dropped.length, split: Math.floor(rows.length * frac) };
  });
  const trainRowsForScaler = machines.flatMap((m) => m.rows.slice(0, m.split).filter((r): r is number[] => r !== null));
  if (trainRowsForScaler.length === 0) throw new ValidationError('PW_ERR_VALIDATION_EMPTY', `no clean training rows for ${options.machineType}`);
  const scaler = new MinMaxScaler().fit(trainRowsForScaler);
  const train = { x: [] as number[][][], y: [] as number[][] };
  const val = { x: [] as number[][][], y: [] as number[][] };
  const valPerMachine: { x: number[][][]; y: number[][] }[] = [];
  for (const m of machines) {
    const scaled = m.rows.map((r) => (r ? scaler.transformOne(r) : new Array<number>(F).fill(0)));
    windowsOf(scaled.slice(0, m.split), W, train, m.ok.slice(0, m.split));
    const v = { x: [] as number[][][], y: [] as number[][] };
    windowsOf(scaled.slice(m.split), W, v, m.ok.slice(m.split));
    valPerMachine.push(v);
    val.x.push(...v.x);
    val.y.push(...v.y);
  }
  if (train.x.length < 10 || val.x.length < 10) {
    throw new ValidationError('PW_ERR_VALIDATION_EMPTY', `${options.machineType}: ${train.x.length} training and ${val.x.length} validation windows of ${W} rows; need at least 10 each (more history?)`);
  }
  const maxWindows = options.maxWindows ?? 20_000;
  const tr = { x: subsample(train.x, maxWindows), y: subsample(train.y, maxWindows) };
  const vs = { x: subsample(val.x, Math.ceil(maxWindows / 4)), y: subsample(val.y, Math.ceil(maxWindows / 4)) };
  const f = createForecaster({ preset, inputSize: F, windowSize: W, seed: options.seed, engine: options.engine, threads: options.threads ?? 1 });
  try {
    const history = await f.fit(
      { x: windowsToFloat32(tr.x), y: Float32Array.from(tr.y.flat()) },
      {
        validation: { x: windowsToFloat32(vs.x), y: Float32Array.from(vs.y.flat()) },
        ...(options.epochs ? { epochs: options.epochs } : {}),
        ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    // Validation errors only: residual std per sensor, then smoothed normalised errors per machine.
    const perMachine = valPerMachine.filter((v) => v.x.length > 0).map((v) => {
      const p = f.predict(windowsToFloat32(v.x));
      return v.y.map((row, i) => row.map((a, c) => a - p[i * F + c]!));
    });
    const all = perMachine.flat();
    const sensorScale = columnStd(all).map((sd) => Math.max(1e-3, sd));
    // Both rates restart at each machine's validation run, as live after a break.
    const slowAlpha = options.slowAlpha === undefined ? DEFAULT_SLOW_ALPHA : options.slowAlpha;
    const rates = fitDualRateThresholds(
      perMachine.map((res) => res.map((r) => r.map((v, c) => v / sensorScale[c]!))),
      F,
      {
        alpha,
        slowAlpha,
        quantile: options.thresholdQuantile ?? 0.9999,
        factor: options.thresholdFactor ?? DEFAULT_THRESHOLD_FACTOR,
        minThreshold: options.minThreshold ?? 3,
        slowMinThreshold: options.slowMinThreshold ?? DEFAULT_SLOW_MIN_THRESHOLD,
      },
    );
    const thresholds = rates.fast;
    const saved = f.toSavedModel({ scaler: scaler.toJSON(), metrics: { valLoss: history.bestLoss } });
    const artifact: DetectorArtifact = {
      format: DETECTOR_ARTIFACT_FORMAT,
      machineType: options.machineType,
      sensors: [...options.sensors],
      windowSize: W,
      scaler: scaler.toJSON(),
      sensorScale,
      thresholds,
      alpha,
      ...(rates.slow ? { slowAlpha, slowThresholds: rates.slow, slowStart: rates.slowStart! } : {}),
      model: encodeSavedModel(saved),
    };
    const last = history.epochs[history.epochs.length - 1];
    return {
      artifact: encodeArtifact(artifact),
      preset,
      engine: f.engine.name,
      metrics: {
        trainWindows: tr.x.length,
        validationWindows: vs.x.length,
        droppedRows: machines.reduce((s, m) => s + m.dropped, 0),
        epochs: history.epochs.length,
        bestEpoch: history.bestEpoch,
        loss: last?.loss ?? Number.NaN,
        valLoss: history.bestLoss,
        thresholds: Object.fromEntries(options.sensors.map((s, c) => [s, thresholds[c]!])),
        trainMs: Math.round(performance.now() - started),
      },
    };
  } finally {
    f.dispose();
  }
}

export interface StaticBaselineOptions {
  machineType: MachineType;
  sensors: readonly SensorKind[];
  alpha?: number;
  /** Threshold = factor x quantile of the training rows' smoothed deviations; defaults as trainDetector. */
  thresholdQuantile?: number;
  thresholdFactor?: number;
  minThreshold?: number;
}

/**
 * The no-model fallback (honestly named): per sensor, the training mean is the "prediction" and
 * the threshold sits above the smoothed deviations seen in training. It sees level shifts
 * (overheating, pressure loss), not changes in dynamics; the LSTM does both.
 */
export function fitStaticBaseline(series: readonly (readonly (number | null)[])[][], options: StaticBaselineOptions): string {
  const F = options.sensors.length;
  const ranges = options.sensors.map((s) => ({ min: SENSOR_SPECS[s].min, max: SENSOR_SPECS[s].max }));
  const cleaned = series.map((r) => cleanTrainingRows(r, { ranges, madK: 0 }).rows);
  const rows = cleaned.flat();
  if (rows.length < 10) throw new ValidationError('PW_ERR_VALIDATION_EMPTY', `${options.machineType}: ${rows.length} clean rows; the static baseline needs at least 10`);
  const scaler = new MinMaxScaler().fit(rows);
  const scaled = scaler.transform(rows);
  const mean = Array.from({ length: F }, (_, c) => scaled.reduce((s, r) => s + r[c]!, 0) / scaled.length);
  const sd = Array.from({ length: F }, (_, c) => Math.max(1e-3, Math.sqrt(scaled.reduce((s, r) => s + (r[c]! - mean[c]!) ** 2, 0) / scaled.length)));
  const alpha = options.alpha ?? DEFAULT_STREAM_ALPHA;
  const smoothed: number[][] = options.sensors.map(() => []);
  for (const machineRows of cleaned) {
    const e = new Array<number>(F).fill(0);
    scaler.transform(machineRows).forEach((r, i) => {
      for (let c = 0; c < F; c++) {
        const d = Math.abs(r[c]! - mean[c]!) / sd[c]!;
        e[c] = i === 0 ? d : alpha * d + (1 - alpha) * e[c]!;
        smoothed[c]!.push(e[c]!);
      }
    });
  }
  const factor = options.thresholdFactor ?? DEFAULT_THRESHOLD_FACTOR;
  const thresholds = smoothed.map((col) => Math.max(options.minThreshold ?? 3, factor * quantile(col, options.thresholdQuantile ?? 0.9999)));
  const artifact: DetectorArtifact = {
    format: DETECTOR_ARTIFACT_FORMAT,
    machineType: options.machineType,
    sensors: [...options.sensors],
    windowSize: 1,
    scaler: scaler.toJSON(),
    sensorScale: sd,
    thresholds,
    alpha,
    model: null,
    baseline: mean,
  };
  return encodeArtifact(artifact);
}
