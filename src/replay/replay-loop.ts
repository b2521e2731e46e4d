/**
 * The live loop in fast mode (issue 5: alarm rate, what-if): simulated machines step in simulated
 * time, every tick's readings go through the streaming detector (one batch per tick) and the
 * responder (default rules, a manual clock); commands act on the machine models directly, or not
 * at all (`actions: false`: the same decisions in dry-run, nothing applied).
 *
 * The plant around the machines works the same way in both runs: a process fault that drives a
 * machine past its damage limits trips it (protective shutdown); a machine that is down, tripped or
 * stopped by a command, is inspected and repaired and resumed after `repairMs`, and not before
 * the process faults active when it went down are over (the fault's end stands for the fix).
 */
import {
  isDataFault,
  ValidationError,
  type ActionRecord,
  type Alert,
  type FaultLabel,
  type MachineStatus,
  type MachineType,
  type Plant,
} from '../domain/index.js';
import { StreamingDetector, type ScoringModel } from '../detect/index.js';
import type { Logger } from '../logging/index.js';
import { createResponder, type Clock, type CommandDispatcher, type DispatchResult } from '../respond/index.js';
import { machineModelFor, MACHINE_PROFILES, isScheduled, resolveHistoryOptions, SENSOR_COUNT, toTelemetry, type HistoryOptions, type MachineModel } from '../simulate/index.js';

/** The simulated month: plant, start, length and seed as for a history (simulate's HistoryOptions). */
export interface ReplayOptions extends Pick<HistoryOptions, 'plant' | 'startMs' | 'days' | 'seed'> {
  /** Machine reporting interval. Default 60 000 (one reading a minute keeps a month tractable). */
  tickMs?: number;
  /** Random faults per machine per day. Default 0 (normal operation). */
  faultsPerDay?: number;
  /** One scoring model per machine type (trained beforehand). */
  models: Partial<Record<MachineType, ScoringModel>>;
  /** Apply automatic commands to the machines (true) or decide in dry-run (false). Default true. */
  actions?: boolean;
  /** Off-delay of alert clearing, reading time (config respond.clearDelayMs). Default 10 minutes. */
  clearDelayMs?: number;
  /** kg CO2 per kWh of electricity. Default {@link DEFAULT_CO2_KG_PER_KWH}. */
  co2KgPerKwh?: number;
  /** Inspection and repair of a machine that went down (stop command or trip) before it resumes. Default {@link DEFAULT_REPAIR_MS}. */
  repairMs?: number;
  logger: Logger;
  onProgress?: (doneMs: number, totalMs: number) => void;
}

export interface Activation {
  alertId: string;
  machineId: string;
  areaId: string;
  type: string;
  tsMs: number;
  reason: 'raise' | 'reactivate';
}

/**
 * Time from a machine going down (stop command or trip) to its restart: an inspection and repair
 * shift by the maintenance team (2 h), the same in both runs of a what-if. `--repair-hours` changes it.
 */
export const DEFAULT_REPAIR_MS = 2 * 3_600_000;

/** EU grid average order of magnitude; configurable (SPEC 9). */
export const DEFAULT_CO2_KG_PER_KWH = 0.4;

export interface ReplayResult {
  days: number;
  machines: number;
  readings: number;
  alerts: Alert[];
  /** Every raise and every reactivation (a cleared alert coming back): what an operator sees sound. */
  activations: Activation[];
  actions: ActionRecord[];
  labels: FaultLabel[];
  /** Scheduled machine-hours the machines were not producing (stopped by a command or tripped by a fault, until repaired). */
  downtimeHours: number;
  /** Machines stopped by an automatic (or approved) stop command. */
  stops: number;
  /** Machines tripped by a fault past the damage limits (a failure with the machine down). */
  trips: number;
  /** Machines resumed after inspection and repair. */
  repairs: number;
  energyKwh: number;
  co2Kg: number;
  /** Mean gas reading (ppm CO2-equivalent) over running ticks: the measured emissions. */
  meanGasPpm: number;
  /** Process-fault episodes whose temperature, vibration or coolant went outside safe limits (damage risk). */
  failures: number;
  elapsedMs: number;
}

/** Temperature above which a machine is at risk of damage (C), and vibration (m/s2 RMS). */
export const FAILURE_TEMPERATURE_C = 75;
export const FAILURE_VIBRATION = 8;

