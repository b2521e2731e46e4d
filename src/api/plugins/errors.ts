import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError } from '../../domain/index.js';

/** Body of every error response. */
export interface ErrorBody {
  code: string;
  message: string;
}

/**
 * The one API error handler (STYLE 4): AppError -> `{code, message}` with its status; Fastify's own
 * client errors (bad JSON, body too large, wrong content type) -> `{code, message}` with their 4xx
 * status; anything else -> 500 with no internals (the error goes to the log only).
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError | Error, request, reply) => {
    if (err instanceof AppError) {
      if (err.httpStatus >= 500) request.log.error({ err }, 'request failed');
      const body: ErrorBody = { code: err.code, message: err.message };
      return reply.status(err.httpStatus).send(body);
    }
    const status = (err as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const message =
        (err as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? `unsupported content-type "${request.headers['content-type'] ?? ''}" for ${request.method} ${request.url}`
          : err.message;
      const body: ErrorBody = { code: 'PW_ERR_VALIDATION_REQUEST', message };
      return reply.status(status).send(body);
    }
    request.log.error({ err }, 'unexpected error');
    const body: ErrorBody = { code: 'PW_ERR_INTERNAL', message: 'internal error; see the server log' };
    return reply.status(500).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = { code: 'PW_ERR_NOT_FOUND_ROUTE', message: `no route ${request.method} ${request.url}` };
    return reply.status(404).send(body);
  });
}
