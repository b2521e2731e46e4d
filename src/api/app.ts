import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { AuthService } from '../auth/index.js';
import type { BackupManager } from '../backup/index.js';
import type { Plant } from '../domain/index.js';
import type { Logger } from '../logging/index.js';
import type { Ingestor } from '../ingest/index.js';
import type { Responder } from '../respond/index.js';
import type { Store } from '../store/index.js';
import { LiveFeed, type ScoredTickSource } from './live-feed.js';
import { registerAccessControl, type RouteEntry } from './plugins/access.js';
import { registerErrorHandler } from './plugins/errors.js';
import { adminRoutes } from './routes/admin.js';
import { alertRoutes } from './routes/alerts.js';
import { authRoutes } from './routes/auth.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { kpiRoutes } from './routes/kpis.js';
import { plantFigures } from '../figures/index.js';
import { plantRoutes } from './routes/plant.js';
import { telemetryRoutes } from './routes/telemetry.js';

/** Default largest request body (matches config.http.bodyLimitBytes). */
export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;
/** Largest body of any route but telemetry batches: forms and commands are small. */
export const DEFAULT_COMMAND_BODY_LIMIT_BYTES = 64 * 1024;

export interface BuildAppOptions {
  /** Root logger; requests log through a child with component=api. */
  logger: Logger;
  /** Largest request body in bytes (`http.bodyLimitBytes`). Default DEFAULT_BODY_LIMIT_BYTES. */
  bodyLimitBytes?: number;
  /** Enables `POST /api/v1/telemetry`. */
  ingestor?: Ingestor;
  /** Extra figures for `GET /healthz`, e.g. `() => ({ ingest: ingestion.counters() })`. */
  health?: () => Record<string, unknown>;
  /** Access control; absent = every route open (single-route tests, `auth.enabled: false`). */
  auth?: AuthService | undefined;
  /** Secure cookie policy (`auth.secureCookies`). Default `auto`. */
  secureCookies?: 'auto' | 'always' | 'never';
  /** Enables alerts, actions and recommendations routes and their live events. */
  responder?: Responder | undefined;
  /** Detector output for live charts (StreamingDetector, `scored` events). */
  detector?: ScoredTickSource | undefined;
  /** Enables series, dead letters, models and the audit log. */
  store?: Store | undefined;
  /** Enables plant and machine routes. */
  plant?: Plant | undefined;
  /** Enables the backup routes. */
  backups?: BackupManager | undefined;
  /** Serves the web console at `/` (a Fastify plugin from src/web). */
  console?: ((app: FastifyInstance) => Promise<void>) | undefined;
  /** Documentation at /docs (default true). */
  docs?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with who may call it (generated as routes register). */
    routeTable: RouteEntry[];
    liveFeed: LiveFeed;
  }
}

/**
 * The HTTP app factory (fastify: app factory apart from server start). Call `app.listen()` to
 * serve, or `app.inject()` in tests.
 * @example const app = await buildApp({ logger, ingestor, responder, store, plant, auth }); await app.listen({ port: 8080 });
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'api' }),
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    // Per-request lines would dominate the log at thousands of ingest requests a second.
    logController: new LogController({ disableRequestLogging: true }),
    // Bad URLs, over-long path parameters: the same {code, message} shape as every other error.
    frameworkErrors: (err, _request, reply) => {
      const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
      void (reply as unknown as FastifyReply).status(status).send({ code: 'PW_ERR_VALIDATION_URL', message: err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path parameter is longer than 100 characters' : err.message });
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }) as unknown as FastifyInstance;
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  const liveFeed = new LiveFeed({ responder: options.responder, detector: options.detector });
  app.decorate('liveFeed', liveFeed);
  app.addHook('onClose', async () => liveFeed.close());
  registerErrorHandler(app);
  await app.register(fastifyCookie);
  if (options.docs !== false) {
    await app.register(fastifySwagger, {
      openapi: {
        info: { title: 'plantwatch API', version: '1', description: 'Errors are `{code, message}` with stable PW_ERR_* codes. Sign in with a session cookie (state changes need the x-csrf-token header) or an API token (Authorization: Bearer pwt_...).' },
        components: { securitySchemes: { token: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'pw_session' } } },
        security: [{ token: [] }, { session: [] }],
      },
    });
  }
  registerAccessControl(app, { auth: options.auth, secureCookies: options.secureCookies ?? 'auto' }, routeTable);
  await app.register(healthRoutes, options.health ? { details: options.health } : {});
  // Everything but telemetry batches takes small bodies; a big one is refused before parsing.
  await app.register(async (scoped) => {
    scoped.addHook('onRoute', (route) => {
      route.bodyLimit ??= DEFAULT_COMMAND_BODY_LIMIT_BYTES;
    });
    if (options.auth) await scoped.register(authRoutes, { auth: options.auth, secureCookies: options.secureCookies ?? 'auto' });
    if (options.responder) {
      const repo = options.store?.respondRepositories().alerts;
      await scoped.register(alertRoutes, { responder: options.responder, getAlert: repo ? (id) => repo.getAlert(id) : undefined });
    }
    if (options.plant) await scoped.register(plantRoutes, { plant: options.plant, store: options.store, responder: options.responder, liveFeed });
    await scoped.register(adminRoutes, { auth: options.auth, store: options.store, responder: options.responder, backups: options.backups });
    await scoped.register(eventRoutes, { liveFeed });
    const store = options.store;
    await scoped.register(kpiRoutes, {
      responder: options.responder,
      system: options.health,
      figures: store ? (period, baseline) => plantFigures({ store, period, baseline }) : undefined,
    });
  }, {});
  if (options.ingestor) await app.register(telemetryRoutes, { ingestor: options.ingestor });
  if (options.docs !== false) await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  if (options.console) await options.console(app);
  return app;
}
