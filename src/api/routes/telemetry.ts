import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { AppError, ValidationError } from '../../domain/index.js';
import { VALIDATION_CODES, type IngestOutcome, type Ingestor } from '../../ingest/index.js';

export const TELEMETRY_ROUTE = '/api/v1/telemetry';

export interface TelemetryRouteOptions {
  ingestor: Ingestor;
}

/** One refusal in a batch response. */
export interface BatchRejection {
  /** Position of the item: array index, or 0-based line number for NDJSON. */
  index: number;
  code: string;
  reason: string;
}

export interface BatchResponse {
  /** Readings stored (an item with some refused fields still counts once here). */
  accepted: number;
  /** Every refusal: whole items and single fields of stored items, each with its index. */
  rejected: BatchRejection[];
}

/**
 * `POST /api/v1/telemetry`: a JSON array of telemetry payloads (`application/json`) or one payload
 * per line (`application/x-ndjson`). Answers 200 once every reading and dead letter is committed,
 * with `{accepted, rejected: [{index, code, reason}]}`; bad items never fail the batch. A body that
 * is not an array, or not JSON, is a 400; when the writer is saturated, 503 with Retry-After.
 */
export const telemetryRoutes: FastifyPluginAsync<TelemetryRouteOptions> = async (app: FastifyInstance, options) => {
  const { ingestor } = options;
  app.addContentTypeParser(['application/x-ndjson', 'application/ndjson'], { parseAs: 'string' }, (_request, body, done) => done(null, { ndjson: body as string }));

  app.post(TELEMETRY_ROUTE, { config: { access: 'telemetry.write' } }, async (request, reply) => {
    if (ingestor.writer.saturated) {
      void reply.header('retry-after', '1');
      throw new AppError('PW_ERR_INGEST_BACKPRESSURE', 'the store is behind; retry this batch in a second', 503);
    }
    const body = request.body;
    const outcomes: IngestOutcome[] = [];
    if (body !== null && typeof body === 'object' && 'ndjson' in body && typeof (body as { ndjson: unknown }).ndjson === 'string') {
      const lines = (body as { ndjson: string }).ndjson.split('\n');
      lines.forEach((line, index) => {
        const text = line.trim();
        if (text.length === 0) return;
        outcomes[index] = ingestor.ingestPayload(text, { source: 'http', origin: `POST ${TELEMETRY_ROUTE} line ${index + 1}` });
      });
    } else if (Array.isArray(body)) {
      body.forEach((item: unknown, index) => {
        outcomes[index] = ingestor.ingestObject(item, { source: 'http', origin: `POST ${TELEMETRY_ROUTE}[${index}]` });
      });
    } else {
      throw new ValidationError('PW_ERR_VALIDATION_BODY', `expected a JSON array of telemetry payloads (or NDJSON with content-type application/x-ndjson), got ${body === undefined || body === null ? 'an empty body' : typeof body === 'object' ? 'an object' : typeof body}`);
    }

    const response: BatchResponse = { accepted: 0, rejected: [] };
    let failure: unknown;
    await Promise.all(
      outcomes.map(async (outcome, index) => {
        for (const r of outcome.rejections) response.rejected.push({ index, code: r.code, reason: r.reason });
        try {
          const result = await outcome.committed;
          if (outcome.accepted && result === 'stored') response.accepted++;
          if (outcome.accepted && result === 'duplicate') response.rejected.push({ index, code: VALIDATION_CODES.duplicate, reason: 'tsMs: a reading for this machine at this time is already stored' });
        } catch (err) {
          failure ??= err;
        }
      }),
    );
    if (failure !== undefined) {
      throw new AppError('PW_ERR_INGEST_NOT_COMMITTED', `the batch could not be committed (${(failure as Error).message}); nothing was acknowledged, retry it`, 503, { cause: failure });
    }
    response.rejected.sort((a, b) => a.index - b.index);
    return response;
  });
};
