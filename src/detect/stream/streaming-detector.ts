/**
 * The streaming detector (SPEC 6, issue 5 item 1): per-machine windows fed by ingestion, one
 * batched forecast per machine type per flush with the active model, per-sensor smoothed errors
 * against per-sensor thresholds, ScoredTick per machine, AnomalyEvent / NormalEvent for the
 * responder. Gaps, disconnected sensors (null), impossible values and silent machines become
 * data-quality events, never process anomalies (SPEC 4). A model activated in the registry takes
 * over at the next poll without a restart.
 */
import { EventEmitter } from 'node:events';
import {
  SENSOR_SPECS,
  type AnomalyEvent,
  type AnomalyType,
  type Machine,
  type MachineType,
  type NormalEvent,
  type Plant,
  type RecentReading,
  type ScoredSensor,
  type ScoredTick,
  type SensorEvidence,
  type SensorKind,
  type Telemetry,
} from '../../domain/index.js';
import type { EngineChoice } from '../../model/index.js';
import { attribute } from '../attribution.js';
import { DualRateScorer } from '../dual-rate.js';
import { loadScoringModel, type ScoringModel } from './artifact.js';

/** Where the detector finds the active model of a machine type (the store's model registry fits). */
export interface ModelSource {
  activeModel(machineType: MachineType): Promise<{ id: string; version: number | string; artifact: string | null } | undefined>;
}

/** The few logger methods the detector uses (pino fits). */
export interface DetectorLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface StreamingDetectorOptions {
  plant: Plant;
  /** Active models; without one a machine type is not scored (data-quality checks still run). */
  models?: ModelSource;
  /** Models given directly (tests, benches, what-if), by machine type; win over `models`. */
  fixedModels?: Partial<Record<MachineType, ScoringModel>>;
  /** Interval of the registry poll for a newly activated model. Default {@link DEFAULT_MODEL_POLL_MS}; 0 = no polling. */
  modelPollMs?: number;
  /** Longest a reading waits to be batched with others. Default {@link DEFAULT_MAX_BATCH_DELAY_MS}; 0 = score synchronously in ingest(). */
  maxBatchDelayMs?: number;
  /** The machines' reporting interval, for gap and staleness checks. Default 5000 (paper 3.4). */
  tickMs?: number;
  /** A reading more than gapFactor x tickMs after the previous one is a gap. Default 3. */
  gapFactor?: number;
  /** No reading for this long is a connection failure. Default 4 x tickMs. */
  staleAfterMs?: number;
  /** Only these machines (a worker's partition); default all of the plant. */
  machineIds?: readonly string[];
  /** Recent readings carried on an anomaly event. Default 5. */
  recentCount?: number;
  engine?: EngineChoice;
  threads?: number;
  log?: DetectorLog;
  now?: () => number;
}

export const DEFAULT_MODEL_POLL_MS = 5_000;
export const DEFAULT_MAX_BATCH_DELAY_MS = 10;

export interface StreamingDetectorEvents {
  scored: [tick: ScoredTick];
  anomaly: [event: AnomalyEvent];
  normal: [event: NormalEvent];
  /** A model took over for a machine type. */
  model: [info: { machineType: MachineType; id: string; version: string }];
}

export interface DetectorCounters {
  readings: number;
  scored: number;
  anomalies: number;
  dataQualityEvents: number;
  /** Readings that waited for a window to fill or for a model. */
  unscored: number;
  batches: number;
  /** Largest batch so far. */
  maxBatch: number;
  /** Readings waiting for the next flush. */
  queued: number;
  /** Total time spent in model inference, ms. */
  inferenceMs: number;
  failures: number;
  /** Readings ignored while suspended. */
  ignored: number;
}

interface MachineState {
  machine: Machine;
  /** Ring of the last windowSize + 1 rows, raw units, in model column order (last good values). */
  rows: Float64Array;
  filled: number;
  head: number;
  width: number;
  /** Per-sensor EWMAs at the model's two rates (detect/dual-rate.ts). */
  scorer: DualRateScorer;
  /** False after a break: the next scored tick restarts the EWMAs. */
  warm: boolean;
  lastTsMs: number | null;
  lastSeenMs: number;
  stale: boolean;
  recent: RecentReading[];
  /** The model the ring is laid out for. */
  model: ScoringModel | null;
}

