/** Live events over SSE and the console's static files, through app.inject (no port). */
import { afterEach, describe, expect, it } from 'vitest';
import type { ScoredTick } from '../../src/domain/index.js';
import { registerConsole } from '../../src/web/index.js';
import { highEnergy, seedRoles, startHarness, type Harness } from './api-support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const tick = (machineId: string, tsMs: number, anomalous = false): ScoredTick => ({ machineId, tsMs, sensors: { current: { actual: 31, predicted: 30, score: 0.2, threshold: 1 } }, score: anomalous ? 1.3 : 0.2, anomalous, scoredAtMs: tsMs });

describe('GET /api/v1/events (SSE)', () => {
  it('streams alerts and actions as they happen, and throttles ticks per machine', async () => {
    h = await startHarness();
    const { callers } = await seedRoles(h);
    const machine = h.plant.machines[0]!.id;
    const pending = h.app.inject({ method: 'GET', url: '/api/v1/events?types=alert,action,tick&maxMs=600', headers: callers.viewer.tokenHeaders });
    await new Promise((r) => setTimeout(r, 100));
    await h.responder.onAnomaly(highEnergy(h.plant));
    await h.responder.idle();
    // Ten ticks of one machine within the throttle: the first goes out, and the anomalous one.
    for (let i = 0; i < 10; i++) h.app.liveFeed.pushTick(tick(machine, Date.now() + i, i === 7));
    const res = await pending;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = res.body.split('\n\n').filter((b) => b.startsWith('event:'));
    const kinds = events.map((e) => /^event: (\w+)/.exec(e)![1]);
    expect(kinds).toContain('alert');
    expect(kinds).toContain('action');
    expect(kinds.filter((k) => k === 'tick')).toHaveLength(2);
    const alert = JSON.parse(events.find((e) => e.startsWith('event: alert'))!.split('data: ')[1]!) as { alert: { type: string; machineId: string } };
    expect(alert.alert).toMatchObject({ type: 'high_energy', machineId: machine });
    // The chart buffer keeps every tick.
    expect(h.app.liveFeed.recentTicks(machine)).toHaveLength(10);
    const scored = await h.app.inject({ method: 'GET', url: `/api/v1/machines/${machine}/scored?limit=5`, headers: callers.viewer.tokenHeaders });
    expect(scored.json().ticks).toHaveLength(5);
  }, 30_000);

  it('refuses anonymous listeners', async () => {
    h = await startHarness();
    await seedRoles(h);
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/events?maxMs=10' });
    expect(res.statusCode).toBe(401);
  }, 30_000);
});

describe('console files', () => {
  it('serves the console and uPlot from node_modules with a strict content security policy', async () => {
    h = await startHarness({ console: registerConsole });
    const index = await h.app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('<script type="module" src="/app.js">');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['x-frame-options']).toBe('DENY');
    const app = await h.app.inject({ method: 'GET', url: '/app.js' });
    expect(app.statusCode).toBe(200);
    expect(app.body).not.toMatch(/\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML/);
    const uplot = await h.app.inject({ method: 'GET', url: '/vendor/uplot/uPlot.esm.js' });
    expect(uplot.statusCode).toBe(200);
    expect(uplot.headers['content-type']).toMatch(/javascript/);
    const traversal = await h.app.inject({ method: 'GET', url: '/vendor/uplot/..%2f..%2f..%2fpackage.json' });
    expect(traversal.statusCode).toBeGreaterThanOrEqual(400);
    expect(traversal.statusCode).toBeLessThan(500);
  }, 30_000);
});
