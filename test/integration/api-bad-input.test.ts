/**
 * Bad input on every route (issue 6): wrong types, oversized bodies, injection strings. Each gets a
 * 4xx with `{code, message}` naming the problem, never a 500 or a stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteEntry } from '../../src/api/index.js';
import { highEnergy, seedRoles, signIn, startHarness, type Harness } from './api-support.js';

let h: Harness;
let admin: Record<string, string>;
let routes: RouteEntry[];

const INJECTIONS = ["' OR 1=1 --", '"; DROP TABLE users; --', '<script>alert(1)</script>', '../../../etc/passwd', '%00\u0000nul', '${7*7}{{7*7}}', 'a'.repeat(5000)];
const WRONG_BODIES: unknown[] = [[1, 2, 3], 'just a string', 42, { username: 42, password: ['x'], role: { $ne: null }, comment: 99, durationMs: 'soon', code: 123456, name: null, disabled: 'yes' }];

function expectClean4xx(res: { statusCode: number; body: string }, label: string): void {
  expect(res.statusCode, `${label}: ${res.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, `${label}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
  const body = JSON.parse(res.body) as { code: unknown; message: unknown };
  expect(typeof body.code, label).toBe('string');
  expect(body.code as string, label).toMatch(/^PW_ERR_/);
  expect(typeof body.message === 'string' && body.message.length > 5, label).toBe(true);
  expect(res.body, label).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

function expectNo500(res: { statusCode: number; body: string }, label: string): void {
  expect(res.statusCode, `${label}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
  if (res.statusCode >= 400) expectClean4xx(res, label);
}

beforeAll(async () => {
  h = await startHarness();
  await seedRoles(h);
  admin = await signIn(h.app, 'admin');
  await h.responder.onAnomaly(highEnergy(h.plant));
  await h.responder.idle();
  routes = h.app.routeTable.filter((r) => r.url.startsWith('/api/') && !r.url.endsWith('/logout') && r.url !== '/api/v1/events');
}, 30_000);

afterAll(async () => {
  await h?.close();
});

describe('bad input on every route', () => {
  it('answers injection strings in every path parameter with a clean 4xx', async () => {
    for (const route of routes.filter((r) => r.url.includes(':'))) {
      for (const bad of INJECTIONS) {
        const url = route.url.replace(/:(id|name)/, encodeURIComponent(bad)) + (route.url.endsWith('/series') ? '?sensor=temperature' : '');
        const res = await h.app.inject({ method: route.method as 'GET', url, headers: admin, ...(route.method === 'POST' || route.method === 'PATCH' ? { payload: {} } : {}) });
        expectClean4xx(res, `${route.method} ${url.slice(0, 80)}`);
      }
    }
  }, 30_000);

  it('answers wrong body types on every route that takes a body with a clean 4xx', async () => {
    for (const route of routes.filter((r) => r.method === 'POST' || r.method === 'PATCH')) {
      for (const body of WRONG_BODIES) {
        const url = route.url.replace(':id', 'x').replace(':name', 'x.pwbk');
        const res = await h.app.inject({ method: route.method as 'POST', url, headers: { ...admin, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
        // Routes that take no body (approve, verify...) may accept and fail on the id instead; never a 500.
        expectNo500(res, `${route.method} ${route.url} ${JSON.stringify(body).slice(0, 60)}`);
      }
      const res = await h.app.inject({ method: route.method as 'POST', url: route.url.replace(':id', 'x').replace(':name', 'x.pwbk'), headers: { ...admin, 'content-type': 'application/json' }, payload: '{"broken json' });
      expectClean4xx(res, `${route.method} ${route.url} broken JSON`);
    }
  }, 30_000);

  it('names the field and the rule in validation messages', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/users', headers: admin, payload: { username: 'eve', password: 'long enough pw', role: 'superuser' } });
    expectClean4xx(res, 'role enum');
    expect(res.json().message).toMatch(/role/);
    const shelve = await h.app.inject({ method: 'POST', url: '/api/v1/alerts/x/shelve', headers: admin, payload: { durationMs: 'soon' } });
    expect(shelve.statusCode).toBe(400);
    expect(shelve.json().message).toMatch(/durationMs/);
    const extra = await h.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: admin, payload: { name: 'x', role: 'viewer', admin: true } });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().message).toMatch(/additional/);
  });

  it('refuses oversized bodies on every route with 413 before reading them', async () => {
    const big = JSON.stringify({ comment: 'x'.repeat(200 * 1024) });
    for (const route of routes.filter((r) => (r.method === 'POST' || r.method === 'PATCH') && r.url !== '/api/v1/telemetry')) {
      const res = await h.app.inject({ method: route.method as 'POST', url: route.url.replace(':id', 'x').replace(':name', 'x.pwbk'), headers: { ...admin, 'content-type': 'application/json' }, payload: big });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(413);
      expectClean4xx(res, `${route.method} ${route.url} oversized`);
    }
  });

  it('answers injection strings and wrong types in every query string without a 500', async () => {
    const queries = ['machineId', 'areaId', 'type', 'urgency', 'state', 'q', 'fromMs', 'toMs', 'limit', 'sensor', 'resolution', 'category', 'status', 'source', 'days'];
    for (const route of routes.filter((r) => r.method === 'GET')) {
      for (const bad of INJECTIONS.slice(0, 4)) {
        for (const key of queries) {
          const url = `${route.url.replace(':id', h.plant.machines[0]!.id)}?${key}=${encodeURIComponent(bad)}`;
          expectNo500(await h.app.inject({ method: 'GET', url, headers: admin }), `GET ${url.slice(0, 90)}`);
        }
      }
      const res = await h.app.inject({ method: 'GET', url: `${route.url.replace(':id', h.plant.machines[0]!.id)}?limit=-5&fromMs=yesterday`, headers: admin });
      expectNo500(res, `GET ${route.url} negative limit`);
    }
  }, 30_000);

  it('keeps the tables intact after the injection attempts', async () => {
    expect((await h.auth.listUsers()).length).toBe(4);
    const res = await h.app.inject({ method: 'GET', url: `/api/v1/alerts?q=${encodeURIComponent("' OR 1=1 --")}`, headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json().alerts).toEqual([]);
  });
});