interface Pending {
  state: MachineState;
  telemetry: Telemetry;
  ingestedAtMs: number;
}

/**
 * @example
 * const d = new StreamingDetector({ plant, models: store.modelRegistry(), tickMs: 5000 });
 * await d.start();
 * ingestion.onTelemetry((t) => d.ingest(t));
 * d.on('anomaly', (e) => responder.onAnomaly(e));
 * d.on('normal', (e) => responder.onNormal(e));
 */
export class StreamingDetector extends EventEmitter<StreamingDetectorEvents> {
  readonly counters: DetectorCounters = { readings: 0, scored: 0, anomalies: 0, dataQualityEvents: 0, unscored: 0, batches: 0, maxBatch: 0, queued: 0, inferenceMs: 0, failures: 0, ignored: 0 };
  private readonly options: StreamingDetectorOptions;
  private readonly machines = new Map<string, MachineState>();
  private readonly models = new Map<MachineType, ScoringModel>();
  private readonly pending: Pending[] = [];
  private readonly now: () => number;
  private readonly tickMs: number;
  private flushTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private staleTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private pollAgain = false;
  private stopped = false;
  private suspended = false;
  private resumeFromTsMs = Number.NEGATIVE_INFINITY;

  constructor(options: StreamingDetectorOptions) {
    super();
    this.options = options;
    this.now = options.now ?? Date.now;
    this.tickMs = options.tickMs ?? 5_000;
    const only = options.machineIds ? new Set(options.machineIds) : undefined;
    for (const m of options.plant.machines) {
      if (only && !only.has(m.id)) continue;
      this.machines.set(m.id, this.newState(m));
    }
    for (const [type, model] of Object.entries(options.fixedModels ?? {})) if (model) this.models.set(type as MachineType, model);
  }

  private newState(machine: Machine): MachineState {
    return { machine, rows: new Float64Array(0), filled: 0, head: 0, width: 0, scorer: new DualRateScorer(0, 1, null), warm: false, lastTsMs: null, lastSeenMs: this.now(), stale: false, recent: [], model: null };
  }

  /** Loads active models, starts polling the registry and watching for silent machines. */
  async start(): Promise<void> {
    await this.pollModels();
    const poll = this.options.modelPollMs ?? DEFAULT_MODEL_POLL_MS;
    if (this.options.models && poll > 0) {
      this.pollTimer = setInterval(() => void this.pollModels(), poll);
      this.pollTimer.unref();
    }
    const staleMs = this.options.staleAfterMs ?? 4 * this.tickMs;
    this.staleTimer = setInterval(() => this.checkStale(), Math.max(50, Math.min(staleMs / 2, this.tickMs)));
    this.staleTimer.unref();
  }

  /** Machine types that have a model now. */
  activeModels(): { machineType: MachineType; id: string; version: string }[] {
    return [...this.models.values()].map((m) => ({ machineType: m.machineType, id: m.id, version: m.version }));
  }

  /** Replaces the model of a machine type at once (windows are kept when the sensors match). */
  setModel(model: ScoringModel): void {
    const old = this.models.get(model.machineType);
    this.models.set(model.machineType, model);
    if (old && old !== model && !Object.values(this.options.fixedModels ?? {}).includes(old)) old.dispose();
    this.emit('model', { machineType: model.machineType, id: model.id, version: model.version });
  }

