import type { FastifyPluginAsync } from 'fastify';
import type { Responder } from '../../respond/index.js';
import { epochMs } from './schemas.js';

export interface KpiRouteOptions {
  responder?: Responder | undefined;
  /** Live system figures (ingest counters, detector timings), as health shows them. */
  system?: (() => Record<string, unknown>) | undefined;
}

const DAY_MS = 86_400_000;

/**
 * `GET /api/v1/kpis`: per-day production and maintenance figures derived from alerts and actions
 * (paper Tables 2 and 9: failures, response time, incidents, actions and their outcomes), and the
 * live system figures. Environmental figures (Table 5) need energy and emission meters the
 * simulated plant does not model; they are left out rather than invented.
 */
export const kpiRoutes: FastifyPluginAsync<KpiRouteOptions> = async (app, { responder, system }) => {
  app.get(
    '/api/v1/kpis',
    { config: { access: 'read' }, schema: { tags: ['kpis'], summary: 'Daily KPIs and live system figures', querystring: { type: 'object', additionalProperties: false, properties: { fromMs: epochMs, days: { type: 'integer', minimum: 1, maximum: 366, default: 30 } } } } },
    async (request) => {
      const q = request.query as { fromMs?: number; days: number };
      const toMs = Date.now();
      const fromMs = q.fromMs ?? toMs - q.days * DAY_MS;
      const alerts = responder ? await responder.listAlerts({ fromMs, toMs, limit: 100_000 }) : [];
      const actions = responder ? await responder.listActions({ limit: 100_000 }) : [];
      const days = new Map<number, { dayMs: number; alerts: number; processFaults: number; dataQuality: number; critical: number; ackMsSum: number; acked: number; actions: number; actionsOk: number }>();
      const day = (tsMs: number) => {
        const k = Math.floor(tsMs / DAY_MS) * DAY_MS;
        let d = days.get(k);
        if (!d) days.set(k, (d = { dayMs: k, alerts: 0, processFaults: 0, dataQuality: 0, critical: 0, ackMsSum: 0, acked: 0, actions: 0, actionsOk: 0 }));
        return d;
      };
      for (const a of alerts) {
        const d = day(a.raisedAtMs);
        d.alerts++;
        if (a.dataQuality) d.dataQuality++;
        else d.processFaults++;
        if (a.peakUrgency === 'critical') d.critical++;
        if (a.acknowledgedAtMs !== null) {
          d.acked++;
          d.ackMsSum += a.acknowledgedAtMs - a.raisedAtMs;
        }
      }
      for (const r of actions) {
        if (r.decidedAtMs < fromMs) continue;
        const d = day(r.decidedAtMs);
        d.actions++;
        if (r.status === 'acked' || r.status === 'sent') d.actionsOk++;
      }
      const series = [...days.values()]
        .sort((a, b) => a.dayMs - b.dayMs)
        .map((d) => ({ dayMs: d.dayMs, alerts: d.alerts, processFaults: d.processFaults, dataQuality: d.dataQuality, critical: d.critical, meanAckMs: d.acked ? Math.round(d.ackMsSum / d.acked) : null, actions: d.actions, actionsOk: d.actionsOk }));
      return { fromMs, toMs, daily: series, system: system?.() ?? {} };
    },
  );
};
