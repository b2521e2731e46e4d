/**
 * The whole role table (issue 6): every API route, generated from the app's own route table,
 * against every role (by session cookie and by API token) and unauthenticated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, type Permission } from '../../src/auth/index.js';
import { ROLES, type Role } from '../../src/domain/index.js';
import type { RouteEntry } from '../../src/api/index.js';
import { highEnergy, PASSWORD, seedRoles, signIn, startHarness, type Caller, type Harness } from './api-support.js';

let h: Harness;
let callers: Record<Role, Caller>;
let routes: RouteEntry[];

/** A plausible body per route, so that allowed calls reach the handler (denial never depends on it). */
const BODIES: Record<string, unknown> = {
  'POST /api/v1/setup': { username: 'x', password: PASSWORD },
  'POST /api/v1/auth/login': { username: 'nobody', password: 'wrong password' },
  'POST /api/v1/auth/totp': { challenge: 'nope', code: '123456' },
  'POST /api/v1/auth/totp/confirm': { code: '123456' },
  'POST /api/v1/setup/totp': { username: 'nobody', password: 'x', code: '123456' },
  'POST /api/v1/alerts/:id/acknowledge': { comment: 'seen' },
  'POST /api/v1/alerts/:id/shelve': { durationMs: 600_000 },
  'POST /api/v1/recommendations/:id/reject': { comment: 'no' },
  'POST /api/v1/users': { username: 'u', password: PASSWORD, role: 'viewer' },
  'PATCH /api/v1/users/:id': { disabled: false },
  'POST /api/v1/tokens': { name: 'matrix', role: 'viewer' },
  'POST /api/v1/telemetry': [],
};

function urlFor(route: RouteEntry): string {
  let url = route.url.replace(':id', 'nope').replace(':name', 'nope.pwbk').replace('/*', '/x');
  if (route.url === '/api/v1/events') url += '?maxMs=20';
  if (route.url === '/api/v1/machines/:id/series') url += '?sensor=temperature';
  return url;
}

async function call(route: RouteEntry, headers: Record<string, string>) {
  const key = `${route.method} ${route.url}`;
  const body = BODIES[key] ?? (route.method === 'GET' || route.method === 'DELETE' ? undefined : {});
  return h.app.inject({ method: route.method as 'GET', url: urlFor(route), headers, ...(body !== undefined ? { payload: body as object } : {}) });
}

function expectAllowed(res: { statusCode: number; body: string }, label: string): void {
  const code = res.statusCode >= 400 ? (JSON.parse(res.body) as { code: string }).code : '';
  expect(['PW_ERR_AUTH_REQUIRED', 'PW_ERR_AUTH_FORBIDDEN', 'PW_ERR_AUTH_CSRF'], `${label}: ${res.statusCode} ${res.body.slice(0, 200)}`).not.toContain(code);
  expect(res.statusCode, `${label}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
}

beforeAll(async () => {
  h = await startHarness();
  ({ callers } = await seedRoles(h));
  await h.responder.onAnomaly(highEnergy(h.plant));
  await h.responder.idle();
  // Sign-out ends the caller's session: run it last.
  routes = h.app.routeTable.filter((r) => r.url.startsWith('/api/')).sort((a, b) => Number(a.url.endsWith('/logout')) - Number(b.url.endsWith('/logout')));
}, 30_000);

afterAll(async () => {
  await h?.close();
});

describe('role table', () => {
  it('names who may call every API route (no route falls to the default)', () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.filter((r) => !r.explicit).map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });

  it('refuses every non-public route without credentials (401 PW_ERR_AUTH_REQUIRED)', async () => {
    for (const route of routes) {
      const res = await call(route, {});
      if (route.access === 'public') expectAllowed(res, `anonymous ${route.method} ${route.url}`);
      else {
        expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
        expect(res.json()).toMatchObject({ code: 'PW_ERR_AUTH_REQUIRED' });
      }
    }
  });

  for (const role of ROLES) {
    for (const via of ['cookie', 'token'] as const) {
      it(`gives ${role} (${via}) exactly the routes of its permissions`, async () => {
        const headers = via === 'cookie' ? callers[role].headers : callers[role].tokenHeaders;
        for (const route of routes) {
          if (via === 'token' && route.url.endsWith('/logout')) continue;
          const res = await call(route, headers);
          const label = `${role}/${via} ${route.method} ${route.url}`;
          const allowed = route.access === 'public' || route.access === 'signed_in' || can(role, route.access as Permission);
          if (allowed) expectAllowed(res, label);
          else {
            expect(res.statusCode, label).toBe(403);
            expect(res.json(), label).toMatchObject({ code: 'PW_ERR_AUTH_FORBIDDEN' });
            expect((res.json() as { message: string }).message).toContain(`role "${role}"`);
          }
        }
      }, 30_000);
    }
  }

  it('refuses a cookie-authenticated state change without the CSRF token, and a forged token', async () => {
    // The matrix signed every session out at the end: a fresh one.
    const { cookie } = await signIn(h.app, 'operator');
    const alerts = (await h.app.inject({ method: 'GET', url: '/api/v1/alerts', headers: { cookie: cookie! } })).json() as { alerts: Array<{ id: string }> };
    const url = `/api/v1/alerts/${alerts.alerts[0]!.id}/acknowledge`;
    for (const headers of [{ cookie: cookie! }, { cookie: cookie!, 'x-csrf-token': 'forged' }]) {
      const res = await h.app.inject({ method: 'POST', url, headers, payload: { comment: 'x' } });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'PW_ERR_AUTH_CSRF' });
    }
  });

  it('refuses an unknown or revoked API token', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/alerts', headers: { authorization: 'Bearer pwt_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'PW_ERR_AUTH_TOKEN' });
    const { token, record } = await h.auth.createToken({ name: 'short-lived', role: 'admin' }, 'test');
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    await h.auth.revokeToken(record.id, 'test');
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
  });
});

describe('README', () => {
  it('shows the role table exactly as the code has it', async () => {
    const { readFileSync } = await import('node:fs');
    const { PERMISSIONS, PERMISSION_DESCRIPTIONS, ROLE_PERMISSIONS } = await import('../../src/auth/index.js');
    const readme = readFileSync('README.md', 'utf8');
    const roles = readme.slice(readme.indexOf('## Roles'));
    for (const p of PERMISSIONS) {
      const row = `| \`${p}\` | ${PERMISSION_DESCRIPTIONS[p]} | ${ROLES.map((r) => (ROLE_PERMISSIONS[r].includes(p) ? 'yes' : '-')).join(' | ')} |`;
      expect(roles, `README row for ${p}`).toContain(row);
    }
  });
});
