/** Access control end to end over HTTP (SPEC 8): setup, TOTP, recovery codes, lock-out, rate limit, cookies, audit, MQTT. */
import { Aedes } from 'aedes';
import { createServer, type AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { MQTT_INTERNAL_USERNAME, mqttAuthenticateHook } from '../../src/auth/index.js';
import { PASSWORD, startHarness, totpNow, type Harness } from './api-support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setupAdmin(app: Harness['app']): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/setup', payload: { username: 'admin', password: PASSWORD } });
  expect(res.statusCode).toBe(201);
  return (res.json() as { totp: { secret: string } }).totp.secret;
}

describe('first-run setup and two-factor sign-in', () => {
  it('creates the admin only while no user exists, then signs in with password + TOTP only', async () => {
    h = await startHarness();
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/setup' })).json()).toEqual({ needed: true });
    const secret = await setupAdmin(h.app);
    const again = await h.app.inject({ method: 'POST', url: '/api/v1/setup', payload: { username: 'mallory', password: PASSWORD } });
    expect(again.statusCode).toBe(403);
    expect(again.json()).toMatchObject({ code: 'PW_ERR_AUTH_SETUP_DONE' });

    const confirm = await h.app.inject({ method: 'POST', url: '/api/v1/setup/totp', payload: { username: 'admin', password: PASSWORD, code: totpNow(secret) } });
    expect(confirm.statusCode).toBe(200);
    const recoveryCodes = (confirm.json() as { recoveryCodes: string[] }).recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);

    const step1 = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: PASSWORD } });
    expect(step1.json()).toMatchObject({ status: 'totp_required' });
    expect(step1.headers['set-cookie']).toBeUndefined();
    const challenge = (step1.json() as { challenge: string }).challenge;
    // The code used to confirm enrolment cannot be replayed (RFC 6238 5.2); the next step's can.
    const replay = await h.app.inject({ method: 'POST', url: '/api/v1/auth/totp', payload: { challenge, code: totpNow(secret) } });
    expect(replay.statusCode).toBe(401);
    const step2 = await h.app.inject({ method: 'POST', url: '/api/v1/auth/totp', payload: { challenge, code: totpNow(secret, 30_000) } });
    expect(step2.statusCode).toBe(200);
    const cookie = String(step2.headers['set-cookie']);
    expect(cookie).toMatch(/pw_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/);

    // Behind a TLS proxy the cookie is Secure.
    const tls = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'x-forwarded-proto': 'https' }, payload: { username: 'admin', password: PASSWORD } });
    const viaRecovery = await h.app.inject({ method: 'POST', url: '/api/v1/auth/totp', headers: { 'x-forwarded-proto': 'https' }, payload: { challenge: tls.json().challenge, code: recoveryCodes[0] } });
    expect(viaRecovery.statusCode).toBe(200);
    expect(String(viaRecovery.headers['set-cookie'])).toMatch(/Secure/);

    // A recovery code works once.
    const s3 = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: PASSWORD } });
    const reuse = await h.app.inject({ method: 'POST', url: '/api/v1/auth/totp', payload: { challenge: s3.json().challenge, code: recoveryCodes[0] } });
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json()).toMatchObject({ code: 'PW_ERR_AUTH_INVALID_CREDENTIALS' });

    const audit = await h.store.respondRepositories().audit.query({ category: 'auth.signin' });
    expect(audit.map((e) => e.outcome)).toEqual(expect.arrayContaining(['ok', 'failed']));
    expect((await h.store.respondRepositories().audit.query({ category: 'auth.setup' })).map((e) => e.outcome)).toEqual(['admin_created', 'refused']);
    // Only hashes are stored.
    const codes = await h.store.authRepository().listRecoveryCodes((await h.auth.listUsers())[0]!.id);
    expect(codes.every((c) => c.codeHash.startsWith('$argon2id$'))).toBe(true);
    expect((await h.store.authRepository().getUserByName('admin'))!.passwordHash).toMatch(/^\$argon2id\$/);
  }, 30_000);
});

