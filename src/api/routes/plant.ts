import type { FastifyPluginAsync } from 'fastify';
import { NotFoundError, SENSOR_KINDS, ValidationError, urgencyRank, type Plant, type SensorKind, type Urgency } from '../../domain/index.js';
import type { Responder } from '../../respond/index.js';
import type { Store } from '../../store/index.js';
import type { LiveFeed } from '../live-feed.js';
import { epochMs, idParams, limit } from './schemas.js';

export interface PlantRouteOptions {
  plant: Plant;
  store?: Store | undefined;
  responder?: Responder | undefined;
  liveFeed?: LiveFeed | undefined;
}

/** Longest raw window served at once (raw readings every 5 s: 17 280 points a day). */
export const MAX_RAW_WINDOW_MS = 2 * 86_400_000;
/** Longest roll-up window. */
export const MAX_ROLLUP_WINDOW_MS = 400 * 86_400_000;

export type MachineState = 'normal' | 'alarm' | 'stopped';

/** Plant overview, machine detail, series (raw, 1m, 1h) and recent scored ticks. */
export const plantRoutes: FastifyPluginAsync<PlantRouteOptions> = async (app, { plant, store, responder, liveFeed }) => {
  const byId = new Map(plant.machines.map((m) => [m.id, m]));

  const machineStates = (): Map<string, { state: MachineState; urgency: Urgency | null; openAlerts: number }> => {
    const out = new Map<string, { state: MachineState; urgency: Urgency | null; openAlerts: number }>();
    for (const a of responder?.listOpenAlerts() ?? []) {
      if (a.state === 'shelved' || a.state === 'suppressed') continue;
      const cur = out.get(a.machineId) ?? { state: 'alarm' as MachineState, urgency: null, openAlerts: 0 };
      cur.openAlerts++;
      if (cur.urgency === null || urgencyRank(a.urgency) > urgencyRank(cur.urgency)) cur.urgency = a.urgency;
      out.set(a.machineId, cur);
    }
    for (const id of responder?.stoppedMachines() ?? []) out.set(id, { ...(out.get(id) ?? { urgency: null, openAlerts: 0 }), state: 'stopped' });
    return out;
  };

  // Compact columns (one array per field) keep 10 000 machines near 600 kB and fast to parse.
  app.get('/api/v1/plant', { config: { access: 'read' }, schema: { tags: ['plant'], summary: 'Every machine by area with its state (columnar)' } }, async () => {
    const states = machineStates();
    const latest = liveFeed?.latestTicks() ?? new Map();
    const areas = plant.areas.map((area) => {
      const ms = plant.machines.filter((m) => m.areaId === area.id);
      return {
        id: area.id,
        name: area.name,
        machines: {
          id: ms.map((m) => m.id),
          type: ms.map((m) => m.type),
          criticality: ms.map((m) => m.criticality),
          state: ms.map((m) => states.get(m.id)?.state ?? 'normal'),
          urgency: ms.map((m) => states.get(m.id)?.urgency ?? null),
          score: ms.map((m) => {
            const t = latest.get(m.id);
            return t ? Math.round(t.score * 1000) / 1000 : null;
          }),
        },
      };
    });
    return { id: plant.id, name: plant.name, machineCount: plant.machines.length, areas };
  });

  const machine = (id: string) => {
    const m = byId.get(id);
    if (!m) throw new NotFoundError('PW_ERR_NOT_FOUND_MACHINE', `no machine with id "${id}" in plant ${plant.id}`);
    return m;
  };

  app.get('/api/v1/machines/:id', { config: { access: 'read' }, schema: { tags: ['plant'], summary: 'One machine, its state and open alerts', params: idParams } }, async (request) => {
    const m = machine((request.params as { id: string }).id);
    const state = machineStates().get(m.id);
    const openAlerts = (responder?.listOpenAlerts() ?? []).filter((a) => a.machineId === m.id);
    const last = liveFeed?.recentTicks(m.id, 1)[0] ?? null;
    return { machine: m, state: state?.state ?? 'normal', urgency: state?.urgency ?? null, openAlerts, lastTick: last };
  });

  app.get(
    '/api/v1/machines/:id/series',
    {
      config: { access: 'read' },
      schema: {
        tags: ['plant'],
        summary: 'A sensor series: raw readings or 1 min / 1 h roll-ups',
        params: idParams,
        querystring: {
          type: 'object',
          required: ['sensor'],
          additionalProperties: false,
          properties: { sensor: { type: 'string', enum: [...SENSOR_KINDS] }, resolution: { type: 'string', enum: ['raw', '1m', '1h'], default: 'raw' }, fromMs: epochMs, toMs: epochMs },
        },
      },
    },
    async (request) => {
      const m = machine((request.params as { id: string }).id);
      const q = request.query as { sensor: SensorKind; resolution: 'raw' | '1m' | '1h'; fromMs?: number; toMs?: number };
      if (!store) throw new NotFoundError('PW_ERR_NOT_FOUND_STORE', 'no store is attached to this API');
      const toMs = q.toMs ?? Date.now();
      const maxWindow = q.resolution === 'raw' ? MAX_RAW_WINDOW_MS : MAX_ROLLUP_WINDOW_MS;
      const fromMs = q.fromMs ?? toMs - (q.resolution === 'raw' ? 3_600_000 : q.resolution === '1m' ? 86_400_000 : 30 * 86_400_000);
      if (fromMs >= toMs) throw new ValidationError('PW_ERR_VALIDATION_RANGE', `fromMs (${fromMs}) must be before toMs (${toMs})`);
      if (toMs - fromMs > maxWindow) throw new ValidationError('PW_ERR_VALIDATION_RANGE', `window of ${toMs - fromMs} ms is longer than ${maxWindow} ms for resolution ${q.resolution}; use a coarser resolution`);
      if (q.resolution === 'raw') return { resolution: 'raw', points: await store.querySeries({ machineId: m.id, sensor: q.sensor, fromMs, toMs }) };
      return { resolution: q.resolution, points: await store.queryRollup({ machineId: m.id, sensor: q.sensor, fromMs, toMs, resolution: q.resolution }) };
    },
  );

  app.get(
    '/api/v1/machines/:id/scored',
    { config: { access: 'read' }, schema: { tags: ['plant'], summary: 'Recent scored ticks: actual vs predicted, threshold', params: idParams, querystring: { type: 'object', additionalProperties: false, properties: { limit: limit(5000, 360) } } } },
    async (request) => {
      const m = machine((request.params as { id: string }).id);
      return { ticks: liveFeed?.recentTicks(m.id, (request.query as { limit: number }).limit) ?? [] };
    },
  );
};
