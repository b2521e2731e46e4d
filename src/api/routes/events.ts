import type { FastifyPluginAsync } from 'fastify';
import type { FeedEvent, LiveFeed } from '../live-feed.js';

export interface EventRouteOptions {
  liveFeed: LiveFeed;
}

/** Comment line sent when idle so proxies keep the connection open. */
export const SSE_KEEPALIVE_MS = 15_000;

/**
 * `GET /api/v1/events`: server-sent events (`event: alert|action|tick`, JSON data). `types` picks
 * the kinds; `machineId` narrows ticks to one machine; `maxMs` ends the stream (scripts, tests).
 */
export const eventRoutes: FastifyPluginAsync<EventRouteOptions> = async (app, { liveFeed }) => {
  app.get(
    '/api/v1/events',
    {
      config: { access: 'read' },
      schema: {
        tags: ['live'],
        summary: 'Live alerts, actions and scored ticks (text/event-stream)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            types: { type: 'string', pattern: '^(alert|action|tick)(,(alert|action|tick))*$', default: 'alert,action' },
            machineId: { type: 'string', maxLength: 128 },
            maxMs: { type: 'integer', minimum: 1, maximum: 86_400_000 },
          },
        },
      },
    },
    async (request, reply) => {
      const q = request.query as { types: string; machineId?: string; maxMs?: number };
      const types = new Set(q.types.split(','));
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': connected\n\n');
      const onEvent = (e: FeedEvent): void => {
        if (!types.has(e.type)) return;
        if (e.type === 'tick' && q.machineId && (e.data as { machineId: string }).machineId !== q.machineId) return;
        res.write(`event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
      };
      liveFeed.on('event', onEvent);
      const keepalive = setInterval(() => res.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
      const end = (): void => {
        clearInterval(keepalive);
        clearTimeout(timer);
        liveFeed.off('event', onEvent);
        if (!res.writableEnded) res.end();
      };
      const timer = q.maxMs ? setTimeout(end, q.maxMs) : undefined;
      request.raw.on('close', end);
    },
  );
};
