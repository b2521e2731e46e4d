/**
 * The figures the plant cares about (SPEC 9, paper Tables 2, 5, 9), computed from stored data for a
 * period against a baseline period: environmental (CO2 from energy with a configurable factor,
 * measured emissions; water and waste are not measured by the plant's sensors and say so),
 * production and maintenance (failure rate, failure response time, running hours, incidents) and
 * system (collection ms, response ms, throughput). Energy and running hours come from the 1-hour
 * roll-ups (mean current x mean voltage per hour), so run the roll-up first (the service does).
 */
import { isDataFault, ValidationError } from '../domain/index.js';
import type { Store as StorePort } from '../store/index.js';

export interface FigurePeriod {
  fromMs: number;
  toMs: number;
}

export interface FiguresOptions {
  store: StorePort;
  period: FigurePeriod;
  baseline: FigurePeriod;
  /** kg CO2 per kWh. Default 0.4. */
  co2KgPerKwh?: number;
  /** A machine counts as running in an hour whose mean speed is above this fraction of its peak. Default 0.1. */
  runningSpeedFraction?: number;
}

export interface PeriodFigures {
  days: number;
  environmental: { energyKwh: number; co2FromEnergyKg: number; meanGasPpm: number | null; waterM3: null; wasteKg: null; note: string };
  production: { runningMachineHoursPerDay: number; failures: number; failuresPerMachineDay: number; meanFailureResponseMs: number | null; incidents: number; maintenanceCost: null };
  system: { readings: number; readingsPerSecond: number; collectionMsP50: number | null; responseMsP50: number | null };
}

export interface PlantFigures {
  period: PeriodFigures;
  baseline: PeriodFigures;
  /** (period - baseline) / baseline per figure, where both are numbers and the baseline is not 0. */
  change: Record<string, number | null>;
}

function median(v: number[]): number | null {
  if (v.length === 0) return null;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function periodFigures(o: FiguresOptions, p: FigurePeriod): Promise<PeriodFigures> {
  if (!(p.toMs > p.fromMs)) throw new ValidationError('PW_ERR_VALIDATION_PERIOD', `period must end after it starts, got ${p.fromMs}..${p.toMs}`);
  const { store } = o;
  const machines = await store.listMachines();
  const days = (p.toMs - p.fromMs) / 86_400_000;
  let energyWh = 0;
  let gasWeighted = 0;
  let gasCount = 0;
  let runningHours = 0;
  let readings = 0;
  for (const m of machines) {
    const q = { machineId: m.id, fromMs: p.fromMs, toMs: p.toMs, resolution: '1h' as const };
    const [current, volts, gas, speed] = await Promise.all([
      store.queryRollup({ ...q, sensor: 'current' }),
      store.queryRollup({ ...q, sensor: 'supply_voltage' }),
      m.sensors.includes('gas') ? store.queryRollup({ ...q, sensor: 'gas' }) : Promise.resolve([]),
      m.sensors.includes('speed') ? store.queryRollup({ ...q, sensor: 'speed' }) : Promise.resolve([]),
    ]);
    const v = new Map(volts.map((r) => [r.tsMs, r.mean]));
    for (const c of current) energyWh += c.mean * (v.get(c.tsMs) ?? 24) * 1;
    for (const g of gas) {
      gasWeighted += g.mean * g.count;
      gasCount += g.count;
    }
    const peak = Math.max(0, ...speed.map((s) => s.max));
    runningHours += speed.filter((s) => peak > 0 && s.mean > (o.runningSpeedFraction ?? 0.1) * peak).length;
    readings += current.reduce((s, r) => s + r.count, 0);
  }
  const labels = (await store.queryFaultLabels({ fromMs: p.fromMs, toMs: p.toMs })).filter((l) => !isDataFault(l.type));
  const repos = store.respondRepositories();
  const alerts = await repos.alerts.listAlerts({ fromMs: p.fromMs, toMs: p.toMs, limit: 1_000_000 });
  const actions = (await Promise.all(alerts.map((a) => repos.actions.listActions({ alertId: a.id })))).flat();
  const firstAck = new Map<string, number>();
  for (const a of actions) if (a.ackAtMs !== null) firstAck.set(a.alertId, Math.min(firstAck.get(a.alertId) ?? Infinity, a.ackAtMs));
  const responses = alerts.filter((a) => !a.dataQuality && firstAck.has(a.id)).map((a) => firstAck.get(a.id)! - a.detectedAtMs);
  const energyKwh = energyWh / 1000;
  return {
    days,
    environmental: {
      energyKwh,
      co2FromEnergyKg: energyKwh * (o.co2KgPerKwh ?? 0.4),
      meanGasPpm: gasCount ? gasWeighted / gasCount : null,
      waterM3: null,
      wasteKg: null,
      note: 'water and waste are not measured by the plant sensors (SPEC 1); enter them from utility meters',
    },
    production: {
      runningMachineHoursPerDay: runningHours / days,
      failures: labels.length,
      failuresPerMachineDay: machines.length ? labels.length / (machines.length * days) : 0,
      meanFailureResponseMs: responses.length ? responses.reduce((s, x) => s + x, 0) / responses.length : null,
      incidents: alerts.length,
      maintenanceCost: null,
    },
    system: {
      readings,
      readingsPerSecond: readings / ((p.toMs - p.fromMs) / 1000),
      collectionMsP50: median(alerts.filter((a) => a.ingestedAtMs !== null).map((a) => a.ingestedAtMs! - a.detectedAtMs)),
      responseMsP50: median(actions.filter((a) => a.sentAtMs !== null).map((a) => a.sentAtMs! - a.alertRaisedAtMs)),
    },
  };
}

function flatten(f: PeriodFigures): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [group, values] of Object.entries(f)) {
    if (typeof values !== 'object' || values === null) continue;
    for (const [k, v] of Object.entries(values)) if (typeof v === 'number' || v === null) out[`${group}.${k}`] = v as number | null;
  }
  return out;
}

/** Figures of a period and a baseline period, and the relative change. */
export async function plantFigures(o: FiguresOptions): Promise<PlantFigures> {
  const period = await periodFigures(o, o.period);
  const baseline = await periodFigures(o, o.baseline);
  const a = flatten(period);
  const b = flatten(baseline);
  const change: Record<string, number | null> = {};
  for (const k of Object.keys(a)) change[k] = typeof a[k] === 'number' && typeof b[k] === 'number' && b[k] !== 0 ? (a[k]! - b[k]!) / b[k]! : null;
  return { period, baseline, change };
}


