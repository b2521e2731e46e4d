import type { FastifyPluginAsync } from 'fastify';

export interface HealthRouteOptions {
  /** Extra figures to show (e.g. ingestion counters); must not throw. */
  details?: () => Record<string, unknown>;
}

/** `GET /healthz`: 200 `{status: 'ok', uptimeS, ...details}` while the process serves requests. */
export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, options) => {
  const startedMs = Date.now();
  app.get('/healthz', async () => ({ status: 'ok', uptimeS: Math.round((Date.now() - startedMs) / 1000), ...(options.details?.() ?? {}) }));
};
