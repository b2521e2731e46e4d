import type { FastifyPluginAsync } from 'fastify';
import type { Responder } from '../../respond/index.js';
import { epochMs } from './schemas.js';

export interface KpiRouteOptions {
  responder?: Responder | undefined;
  /** Live system figures (ingest counters, detector timings), as health shows them. */
  system?: (() => Record<string, unknown>) | undefined;
  /** Plant figures (paper Tables 2, 5, 9) for a period against a baseline, from stored readings. */
  figures?: ((period: { fromMs: number; toMs: number }, baseline: { fromMs: number; toMs: number }) => Promise<unknown>) | undefined;
}

const DAY_MS = 86_400_000;

/**
 * `GET /api/v1/kpis`: per-day production and maintenance figures derived from alerts and actions
 * (paper Tables 2 and 9: failures, response time, incidents, actions and their outcomes), and the
 * live system figures, and the plant figures of the last 7 days against the 7 before (environmental
 * Table 5: energy, CO2 from energy, measured emissions; water and waste stay null, as nothing
 * meters them).
 */
export const kpiRoutes: FastifyPluginAsync<KpiRouteOptions> = async (app, { responder, system, figures }) => {
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
      let plant: unknown = null;
      if (figures) {
        try {
          plant = await figures({ fromMs: toMs - 7 * DAY_MS, toMs }, { fromMs: toMs - 14 * DAY_MS, toMs: toMs - 7 * DAY_MS });
        } catch (err) {
          // The daily KPIs still answer; the figures say why they are missing.
          request.log.error({ err }, 'plant figures failed');
          plant = { error: 'plant figures could not be computed; see the log' };
        }
      }
      return { fromMs, toMs, daily: series, system: system?.() ?? {}, plant };
    },
  );
};