export async function replayLoop(o: ReplayOptions): Promise<ReplayResult> {
  const started = performance.now();
  const tickMs = o.tickMs ?? 60_000;
  const resolved = resolveHistoryOptions({ plant: o.plant, startMs: o.startMs, days: o.days, seed: o.seed, tickMs, faultsPerDay: o.faultsPerDay ?? 0 });
  const models = new Map<string, MachineModel>(o.plant.machines.map((m) => [m.id, machineModelFor(m, resolved)]));
  let nowMs = o.startMs;
  const clock: Clock = { nowMs: () => nowMs };
  const repairMs = o.repairMs ?? DEFAULT_REPAIR_MS;
  if (!(repairMs >= 0 && Number.isFinite(repairMs))) throw new ValidationError('PW_ERR_VALIDATION_OPTION', `repairMs must be a finite number >= 0, got ${repairMs}`);
  /** Machines down (stopped or tripped) and when their repair is done. */
  const down = new Map<string, number>();
  let stops = 0;
  let trips = 0;
  let repairs = 0;
  // The responder is built below; status messages go to it as a live machine would publish them.
  const statusTo: { responder?: { onMachineStatus(s: MachineStatus): void } } = {};
  const goDown = (machineId: string, model: MachineModel): void => {
    if (down.has(machineId)) return;
    const faultEnd = Math.max(0, ...model.activeFaults().filter((f) => !isDataFault(f.type)).map((f) => f.endMs));
    down.set(machineId, Math.max(nowMs + repairMs, faultEnd));
    statusTo.responder?.onMachineStatus({ machineId, state: 'stopped', tsMs: nowMs });
  };
  const ack = (): DispatchResult => ({ status: 'acked', attempts: 1, firstSentAtMs: nowMs, lastSentAtMs: nowMs, ackAtMs: nowMs, ack: null, detail: null });
  const dispatcher: CommandDispatcher = {
    async dispatch(command) {
      const model = models.get(command.machineId);
      const outcome = model?.applyCommand(command);
      if (model && outcome?.ok && command.type === 'stop' && !down.has(command.machineId)) {
        stops++;
        goDown(command.machineId, model);
      }
      return outcome?.ok === false ? { ...ack(), status: 'rejected', detail: outcome.reason } : ack();
    },
    async close() {},
  };
  const responder = createResponder({ logger: o.logger, clock, dispatcher, plant: o.plant, options: { dryRun: o.actions === false, tickMs: null, alerts: { clearAfterTicks: null, clearAfterMs: o.clearDelayMs ?? 10 * 60_000 } } });
  statusTo.responder = responder;
  await responder.start();
  const detector = new StreamingDetector({ plant: o.plant, fixedModels: o.models, maxBatchDelayMs: 1_000_000, tickMs, staleAfterMs: Number.MAX_SAFE_INTEGER, now: clock.nowMs });
  const alerts: Alert[] = [];
  const actions: ActionRecord[] = [];
  const activations: Activation[] = [];
  responder.on('alert', (a, t) => {
    if (t.reason === 'raise') alerts.push(a);
    if (t.reason === 'raise' || t.reason === 'reactivate') activations.push({ alertId: a.id, machineId: a.machineId, areaId: a.areaId, type: a.type, tsMs: t.tsMs, reason: t.reason });
  });
  responder.on('action', (r) => !r.effect && actions.push(r));
  const pending: Promise<unknown>[] = [];
  detector.on('anomaly', (e) => pending.push(responder.onAnomaly(e).catch(() => undefined)));
  detector.on('normal', (e) => pending.push(responder.onNormal(e).catch(() => undefined)));
  const out = new Float64Array(SENSOR_COUNT);
  const info = { emit: true, skewMs: 0 };
  const endMs = o.startMs + o.days * 86_400_000;
  let readings = 0;
  let downtimeTicks = 0;
  let energyWh = 0;
  let gasSum = 0;
  let gasN = 0;
  const hot = new Set<string>();
  const labels: FaultLabel[] = [];
  let lastTickMs = o.startMs;
  for (let t = o.startMs; t < endMs; t += tickMs) {
    nowMs = t;
    for (const m of o.plant.machines) {
      const model = models.get(m.id)!;
      const due = down.get(m.id);
      if (due !== undefined && t >= due) {
        down.delete(m.id);
        if (model.controls().stopped) model.applyCommand({ type: 'resume' });
        repairs++;
        responder.onMachineStatus({ machineId: m.id, state: 'running', tsMs: t });
      }
      model.step(t, out, info);
      for (const l of model.drainStartedLabels()) labels.push(l);
      const scheduled = isScheduled(MACHINE_PROFILES[m.type].calendar, t);
      const faults = model.activeFaults().filter((f) => !isDataFault(f.type));
      const state = model.state();
      if (scheduled && (state === 'stopped' || state === 'offline' || model.controls().stopped)) downtimeTicks++;
      const current = out[4]!;
      const volts = out[7]!;
      if (current === current && volts === volts) energyWh += (current * volts * tickMs) / 3_600_000;
      if (state === 'running' && out[5] === out[5]) {
        gasSum += out[5]!;
        gasN++;
      }
      for (const f of faults) {
        if (hot.has(f.id)) continue;
        if (out[0]! > FAILURE_TEMPERATURE_C || out[2]! > FAILURE_VIBRATION || (f.type === 'low_cooling_pressure' && out[0]! > FAILURE_TEMPERATURE_C - 10)) {
          hot.add(f.id);
          // Past the damage limits the machine's protection trips it; it waits for repair like a stopped one.
          if (!down.has(m.id)) {
            trips++;
            model.applyCommand({ type: 'stop' });
            goDown(m.id, model);
          }
        }
      }
      if (!info.emit) continue;
      readings++;
      detector.ingest(toTelemetry(m.id, t + info.skewMs, readings, out), t);
    }
    detector.flush();
    if (pending.length > 0) await Promise.all(pending.splice(0));
    if (t - lastTickMs >= 60_000) {
      lastTickMs = t;
      await responder.tick();
    }
    if (o.onProgress && ((t - o.startMs) / tickMs) % 1440 === 0) o.onProgress(t - o.startMs, endMs - o.startMs);
  }
  await responder.idle();
  await responder.close();
  await detector.stop();
  const energyKwh = energyWh / 1000;
  return {
    days: o.days,
    machines: o.plant.machines.length,
    readings,
    alerts,
    activations,
    actions,
    labels,
    downtimeHours: (downtimeTicks * tickMs) / 3_600_000,
    stops,
    trips,
    repairs,
    energyKwh,
    co2Kg: energyKwh * (o.co2KgPerKwh ?? DEFAULT_CO2_KG_PER_KWH),
    meanGasPpm: gasN ? gasSum / gasN : 0,
    failures: hot.size,
    elapsedMs: performance.now() - started,
  };
}

