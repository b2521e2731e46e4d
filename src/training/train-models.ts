/**
 * Training of the streaming detector's models into the registry (issue 5): from stored readings
 * (`plantwatch train`) or from a short simulated history when a machine type has no active model
 * at start (main.ts). The math is detect's trainDetector; this wires history, store and registry.
 */
import { ValidationError, MACHINE_TYPES, type Machine, type MachineType, type Plant, type Telemetry } from '../domain/index.js';
import { loadScoringModel, sensorsByType, telemetryToRows, trainDetector, type ScoringModel, type TrainedDetector } from '../detect/index.js';
import type { Logger } from '../logging/index.js';
import type { EpochRecord, PresetName } from '../model/index.js';
import { generateHistory } from '../simulate/index.js';
import type { RegisteredModel, Store } from '../store/index.js';

export interface TrainTypeOptions {
  machineType: MachineType;
  preset: PresetName;
  windowSize: number;
  epochs?: number;
  seed?: number;
  /** Data range recorded in the registry. */
  dataFromMs: number | null;
  dataToMs: number | null;
  onEpoch?: (e: EpochRecord, etaMs: number) => void;
  signal?: AbortSignal;
  /** Activate after saving. Default true. */
  activate?: boolean;
}

/** Trains on per-machine readings, saves into the registry and activates the model. */
export async function trainAndRegister(store: Store, machines: readonly Machine[], readings: ReadonlyMap<string, readonly Telemetry[]>, o: TrainTypeOptions): Promise<{ model: RegisteredModel; trained: TrainedDetector }> {
  const ofType = machines.filter((m) => m.type === o.machineType);
  const sensors = sensorsByType(ofType).get(o.machineType);
  if (!sensors) throw new ValidationError('PW_ERR_VALIDATION_MACHINE_TYPE', `no machines of type "${o.machineType}" in the plant`);
  const series = ofType.map((m) => telemetryToRows(readings.get(m.id) ?? [], sensors)).filter((s) => s.length > 0);
  const started = Date.now();
  const trained = await trainDetector(series, {
    machineType: o.machineType,
    sensors,
    preset: o.preset,
    windowSize: o.windowSize,
    ...(o.epochs ? { epochs: o.epochs } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    onEpoch: (e) => {
      const total = o.epochs ?? 0;
      const perEpoch = (Date.now() - started) / e.epoch;
      o.onEpoch?.(e, total > 0 ? Math.max(0, (total - e.epoch) * perEpoch) : Number.NaN);
    },
  });
  const registry = store.modelRegistry();
  const saved = await registry.saveModel({
    machineType: o.machineType,
    preset: trained.preset,
    engine: trained.engine,
    dataFromMs: o.dataFromMs,
    dataToMs: o.dataToMs,
    metrics: trained.metrics,
    artifact: trained.artifact,
    path: null,
    createdAtMs: Date.now(),
  });
  const model = o.activate === false ? saved : await registry.activateModel(saved.id);
  return { model, trained };
}

/** Normal readings of a simulated history (no faults), per machine. */
export async function simulatedNormalHistory(plant: Plant, machines: readonly Machine[], startMs: number, hours: number, seed: number, tickMs: number): Promise<Map<string, Telemetry[]>> {
  const out = new Map<string, Telemetry[]>(machines.map((m) => [m.id, []]));
  await generateHistory(
    { plant, startMs, days: hours / 24, seed, tickMs, faultsPerDay: 0, machineIds: machines.map((m) => m.id) },
    { writeTelemetry: (b) => b.forEach((t) => out.get(t.machineId)?.push(t)), writeFaultLabels: () => undefined },
  );
  return out;
}

export interface StartupTrainingOptions {
  store: Store;
  plant: Plant;
  logger: Logger;
  hours: number;
  preset: PresetName;
  windowSize: number;
  tickMs: number;
  /** Machines per type whose history trains (a few is plenty for a start-up model). Default 3. */
  machinesPerType?: number;
  /** Called after each model is activated (the detector polls the registry at once). */
  onActivated?: (model: RegisteredModel) => void;
  signal?: AbortSignal;
}

/**
 * For each machine type without an active model: train one on a short simulated history so the
 * detector has a model within a minute or two of the first start. Progress is logged.
 */
export async function trainStartupModels(o: StartupTrainingOptions): Promise<RegisteredModel[]> {
  const log = o.logger.child({ component: 'startup-training' });
  const out: RegisteredModel[] = [];
  const registry = o.store.modelRegistry();
  for (const type of MACHINE_TYPES) {
    if (o.signal?.aborted) break;
    const machines = o.plant.machines.filter((m) => m.type === type).slice(0, o.machinesPerType ?? 3);
    if (machines.length === 0 || (await registry.activeModel(type))) continue;
    log.info({ machineType: type, hours: o.hours, machines: machines.length, preset: o.preset }, 'no active model: training a start-up model on simulated normal history');
    // A working morning before today (every machine type runs Tuesday to Friday from 06:00 UTC),
    // so the history covers operation, not a weekend or a night shift's idle hours.
    const startMs = weekdayMorningBefore(Date.now());
    const history = await simulatedNormalHistory(o.plant, machines, startMs, o.hours, 7, o.tickMs);
    const { model, trained } = await trainAndRegister(o.store, o.plant.machines, history, {
      machineType: type,
      preset: o.preset,
      windowSize: o.windowSize,
      dataFromMs: null,
      dataToMs: null,
      ...(o.signal ? { signal: o.signal } : {}),
      onEpoch: (e) => log.info({ machineType: type, epoch: e.epoch, loss: e.loss, valLoss: e.valLoss, ms: Math.round(e.durationMs) }, 'training'),
    });
    log.info({ machineType: type, model: model.id, valLoss: trained.metrics.valLoss, trainMs: trained.metrics.trainMs }, 'start-up model active');
    o.onActivated?.(model);
    out.push(model);
  }
  return out;
}


/**
 * Scoring models for fast replays (alarm rate, what-if): per machine type, a model trained on
 * `hours` of simulated normal history of up to 3 machines, from a seed and week of its own (never
 * the replayed ones), the first hour (cold start) left out.
 */
export async function trainReplayModels(plant: Plant, o: { tickMs: number; hours?: number; seed?: number; preset?: PresetName; windowSize?: number }): Promise<Partial<Record<MachineType, ScoringModel>>> {
  const sensors = sensorsByType(plant.machines);
  const out: Partial<Record<MachineType, ScoringModel>> = {};
  for (const type of MACHINE_TYPES) {
    const ms = plant.machines.filter((m) => m.type === type).slice(0, 3);
    if (ms.length === 0) continue;
    const h = await simulatedNormalHistory(plant, ms, Date.UTC(2026, 0, 5), o.hours ?? 72, o.seed ?? 21, o.tickMs);
    const skip = Math.ceil(3_600_000 / o.tickMs);
    const t = await trainDetector(
      ms.map((m) => telemetryToRows(h.get(m.id)!.slice(skip), sensors.get(type)!)),
      { machineType: type, sensors: sensors.get(type)!, preset: o.preset ?? 'tiny', windowSize: o.windowSize ?? 10, seed: 1 },
    );
    out[type] = loadScoringModel(`${type}-replay`, '1', t.artifact);
  }
  return out;
}

/** 06:30 UTC of a Tuesday-Friday at least one day back. */
export function weekdayMorningBefore(nowMs: number): number {
  const DAY = 86_400_000;
  let day = Math.floor(nowMs / DAY) - 1;
  while (![2, 3, 4, 5].includes(new Date(day * DAY).getUTCDay())) day--;
  return day * DAY + 6.5 * 3_600_000;
}
