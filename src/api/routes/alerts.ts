import type { FastifyPluginAsync } from 'fastify';
import { ALERT_STATES, NotFoundError, URGENCIES, type Alert, type AlertState, type AlertType, type Urgency } from '../../domain/index.js';
import type { Responder } from '../../respond/index.js';
import { actorOf } from '../plugins/access.js';
import { comment, epochMs, idParams, limit } from './schemas.js';

export interface AlertRouteOptions {
  responder: Responder;
  /** Looks one alert up by id (the store's repository); without it, open alerts and a scan of recent ones. */
  getAlert?: ((id: string) => Promise<Alert | undefined>) | undefined;
}

/** Longest shelving accepted (ISA-18.2 shelving is time-limited): 7 days. */
export const MAX_SHELVE_MS = 7 * 86_400_000;

const alertQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    machineId: { type: 'string', maxLength: 128 },
    areaId: { type: 'string', maxLength: 128 },
    type: { type: 'string', maxLength: 64, pattern: '^[a-z_]+$' },
    urgency: { type: 'string', enum: [...URGENCIES] },
    state: { type: 'string', enum: [...ALERT_STATES, 'open'] },
    fromMs: epochMs,
    toMs: epochMs,
    q: { type: 'string', maxLength: 200 },
    limit: limit(5000, 500),
  },
} as const;

interface AlertQueryString {
  machineId?: string;
  areaId?: string;
  type?: string;
  urgency?: Urgency;
  state?: AlertState | 'open';
  fromMs?: number;
  toMs?: number;
  q?: string;
  limit: number;
}

function matchesText(alert: Alert, q: string): boolean {
  const hay = `${alert.id} ${alert.machineId} ${alert.areaId} ${alert.type} ${alert.urgency} ${alert.state} ${alert.recommendation} ${alert.ackComment ?? ''} ${alert.acknowledgedBy ?? ''}`.toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

/** Alerts (Instant Alerts and Event Log), their history, acknowledge and shelve; actions and recommendations. */
export const alertRoutes: FastifyPluginAsync<AlertRouteOptions> = async (app, { responder, getAlert }) => {
  app.get('/api/v1/alerts', { config: { access: 'read' }, schema: { tags: ['alerts'], summary: 'Search and filter alerts (newest first)', querystring: alertQuery } }, async (request) => {
    const q = request.query as AlertQueryString;
    const states: AlertState[] | undefined = q.state === 'open' ? ALERT_STATES.filter((s) => s !== 'closed') : q.state ? [q.state] : undefined;
    // Urgency and text are filtered here; fetch more so the page can still fill.
    const widen = q.urgency || q.q ? 10 : 1;
    let alerts = await responder.listAlerts({
      ...(q.machineId ? { machineId: q.machineId } : {}),
      ...(q.areaId ? { areaId: q.areaId } : {}),
      ...(q.type ? { type: q.type as AlertType } : {}),
      ...(states ? { states } : {}),
      ...(q.fromMs !== undefined ? { fromMs: q.fromMs } : {}),
      ...(q.toMs !== undefined ? { toMs: q.toMs } : {}),
      limit: q.limit * widen,
    });
    if (q.urgency) alerts = alerts.filter((a) => a.urgency === q.urgency);
    if (q.q) alerts = alerts.filter((a) => matchesText(a, q.q!));
    return { alerts: alerts.slice(0, q.limit) };
  });

  app.get('/api/v1/alerts/:id', { config: { access: 'read' }, schema: { tags: ['alerts'], summary: 'One alert with its history and actions', params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    const [history, actions] = await Promise.all([responder.alertHistory(id), responder.listActions({ alertId: id })]);
    const alert =
      responder.listOpenAlerts().find((a) => a.id === id) ??
      (getAlert ? await getAlert(id) : history.length > 0 ? (await responder.listAlerts({ limit: 100_000 })).find((a) => a.id === id) : undefined);
    if (!alert) throw new NotFoundError('PW_ERR_NOT_FOUND_ALERT', `no alert with id "${id}"`);
    return { alert, history, actions };
  });

  app.post(
    '/api/v1/alerts/:id/acknowledge',
    {
      config: { access: 'alerts.respond' },
      schema: { tags: ['alerts'], summary: 'Acknowledge with a comment', params: idParams, body: { type: 'object', additionalProperties: false, properties: { comment } } },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = (request.body ?? {}) as { comment?: string };
      return { alert: await responder.acknowledge(id, actorOf(request), body.comment ?? '') };
    },
  );

  app.post(
    '/api/v1/alerts/:id/shelve',
    {
      config: { access: 'alerts.respond' },
      schema: {
        tags: ['alerts'],
        summary: 'Shelve for a while (auto-unshelves)',
        params: idParams,
        body: { type: 'object', required: ['durationMs'], additionalProperties: false, properties: { durationMs: { type: 'integer', minimum: 60_000, maximum: MAX_SHELVE_MS }, comment } },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { durationMs: number; comment?: string };
      return { alert: await responder.shelve(id, actorOf(request), body.durationMs, body.comment ?? '') };
    },
  );

  app.post('/api/v1/alerts/:id/unshelve', { config: { access: 'alerts.respond' }, schema: { tags: ['alerts'], summary: 'Return a shelved alert', params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    return { alert: await responder.unshelve(id, actorOf(request)) };
  });

  app.get(
    '/api/v1/actions',
    {
      config: { access: 'read' },
      schema: {
        tags: ['actions'],
        summary: 'Automatic actions, recommendations and notifications with their outcomes',
        querystring: { type: 'object', additionalProperties: false, properties: { alertId: { type: 'string', maxLength: 128 }, machineId: { type: 'string', maxLength: 128 }, status: { type: 'string', maxLength: 32, pattern: '^[a-z_]+$' }, limit: limit(5000, 500) } },
      },
    },
    async (request) => {
      const q = request.query as { alertId?: string; machineId?: string; status?: string; limit: number };
      const actions = await responder.listActions({
        ...(q.alertId ? { alertId: q.alertId } : {}),
        ...(q.machineId ? { machineId: q.machineId } : {}),
        ...(q.status ? { statuses: [q.status as never] } : {}),
        limit: q.limit,
      });
      return { actions };
    },
  );

  app.get('/api/v1/recommendations', { config: { access: 'read' }, schema: { tags: ['actions'], summary: 'Recommendations waiting for approval' } }, async () => ({ recommendations: await responder.listRecommendations() }));

  app.post('/api/v1/recommendations/:id/approve', { config: { access: 'actions.approve' }, schema: { tags: ['actions'], summary: 'Approve and send the proposed command', params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    return { action: await responder.approve(id, actorOf(request)) };
  });

  app.post(
    '/api/v1/recommendations/:id/reject',
    { config: { access: 'actions.approve' }, schema: { tags: ['actions'], summary: 'Reject with a comment', params: idParams, body: { type: 'object', additionalProperties: false, properties: { comment } } } },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = (request.body ?? {}) as { comment?: string };
      return { action: await responder.reject(id, actorOf(request), body.comment ?? '') };
    },
  );
};
