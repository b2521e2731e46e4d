/** What the routes answer (beyond who may call them): series, alerts search, users, tokens, models, backups. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role, Telemetry } from '../../src/domain/index.js';
import { highEnergy, PASSWORD, seedRoles, startHarness, type Caller, type Harness } from './api-support.js';

let h: Harness;
let callers: Record<Role, Caller>;
const base = Date.UTC(2026, 10, 1);

beforeAll(async () => {
  h = await startHarness();
  ({ callers } = await seedRoles(h));
  const m = h.plant.machines[0]!.id;
  const batch: Telemetry[] = Array.from({ length: 120 }, (_, i) => ({ machineId: m, tsMs: base + i * 5000, values: { temperature: 50 + (i % 12) } }));
  await h.store.writeTelemetry(batch);
  await h.store.rollUp(base + 3_600_000);
  await h.store.writeDeadLetters([{ source: 'http', origin: 'POST /api/v1/telemetry[0]', receivedAtMs: base, code: 'PW_ERR_VALIDATION_VALUE', reason: 'temperature: 900 is above 150', payload: '{}' }]);
  await h.responder.onAnomaly(highEnergy(h.plant, 0));
  await h.responder.onAnomaly({ ...highEnergy(h.plant, 3), type: 'overheating', sensors: [{ sensor: 'temperature', score: 0.9, actual: 99, predicted: 60, threshold: 0.4, direction: 'above' }] });
  await h.responder.idle();
}, 30_000);

afterAll(async () => {
  await h?.close();
});

const get = (url: string, role: Role = 'admin') => h.app.inject({ method: 'GET', url, headers: callers[role].tokenHeaders });
const post = (url: string, payload?: object, role: Role = 'admin') => h.app.inject({ method: 'POST', url, headers: callers[role].tokenHeaders, ...(payload ? { payload } : {}) });

describe('API routes', () => {
  it('serves raw readings and roll-ups of one sensor, and refuses a window too long for raw', async () => {
    const m = h.plant.machines[0]!.id;
    const raw = await get(`/api/v1/machines/${m}/series?sensor=temperature&fromMs=${base}&toMs=${base + 600_000}`, 'viewer');
    expect(raw.statusCode).toBe(200);
    expect(raw.json().points).toHaveLength(120);
    expect(raw.json().points[1]).toEqual({ tsMs: base + 5000, value: 51 });
    const minute = await get(`/api/v1/machines/${m}/series?sensor=temperature&resolution=1m&fromMs=${base}&toMs=${base + 600_000}`, 'viewer');
    expect(minute.json().points).toHaveLength(10);
    expect(minute.json().points[0]).toMatchObject({ tsMs: base, count: 12, min: 50, max: 61 });
    const tooLong = await get(`/api/v1/machines/${m}/series?sensor=temperature&fromMs=0&toMs=${base}`, 'viewer');
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toMatchObject({ code: 'PW_ERR_VALIDATION_RANGE', message: expect.stringMatching(/coarser resolution/) });
    expect((await get('/api/v1/machines/nope/series?sensor=temperature')).json()).toMatchObject({ code: 'PW_ERR_NOT_FOUND_MACHINE' });
    expect((await get(`/api/v1/machines/${m}/series?sensor=pressure`)).statusCode).toBe(400);
  });

  it('filters and searches alerts, shows a machine in alarm, and reports the history of one', async () => {
    const all = (await get('/api/v1/alerts', 'viewer')).json().alerts as Array<{ id: string; type: string }>;
    expect(all).toHaveLength(2);
    expect((await get('/api/v1/alerts?type=overheating')).json().alerts).toHaveLength(1);
    expect((await get(`/api/v1/alerts?machineId=${h.plant.machines[0]!.id}`)).json().alerts).toHaveLength(1);
    expect((await get('/api/v1/alerts?q=overheating')).json().alerts.map((a: { type: string }) => a.type)).toEqual(['overheating']);
    expect((await get(`/api/v1/alerts?fromMs=${Date.now() + 60_000}`)).json().alerts).toHaveLength(0);
    const id = all.find((a) => a.type === 'high_energy')!.id;
    const ack = await h.app.inject({ method: 'POST', url: `/api/v1/alerts/${id}/acknowledge`, headers: callers.operator.tokenHeaders, payload: { comment: 'on it' } });
    expect(ack.json().alert).toMatchObject({ state: 'active_acknowledged', acknowledgedBy: 'token:operator-token', ackComment: 'on it' });
    const again = await h.app.inject({ method: 'POST', url: `/api/v1/alerts/${id}/acknowledge`, headers: callers.operator.tokenHeaders, payload: {} });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('PW_ERR_ALERT_ILLEGAL_TRANSITION');
    const one = (await get(`/api/v1/alerts/${id}`)).json();
    expect(one.history.map((t: { reason: string }) => t.reason)).toEqual(['raise', 'acknowledge']);
    expect(one.actions[0]).toMatchObject({ kind: 'recommended', status: 'pending_approval' });
    const plant = (await get('/api/v1/plant', 'viewer')).json();
    const area = plant.areas.find((a: { machines: { id: string[] } }) => a.machines.id.includes(h.plant.machines[0]!.id));
    expect(area.machines.state[area.machines.id.indexOf(h.plant.machines[0]!.id)]).toBe('alarm');
  });

  it('lets an admin manage users and tokens; secrets are shown once and never listed', async () => {
    const created = await post('/api/v1/users', { username: 'newbie', password: PASSWORD, role: 'viewer' });
    expect(created.statusCode).toBe(201);
    const id = created.json().user.id;
    expect((await h.app.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: callers.admin.tokenHeaders, payload: { role: 'operator' } })).json().user.role).toBe('operator');
    expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/users/${id}`, headers: callers.admin.tokenHeaders })).json()).toEqual({ deleted: true });
    const token = await post('/api/v1/tokens', { name: 'scada bridge', role: 'operator', expiresInDays: 30 });
    expect(token.json().token).toMatch(/^pwt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const listed = (await get('/api/v1/tokens')).body;
    expect(listed).toContain('scada bridge');
    expect(listed).not.toContain(token.json().token.split('_').pop());
    expect(listed).not.toContain('secretHash');
    const audit = (await get('/api/v1/audit?category=token.create')).json().entries;
    expect(audit.some((e: { detail: { name: string } }) => e.detail.name === 'scada bridge')).toBe(true);
  });

  it('lists and activates models, and reads dead letters', async () => {
    const saved = await h.store.modelRegistry().saveModel({ machineType: 'welding', preset: 'small', engine: 'native', dataFromMs: 0, dataToMs: 1, artifact: '{}', path: null, createdAtMs: 1, metrics: { f1: 0.7 } });
    expect((await get('/api/v1/models', 'viewer')).json().models.map((m: { id: string }) => m.id)).toContain(saved.id);
    const act = await post(`/api/v1/models/${saved.id}/activate`, undefined, 'engineer');
    expect(act.json().model).toMatchObject({ id: saved.id, active: true });
    expect((await post('/api/v1/models/nope/activate', undefined, 'engineer')).json().code).toBe('PW_ERR_NOT_FOUND_MODEL');
    expect((await get('/api/v1/dead-letters?fromMs=0', 'engineer')).json().deadLetters[0]).toMatchObject({ code: 'PW_ERR_VALIDATION_VALUE' });
  });

  it('creates and verifies an encrypted backup through the API', async () => {
    const made = await post('/api/v1/backups');
    expect(made.statusCode).toBe(201);
    const name = made.json().backup.name;
    expect((await get('/api/v1/backups')).json().backups.map((b: { name: string }) => b.name)).toContain(name);
    expect((await post(`/api/v1/backups/${name}/verify`)).json().verified).toMatchObject({ payload: 'sqlite-file', schemaVersion: 4 });
    expect((await post('/api/v1/backups/missing.pwbk/verify')).json().code).toBe('PW_ERR_NOT_FOUND_BACKUP');
  }, 30_000);

  it('gives daily KPIs from alerts and actions', async () => {
    const k = (await get('/api/v1/kpis?days=7', 'viewer')).json();
    const today = k.daily[k.daily.length - 1];
    expect(today).toMatchObject({ alerts: 2, processFaults: 2 });
    expect(today.meanAckMs).toBeGreaterThanOrEqual(0);
    // Plant figures (paper Tables 2, 5, 9): the last 7 days against the 7 before, from stored data.
    expect(k.plant.period.environmental).toMatchObject({ energyKwh: expect.any(Number), co2FromEnergyKg: expect.any(Number), waterM3: null, wasteKg: null });
    expect(k.plant.baseline.production).toMatchObject({ failures: expect.any(Number) });
    expect(k.plant.change).toHaveProperty(['environmental.energyKwh']);
  });
});
