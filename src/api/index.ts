/** HTTP API: the app factory, the one error handler, access control, the routes and the live feed. */
export { buildApp, DEFAULT_BODY_LIMIT_BYTES, DEFAULT_COMMAND_BODY_LIMIT_BYTES, type BuildAppOptions } from './app.js';
export { registerErrorHandler, type ErrorBody } from './plugins/errors.js';
export { SESSION_COOKIE, CSRF_HEADER, type RouteAccess, type RouteEntry } from './plugins/access.js';
export { LiveFeed, DEFAULT_TICK_THROTTLE_MS, DEFAULT_TICKS_KEPT, type ScoredTickSource, type FeedEvent, type LiveFeedOptions } from './live-feed.js';
export { telemetryRoutes, TELEMETRY_ROUTE, type TelemetryRouteOptions, type BatchRejection, type BatchResponse } from './routes/telemetry.js';
export { healthRoutes, type HealthRouteOptions } from './routes/health.js';
export { consoleServicesFromConfig, type ConsoleServices } from './from-config.js';