export interface AlarmRate {
  areas: number;
  tenMinutePeriods: number;
  /** Alerts raised per 10 minutes per area, averaged (EEMUA 191: <= 1). */
  perTenMinutesPerArea: number;
  /** Worst 10-minute period of any area. */
  peakPerTenMinutes: number;
  /** Reactivations of cleared alerts (the same alert sounding again). */
  reactivations: number;
  /** Alerts that sounded (raised or reactivated) more than `chatterCount` times for the same machine and type within `chatterWindowMs`. */
  chattering: { machineId: string; type: string; count: number }[];
  byType: Record<string, number>;
}

/**
 * EEMUA 191 figures of a run. The rate counts new alerts; chattering counts every time an alert
 * sounds (raise or reactivation): the same machine and type more than 3 times in 60 minutes.
 */
export function alarmRate(alerts: readonly Alert[], activations: readonly Activation[], plant: Plant, fromMs: number, toMs: number, chatterCount = 3, chatterWindowMs = 3_600_000): AlarmRate {
  const periods = Math.max(1, Math.ceil((toMs - fromMs) / 600_000));
  const byAreaPeriod = new Map<string, number>();
  const byType: Record<string, number> = {};
  for (const a of alerts) {
    const k = `${a.areaId}:${Math.floor((a.raisedAtMs - fromMs) / 600_000)}`;
    byAreaPeriod.set(k, (byAreaPeriod.get(k) ?? 0) + 1);
    byType[a.type] = (byType[a.type] ?? 0) + 1;
  }
  const groups = new Map<string, number[]>();
  for (const a of activations) {
    const k = `${a.machineId}|${a.type}`;
    groups.set(k, [...(groups.get(k) ?? []), a.tsMs]);
  }
  const chattering: AlarmRate['chattering'] = [];
  for (const [k, times] of groups) {
    times.sort((x, y) => x - y);
    let worst = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! > chatterWindowMs) j++;
      worst = Math.max(worst, i - j + 1);
    }
    if (worst > chatterCount) {
      const [machineId, type] = k.split('|') as [string, string];
      chattering.push({ machineId, type, count: worst });
    }
  }
  const areas = plant.areas.length;
  return {
    areas,
    tenMinutePeriods: periods,
    perTenMinutesPerArea: alerts.length / (areas * periods),
    reactivations: activations.filter((a) => a.reason === 'reactivate').length,
    peakPerTenMinutes: Math.max(0, ...byAreaPeriod.values()),
    chattering,
    byType,
  };
}
