import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from '../logging/index.js';
import type { Ingestor } from '../ingest/index.js';
import { registerErrorHandler } from './plugins/errors.js';
import { healthRoutes } from './routes/health.js';
import { telemetryRoutes } from './routes/telemetry.js';

/** Default largest request body (matches config.http.bodyLimitBytes). */
export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

export interface BuildAppOptions {
  /** Root logger; requests log through a child with component=api. */
  logger: Logger;
  /** Largest request body in bytes (`http.bodyLimitBytes`). Default DEFAULT_BODY_LIMIT_BYTES. */
  bodyLimitBytes?: number;
  /** Enables `POST /api/v1/telemetry`. */
  ingestor?: Ingestor;
  /** Extra figures for `GET /healthz`, e.g. `() => ({ ingest: ingestion.counters() })`. */
  health?: () => Record<string, unknown>;
}

/**
 * The HTTP app factory (fastify: app factory apart from server start). Call `app.listen()` to
 * serve, or `app.inject()` in tests.
 * @example const app = await buildApp({ logger, ingestor }); await app.listen({ port: 8080 });
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'api' }),
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    // Per-request lines would dominate the log at thousands of ingest requests a second.
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  registerErrorHandler(app);
  await app.register(healthRoutes, options.health ? { details: options.health } : {});
  if (options.ingestor) await app.register(telemetryRoutes, { ingestor: options.ingestor });
  return app;
}