describe('lock-out and rate limits', () => {
  it('locks a user after 5 failures (even with the right password), and an admin can unlock', async () => {
    h = await startHarness();
    await setupAdmin(h.app);
    await h.auth.createUser({ username: 'olga', password: PASSWORD, role: 'operator' }, 'test');
    for (let i = 0; i < 5; i++) {
      const res = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'olga', password: 'wrong password!' } });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ code: 'PW_ERR_AUTH_INVALID_CREDENTIALS', message: 'wrong username or password' });
    }
    const locked = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'olga', password: PASSWORD } });
    expect(locked.statusCode).toBe(403);
    expect(locked.json().code).toBe('PW_ERR_AUTH_LOCKED');
    expect(locked.json().message).toMatch(/locked for \d+ more minute/);
    const olga = (await h.auth.listUsers()).find((u) => u.username === 'olga')!;
    await h.auth.updateUser(olga.id, { unlock: true }, 'admin');
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'olga', password: PASSWORD } })).statusCode).toBe(200);
    const attempts = await h.store.authRepository().listLoginAttempts({ username: 'olga' });
    expect(attempts.filter((a) => !a.ok)).toHaveLength(6);
  }, 30_000);

  it('answers 429 after too many failures from one address, across usernames', async () => {
    h = await startHarness();
    const { AuthService } = await import('../../src/auth/index.js');
    const { createLogger } = await import('../../src/logging/index.js');
    const strict = new AuthService({ repository: h.store.authRepository(), logger: createLogger({ level: 'silent', pretty: false }), loginRatePerMinute: 3 });
    for (let i = 0; i < 3; i++) await expect(strict.login({ username: `user${i}`, password: 'x' }, '10.0.0.9')).rejects.toMatchObject({ code: 'PW_ERR_AUTH_INVALID_CREDENTIALS' });
    await expect(strict.login({ username: 'other', password: 'x' }, '10.0.0.9')).rejects.toMatchObject({ code: 'PW_ERR_AUTH_RATE_LIMITED', httpStatus: 429 });
    await expect(strict.login({ username: 'other', password: 'x' }, '10.0.0.10')).rejects.toMatchObject({ code: 'PW_ERR_AUTH_INVALID_CREDENTIALS' });
  }, 30_000);
});

describe('passwords and users', () => {
  it('refuses short passwords, duplicate names, and removing the last admin', async () => {
    h = await startHarness();
    const short = await h.app.inject({ method: 'POST', url: '/api/v1/setup', payload: { username: 'admin', password: 'short' } });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ code: 'PW_ERR_VALIDATION_PASSWORD' });
    await setupAdmin(h.app);
    await expect(h.auth.createUser({ username: 'admin', password: PASSWORD, role: 'viewer' }, 't')).rejects.toMatchObject({ code: 'PW_ERR_AUTH_USER_EXISTS' });
    const admin = (await h.auth.listUsers())[0]!;
    await expect(h.auth.deleteUser(admin.id, 't')).rejects.toMatchObject({ code: 'PW_ERR_AUTH_LAST_ADMIN' });
    await expect(h.auth.updateUser(admin.id, { role: 'viewer' }, 't')).rejects.toMatchObject({ code: 'PW_ERR_AUTH_LAST_ADMIN' });
  }, 30_000);

  it('ends sessions of a disabled user', async () => {
    h = await startHarness();
    await setupAdmin(h.app);
    const u = await h.auth.createUser({ username: 'vic', password: PASSWORD, role: 'viewer' }, 't');
    const login = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'vic', password: PASSWORD } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/alerts', headers: { cookie } })).statusCode).toBe(200);
    await h.auth.updateUser(u.id, { disabled: true }, 'admin');
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/alerts', headers: { cookie } })).statusCode).toBe(401);
  }, 30_000);
});

describe('MQTT authentication (embedded aedes broker)', () => {
  it('accepts an operator token as the password and refuses none, a wrong one, or a viewer token', async () => {
    h = await startHarness();
    const broker = await Aedes.createBroker();
    broker.authenticate = mqttAuthenticateHook(h.auth, { internalPassword: 'internal-secret-123' });
    const server = createServer(broker.handle as never);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { token } = await h.auth.createToken({ name: 'press-7', role: 'operator' }, 't');
    const { token: viewerToken } = await h.auth.createToken({ name: 'dash', role: 'viewer' }, 't');
    const tryConnect = (password?: string, username = 'press-7') =>
      new Promise<string>((resolve) => {
        const c = mqtt.connect(url, { username, ...(password ? { password } : {}), reconnectPeriod: 0, connectTimeout: 3000 });
        c.on('connect', () => (c.end(true), resolve('ok')));
        c.on('error', (err) => (c.end(true), resolve(err.message)));
      });
    try {
      expect(await tryConnect(token)).toBe('ok');
      expect(await tryConnect()).toMatch(/Bad username or password|Not authorized/i);
      expect(await tryConnect(`${token.slice(0, -2)}xx`)).toMatch(/Bad username or password|Not authorized/i);
      expect(await tryConnect(viewerToken)).toMatch(/Bad username or password|Not authorized/i);
      // plantwatch's own clients use a per-process secret; the name alone is not enough.
      expect(await tryConnect('internal-secret-123', MQTT_INTERNAL_USERNAME)).toBe('ok');
      expect(await tryConnect('internal-secret-124', MQTT_INTERNAL_USERNAME)).toMatch(/Bad username or password|Not authorized/i);
    } finally {
      await new Promise<void>((r) => broker.close(() => r()));
      server.close();
    }
  }, 30_000);
});
