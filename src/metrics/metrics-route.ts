import type { FastifyInstance } from 'fastify';
import type { PlantMetrics } from './plant-metrics.js';

/**
 * `GET /metrics` for Prometheus. Registered by main.ts after buildApp (a separate plugin so the API
 * stays independent of the metrics).
 * @example await app.register(metricsRoute, { metrics });
 */
export async function metricsRoute(app: FastifyInstance, options: { metrics: PlantMetrics }): Promise<void> {
  app.get('/metrics', async (_req, reply) => {
    const body = await options.metrics.text();
    return reply.header('content-type', options.metrics.contentType).send(body);
  });
}
