/** HTTP API: the app factory, the one error handler and the routes. */
export { buildApp, DEFAULT_BODY_LIMIT_BYTES, type BuildAppOptions } from './app.js';
export { registerErrorHandler, type ErrorBody } from './plugins/errors.js';
export { telemetryRoutes, TELEMETRY_ROUTE, type TelemetryRouteOptions, type BatchRejection, type BatchResponse } from './routes/telemetry.js';
export { healthRoutes, type HealthRouteOptions } from './routes/health.js';
