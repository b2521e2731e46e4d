import { describe, expect, it } from 'vitest';
import { buildPlant, type AnomalyEvent, type Machine, type NormalEvent, type Telemetry } from '../../domain/index.js';
import { generateHistory } from '../../simulate/index.js';
import { StreamingDetector } from './streaming-detector.js';
import { loadScoringModel } from './artifact.js';
import { fitStaticBaseline, trainDetector } from './train.js';
import { telemetryToRows } from './rows.js';

const TICK = 5_000;
const plant = buildPlant({ machineCount: 6 });
const welders = plant.machines.filter((m) => m.type === 'welding');
const welder = welders[0]!;

async function history(machines: readonly Machine[], startMs: number, hours: number, seed: number): Promise<Map<string, Telemetry[]>> {
  const out = new Map<string, Telemetry[]>();
  await generateHistory(
    { plant, startMs, days: hours / 24, seed, tickMs: TICK, faultsPerDay: 0, machineIds: machines.map((m) => m.id) },
    { writeTelemetry: (b) => b.forEach((t) => out.set(t.machineId, [...(out.get(t.machineId) ?? []), t])), writeFaultLabels: () => undefined },
  );
  return out;
}

function collect(d: StreamingDetector): { anomalies: AnomalyEvent[]; normals: NormalEvent[] } {
  const anomalies: AnomalyEvent[] = [];
  const normals: NormalEvent[] = [];
  d.on('anomaly', (e) => anomalies.push(e));
  d.on('normal', (e) => normals.push(e));
  return { anomalies, normals };
}

const T0 = Date.UTC(2026, 0, 5, 8);

describe('streaming detector', () => {
  it('static baseline: quiet on normal data, overheating within three ticks, data-quality events for nulls, impossible values and gaps', async () => {
    // One continuous history (a new one starts cold): the first 2 h train, the last hour streams.
    const all = await history(welders, T0, 3, 1);
    const cut = (m: Machine): number => Math.floor((all.get(m.id)!.length * 2) / 3);
    // The first 20 minutes are the cold start's warm-up, not normal operation.
    const train = new Map(welders.map((m) => [m.id, all.get(m.id)!.slice(240, cut(m))]));
    const artifact = fitStaticBaseline(welders.map((m) => telemetryToRows(train.get(m.id)!, m.sensors)), { machineType: 'welding', sensors: welder.sensors });
    const d = new StreamingDetector({ plant, fixedModels: { welding: loadScoringModel('static', '1', artifact) }, maxBatchDelayMs: 0, tickMs: TICK, machineIds: [welder.id] });
    await d.start();
    const { anomalies, normals } = collect(d);
    const live = all.get(welder.id)!.slice(cut(welder));
    for (const t of live) d.ingest(t);
    expect(anomalies.filter((a) => !a.dataQuality)).toEqual([]);
    expect(normals.length).toBeGreaterThan(live.length - 5);
    let ts = live[live.length - 1]!.tsMs;
    const base = live[live.length - 1]!.values;
    const before = anomalies.length;
    // A step of +40 C: the smoothed error crosses within a few ticks (EWMA alpha 0.5).
    let hotTicks = 0;
    while (anomalies.length === before && hotTicks < 4) {
      hotTicks++;
      d.ingest({ machineId: welder.id, tsMs: (ts += TICK), values: { ...base, temperature: (base.temperature as number) + 40 } });
    }
    expect(hotTicks).toBeLessThanOrEqual(3);
    expect(anomalies.at(-1)).toMatchObject({ machineId: welder.id, type: 'overheating', dataQuality: false });
    expect(anomalies.at(-1)!.sensors[0]).toMatchObject({ sensor: 'temperature', direction: 'above' });
    d.ingest({ machineId: welder.id, tsMs: (ts += TICK), values: { ...base, vibration: null } });
    expect(anomalies.at(-1)).toMatchObject({ type: 'sensor_disconnected', dataQuality: true, sensors: [{ sensor: 'vibration' }] });
    d.ingest({ machineId: welder.id, tsMs: (ts += TICK), values: { ...base, humidity: 170 } });
    expect(anomalies.at(-1)).toMatchObject({ type: 'impossible_value', dataQuality: true, sensors: [{ sensor: 'humidity' }] });
    d.ingest({ machineId: welder.id, tsMs: (ts += 10 * TICK), values: { ...base } });
    expect(anomalies.at(-1)).toMatchObject({ type: 'gap', dataQuality: true });
    await d.stop();
  });

  it('LSTM model from the registry: scores in one batch per type, detects overheating, and a newly activated model takes over', async () => {
    const all = await history(welders, T0, 6.5, 3);
    const cut = (m: Machine): number => Math.floor((all.get(m.id)!.length * 6) / 6.5);
    const train = new Map(welders.map((m) => [m.id, all.get(m.id)!.slice(0, cut(m))]));
    const live = new Map(welders.map((m) => [m.id, all.get(m.id)!.slice(cut(m))]));
    const trained = await trainDetector(
      welders.map((m) => telemetryToRows(train.get(m.id)!, m.sensors)),
      { machineType: 'welding', sensors: welder.sensors, preset: 'tiny', windowSize: 10, epochs: 3, seed: 1 },
    );
    expect(trained.metrics.trainWindows).toBeGreaterThan(100);
    let active = { id: 'welding-v1', version: 1, artifact: trained.artifact };
    const d = new StreamingDetector({ plant, models: { activeModel: async (t) => (t === 'welding' ? active : undefined) }, modelPollMs: 0, maxBatchDelayMs: 5, tickMs: TICK });
    await d.start();
    expect(d.activeModels()).toEqual([{ machineType: 'welding', id: 'welding-v1', version: '1' }]);
    const { anomalies } = collect(d);
    const scored: string[] = [];
    d.on('scored', (t) => scored.push(t.modelVersion!));
    const n = live.get(welder.id)!.length;
    for (let i = 0; i < n; i++) {
      for (const m of welders) d.ingest(live.get(m.id)![i]!);
      d.flush();
    }
    expect(d.counters.maxBatch).toBe(welders.length);
    const falseAlarms = anomalies.filter((a) => !a.dataQuality).length;
    expect(falseAlarms).toBeLessThanOrEqual(2);
    const last = live.get(welder.id)!.at(-1)!;
    d.ingest({ machineId: welder.id, tsMs: last.tsMs + TICK, values: { ...last.values, temperature: (last.values.temperature as number) + 40 } });
    d.flush();
    expect(anomalies.at(-1)).toMatchObject({ machineId: welder.id, type: 'overheating' });
    active = { id: 'welding-v2', version: 2, artifact: trained.artifact };
    await d.pollModels();
    d.ingest({ machineId: welder.id, tsMs: last.tsMs + 2 * TICK, values: { ...last.values } });
    d.flush();
    expect(d.activeModels()[0]!.id).toBe('welding-v2');
    await d.stop();
  }, 60_000);
});
