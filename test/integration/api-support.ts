/** Shared set-up of the API, auth and console tests: a real SQLite store, responder, auth and app. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, SESSION_COOKIE, type BuildAppOptions } from '../../src/api/index.js';
import { AuthService, totp } from '../../src/auth/index.js';
import { BackupManager } from '../../src/backup/index.js';
import { buildPlant, type AnomalyEvent, type Plant, type Role } from '../../src/domain/index.js';
import { createLogger } from '../../src/logging/index.js';
import { createResponder, type Responder } from '../../src/respond/index.js';
import { openSqliteStore, type Store } from '../../src/store/index.js';

export const PASSWORD = 'correct horse battery';

export interface Harness {
  app: FastifyInstance;
  store: Store;
  responder: Responder;
  auth: AuthService;
  plant: Plant;
  dir: string;
  close(): Promise<void>;
}

export async function startHarness(over: Partial<BuildAppOptions> = {}, machineCount = 12): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-api-'));
  const logger = createLogger({ level: 'silent', pretty: false });
  const store = await openSqliteStore({ file: join(dir, 'pw.db'), logger });
  const plant = buildPlant({ machineCount });
  await store.savePlant(plant);
  const repos = store.respondRepositories();
  const responder = createResponder({ logger, repositories: repos, plant, options: { tickMs: null, dryRun: true } });
  await responder.start();
  const auth = new AuthService({ repository: store.authRepository(), logger, audit: repos.audit, loginRatePerMinute: 1000 });
  const backups = new BackupManager({ target: { kind: 'sqlite', file: join(dir, 'pw.db') }, dir: join(dir, 'backups'), key: { passphrase: 'test passphrase 123' }, logger });
  const app = await buildApp({ logger, auth, responder, store, plant, backups, ...over });
  return {
    app,
    store,
    responder,
    auth,
    plant,
    dir,
    async close() {
      await app.close();
      await responder.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Caller {
  role: Role;
  /** Headers to send: cookie + CSRF token. */
  headers: Record<string, string>;
  tokenHeaders: Record<string, string>;
}

function cookieFrom(setCookie: string | string[] | undefined): string {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const c = list.find((x) => x.startsWith(`${SESSION_COOKIE}=`));
  if (!c) throw new Error(`no session cookie in ${JSON.stringify(list)}`);
  return c.split(';')[0]!;
}

/** Signs a user in by password (no TOTP) and returns cookie headers with its CSRF token. */
export async function signIn(app: FastifyInstance, username: string, password = PASSWORD): Promise<Record<string, string>> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in of ${username}: ${res.statusCode} ${res.body}`);
  const body = res.json() as { csrfToken: string; status: string };
  if (body.status !== 'signed_in') throw new Error(`sign-in of ${username} wants ${body.status}`);
  return { cookie: cookieFrom(res.headers['set-cookie']), 'x-csrf-token': body.csrfToken };
}

/** First-run admin (with TOTP confirmed) and one user + one token per role. */
export async function seedRoles(h: Harness): Promise<{ callers: Record<Role, Caller>; adminTotpSecret: string }> {
  const setup = await h.app.inject({ method: 'POST', url: '/api/v1/setup', payload: { username: 'admin', password: PASSWORD } });
  if (setup.statusCode !== 201) throw new Error(`setup: ${setup.statusCode} ${setup.body}`);
  const secret = (setup.json() as { totp: { secret: string } }).totp.secret;
  const callers = {} as Record<Role, Caller>;
  for (const role of ['viewer', 'operator', 'engineer', 'admin'] as const) {
    if (role !== 'admin') await h.auth.createUser({ username: role, password: PASSWORD, role }, 'test');
    const { token } = await h.auth.createToken({ name: `${role}-token`, role }, 'test');
    callers[role] = { role, headers: await signIn(h.app, role), tokenHeaders: { authorization: `Bearer ${token}` } };
  }
  return { callers, adminTotpSecret: secret };
}

export const totpNow = (secret: string, offsetMs = 0): string => totp(secret, Date.now() + offsetMs);

/** An anomaly that the default rules answer with a recommendation (Table 8: high energy -> reduce load). */
export function highEnergy(plant: Plant, machineIndex = 0): AnomalyEvent {
  const m = plant.machines[machineIndex]!;
  return {
    machineId: m.id,
    areaId: m.areaId,
    machineType: m.type,
    type: 'high_energy',
    score: 0.9,
    threshold: 0.4,
    tsMs: Date.now(),
    dataQuality: false,
    sensors: [{ sensor: 'current', score: 0.9, actual: 42, predicted: 30, threshold: 0.4, direction: 'above' }],
  };
}