  /** Checks the registry for newly activated models. Failures are logged and retried at the next poll. */
  async pollModels(): Promise<void> {
    const source = this.options.models;
    if (!source || this.stopped) return;
    if (this.polling) {
      // A model activated during a poll is picked up by one more poll right after it.
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    try {
      const types = new Set([...this.machines.values()].map((s) => s.machine.type));
      for (const type of types) {
        if (this.options.fixedModels?.[type]) continue;
        try {
          const active = await source.activeModel(type);
          const current = this.models.get(type);
          if (!active || active.artifact === null || current?.id === active.id) continue;
          const model = loadScoringModel(active.id, String(active.version), active.artifact, { engine: this.options.engine, threads: this.options.threads ?? 1 });
          this.setModel(model);
          this.options.log?.info({ machineType: type, model: active.id }, 'detector model active');
        } catch (err) {
          this.counters.failures++;
          this.options.log?.error({ err, machineType: type }, 'could not load the active model; keeping the current one');
        }
      }
    } finally {
      this.polling = false;
    }
    if (this.pollAgain) {
      this.pollAgain = false;
      await this.pollModels();
    }
  }

  /**
   * Ignores readings until {@link resume} (e.g. while a fleet's cold start is fast-forwarded in a
   * bench); ignored readings are counted in `counters.ignored`.
   */
  suspend(): void {
    this.suspended = true;
  }

  /**
   * Takes readings again; every machine's window and gap check start afresh. Readings stamped
   * before `fromTsMs` (a backlog from the suspended time) are still ignored.
   */
  resume(fromTsMs = Number.NEGATIVE_INFINITY): void {
    this.suspended = false;
    this.resumeFromTsMs = fromTsMs;
    for (const s of this.machines.values()) {
      s.lastTsMs = null;
      s.filled = 0;
      s.warm = false;
      s.stale = false;
      s.lastSeenMs = this.now();
    }
  }

  /** Takes one committed reading (ingestion's onTelemetry). Never throws. */
  ingest(telemetry: Telemetry, ingestedAtMs = this.now()): void {
    const state = this.machines.get(telemetry.machineId);
    if (!state || this.stopped) return;
    if (this.suspended || telemetry.tsMs < this.resumeFromTsMs) {
      this.counters.ignored++;
      return;
    }
    this.counters.readings++;
    this.pending.push({ state, telemetry, ingestedAtMs });
    this.counters.queued = this.pending.length;
    const delay = this.options.maxBatchDelayMs ?? DEFAULT_MAX_BATCH_DELAY_MS;
    if (delay <= 0) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), delay);
  }

  /** Scores everything queued: one predict call per machine type. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.pending.splice(0);
    this.counters.queued = 0;
    if (batch.length === 0) return;
    try {
      this.scoreBatch(batch);
    } catch (err) {
      this.counters.failures++;
      this.options.log?.error({ err, readings: batch.length }, 'scoring a batch failed; the detector goes on');
    }
  }

  private scoreBatch(batch: Pending[]): void {
    this.counters.batches++;
    this.counters.maxBatch = Math.max(this.counters.maxBatch, batch.length);
    const byType = new Map<MachineType, { p: Pending; row: number[] }[]>();
    for (const p of batch) {
      const row = this.accept(p);
      if (!row) continue;
      const list = byType.get(p.state.machine.type) ?? [];
      list.push({ p, row });
      byType.set(p.state.machine.type, list);
    }
    for (const [type, items] of byType) {
      const model = this.models.get(type);
      if (!model) {
        this.counters.unscored += items.length;
        continue;
      }
      this.scoreType(model, items);
    }
  }

  /**
   * Data-quality checks and the ring update. Returns the reading as a model row when it can be
   * scored; null for readings that raised a data-quality event or wait for a model or a window.
   */
  private accept(p: Pending): number[] | null {
    const { state, telemetry } = p;
    const m = state.machine;
    const model = this.models.get(m.type) ?? null;
    const sensors = model?.sensors ?? m.sensors;
    const nowMs = this.now();
    state.lastSeenMs = nowMs;
    if (state.stale) {
      state.stale = false;
      this.emit('normal', { machineId: m.id, type: 'connection_failure', score: 0, threshold: 1, tsMs: telemetry.tsMs });
    }
    const values = telemetry.values;
    state.recent.push({ tsMs: telemetry.tsMs, values: { ...values } });
    if (state.recent.length > (this.options.recentCount ?? 5)) state.recent.shift();
    // Out-of-order or duplicate timestamps are not scored (the store already refused duplicates).
    if (state.lastTsMs !== null && telemetry.tsMs <= state.lastTsMs) return null;
    const gap = state.lastTsMs !== null && telemetry.tsMs - state.lastTsMs > (this.options.gapFactor ?? 3) * this.tickMs;
    const previousTs = state.lastTsMs;
    state.lastTsMs = telemetry.tsMs;
    const missing: SensorKind[] = [];
    const impossible: SensorKind[] = [];
    const row = sensors.map((s) => {
      const v = values[s];
      if (v === null || v === undefined || !Number.isFinite(v)) {
        missing.push(s);
        return Number.NaN;
      }
      const spec = SENSOR_SPECS[s];
      if (v < spec.min || v > spec.max) impossible.push(s);
      return v;
    });
    if (gap) {
      // The window no longer describes the recent past: start it again.
      state.filled = 0;
      state.warm = false;
      this.dataQuality(p, 'gap', [], { gapMs: telemetry.tsMs - previousTs! });
    }
    if (missing.length > 0 || impossible.length > 0) {
      if (missing.length > 0) this.dataQuality(p, 'sensor_disconnected', missing, {});
      if (impossible.length > 0) this.dataQuality(p, 'impossible_value', impossible, {});
      return null;
    }
    if (!model) {
      this.counters.unscored++;
      return null;
    }
    this.push(state, model, row);
    if (state.filled <= model.windowSize) {
      this.counters.unscored++;
      return null;
    }
    return row;
  }

  private push(state: MachineState, model: ScoringModel, row: number[]): void {
    const W1 = model.windowSize + 1;
    const F = model.sensors.length;
    if (state.model !== model) {
      // A new model: keep the rows when the layout is the same, else start the window again.
      const same = state.model && state.width === F && state.rows.length === W1 * F && state.model.sensors.every((s, i) => s === model.sensors[i]);
      if (!same) {
        state.rows = new Float64Array(W1 * F);
        state.filled = 0;
        state.head = 0;
      }
      state.width = F;
      state.scorer = new DualRateScorer(F, model.alpha, model.slowAlpha, model.rates.slowStart);
      state.warm = false;
      state.model = model;
    }
    state.rows.set(row, state.head * F);
    state.head = (state.head + 1) % W1;
    state.filled = Math.min(W1 + 0, state.filled + 1);
  }

  private dataQuality(p: Pending, type: AnomalyType, sensors: SensorKind[], detail: Record<string, number>): void {
    this.counters.dataQualityEvents++;
    const m = p.state.machine;
    const event: AnomalyEvent = {
      machineId: m.id,
      areaId: m.areaId,
      machineType: m.type,
      type,
      score: 1,
      threshold: 1,
      tsMs: p.telemetry.tsMs,
      dataQuality: true,
      sensors: sensors.map((s) => ({ sensor: s, score: 1, actual: (p.telemetry.values[s] as number | null | undefined) ?? null, predicted: Number.NaN, threshold: 1, direction: 'below' })),
      criticality: m.criticality,
      recent: [...p.state.recent],
      ingestedAtMs: p.ingestedAtMs,
      scoredAtMs: this.now(),
    };
    void detail;
    this.emit('anomaly', event);
  }

  private scoreType(model: ScoringModel, items: { p: Pending; row: number[] }[]): void {
    const W = model.windowSize;
    const W1 = W + 1;
    const F = model.sensors.length;
    const x = new Float32Array(items.length * W * F);
    const scaledRow = new Array<number>(F);
    items.forEach(({ p }, i) => {
      const s = p.state;
      // Oldest W rows of the ring (the newest row is the one being predicted).
      for (let k = 0; k < W; k++) {
        const slot = (s.head + k) % W1;
        for (let c = 0; c < F; c++) scaledRow[c] = s.rows[slot * F + c]!;
        const scaled = model.scaler.transformOne(scaledRow);
        for (let c = 0; c < F; c++) x[(i * W + k) * F + c] = scaled[c]!;
      }
    });
    const t0 = performance.now();
    const pred = model.predict(x, items.length);
    this.counters.inferenceMs += performance.now() - t0;
    const scoredAtMs = this.now();
    items.forEach(({ p, row }, i) => {
      const s = p.state;
      const actualScaled = model.scaler.transformOne(row);
      const predScaled = Array.from(pred.subarray(i * F, (i + 1) * F));
      const predicted = model.scaler.inverseOne(predScaled);
      const sensors: Partial<Record<SensorKind, ScoredSensor>> = {};
      let ratio = 0;
      let worst = -1;
      const errors = new Array<number>(F);
      for (let c = 0; c < F; c++) errors[c] = (actualScaled[c]! - predScaled[c]!) / model.sensorScale[c]!;
      if (!s.warm) s.scorer.reset();
      s.scorer.update(errors);
      s.warm = true;
      // A sensor's score in fast-threshold units: its larger rate ratio x its (fast) threshold.
      const score = new Array<number>(F);
      for (let c = 0; c < F; c++) {
        const r = s.scorer.sensorRatio(c, model.rates);
        score[c] = r * model.thresholds[c]!;
        if (r > ratio) {
          ratio = r;
          worst = c;
        }
        sensors[model.sensors[c]!] = { actual: row[c]!, predicted: predicted[c]!, score: score[c]!, threshold: model.thresholds[c]! };
      }
      const m = s.machine;
      const anomalous = ratio >= 1;
      this.counters.scored++;
      const tick: ScoredTick = { machineId: m.id, tsMs: p.telemetry.tsMs, sensors, score: ratio, anomalous, ingestedAtMs: p.ingestedAtMs, scoredAtMs, modelVersion: model.id };
      this.emit('scored', tick);
      if (!anomalous) {
        this.emit('normal', { machineId: m.id, score: ratio, threshold: 1, tsMs: p.telemetry.tsMs });
        return;
      }
      this.counters.anomalies++;
      const over: number[] = [];
      for (let c = 0; c < F; c++) if (score[c]! >= model.thresholds[c]!) over.push(c);
      // Name the fault from the sensors over their thresholds, strongest (relative) first.
      over.sort((a, b) => score[b]! / model.thresholds[b]! - score[a]! / model.thresholds[a]!);
      const att = attribute(
        over.map((c) => model.sensors[c]!),
        over.map((c) => row[c]!),
        over.map((c) => predicted[c]!),
        { scale: over.map((c) => model.sensorScale[c]! * spanOf(model, c)) },
      );
      const evidence: SensorEvidence[] = over.map((c) => ({
        sensor: model.sensors[c]!,
        score: score[c]!,
        actual: row[c]!,
        predicted: predicted[c]!,
        threshold: model.thresholds[c]!,
        direction: row[c]! >= predicted[c]! ? 'above' : 'below',
      }));
      const top = worst;
      const event: AnomalyEvent = {
        machineId: m.id,
        areaId: m.areaId,
        machineType: m.type,
        type: att.type ?? fallbackType(model.sensors[top]!),
        score: score[top]!,
        threshold: model.thresholds[top]!,
        tsMs: p.telemetry.tsMs,
        dataQuality: false,
        sensors: evidence,
        criticality: m.criticality,
        recent: [...s.recent],
        ingestedAtMs: p.ingestedAtMs,
        scoredAtMs,
      };
      this.emit('anomaly', event);
    });
  }

  /** Machines silent for longer than staleAfterMs: one connection_failure event each. */
  checkStale(): void {
    const staleMs = this.options.staleAfterMs ?? 4 * this.tickMs;
    const nowMs = this.now();
    for (const s of this.machines.values()) {
      if (s.stale || s.lastTsMs === null || nowMs - s.lastSeenMs < staleMs) continue;
      s.stale = true;
      s.filled = 0;
      s.warm = false;
      this.counters.dataQualityEvents++;
      const m = s.machine;
      this.emit('anomaly', {
        machineId: m.id,
        areaId: m.areaId,
        machineType: m.type,
        type: 'connection_failure',
        score: 1,
        threshold: 1,
        tsMs: nowMs,
        dataQuality: true,
        sensors: [],
        criticality: m.criticality,
        recent: [...s.recent],
        scoredAtMs: nowMs,
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.staleTimer) clearInterval(this.staleTimer);
    this.pending.length = 0;
    const fixed = new Set(Object.values(this.options.fixedModels ?? {}));
    for (const m of this.models.values()) if (!fixed.has(m)) m.dispose();
    this.models.clear();
  }
}

/** The scaler's span of a column, to turn a scaled error scale into units. */
function spanOf(model: ScoringModel, c: number): number {
  const json = model.scaler.toJSON();
  const span = json.max[c]! - json.min[c]!;
  return span > 0 ? span : 1;
}

/** When no Table 8 rule names the deviation: the sensor's most likely fault. */
function fallbackType(sensor: SensorKind): AnomalyType {
  switch (sensor) {
    case 'temperature':
      return 'overheating';
    case 'humidity':
      return 'high_humidity';
    case 'gas':
      return 'high_emission';
    case 'coolant_pressure':
      return 'low_cooling_pressure';
    case 'supply_voltage':
      return 'power_interruption';
    case 'current':
      return 'high_energy';
    default:
      return 'abnormal_vibration';
  }
}
