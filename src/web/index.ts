import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The console's static files (hand-written ES modules, no build step). */
export const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), 'public');

/**
 * Serves the web console at `/` and uPlot (the time-series charts) from node_modules at
 * `/vendor/uplot/`. Pass to buildApp as `console: registerConsole`.
 * @example const app = await buildApp({ logger, auth, responder, console: registerConsole });
 */
export async function registerConsole(app: FastifyInstance): Promise<void> {
  const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.esm.js'));
  await app.register(fastifyStatic, { root: WEB_ROOT, prefix: '/', index: ['index.html'], decorateReply: false, cacheControl: false, setHeaders: securityHeaders });
  await app.register(fastifyStatic, { root: uplotDir, prefix: '/vendor/uplot/', decorateReply: false, setHeaders: securityHeaders });
}

/** No inline scripts, no framing, no sniffing: the console only loads its own files. */
function securityHeaders(res: { setHeader(name: string, value: string): void }): void {
  res.setHeader('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
}
