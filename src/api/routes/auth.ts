import type { FastifyPluginAsync } from 'fastify';
import type { AuthService } from '../../auth/index.js';
import { AuthError } from '../../domain/index.js';
import { actorOf, SESSION_COOKIE, sessionCookieOptions } from '../plugins/access.js';

export interface AuthRouteOptions {
  auth: AuthService;
  secureCookies: 'auto' | 'always' | 'never';
}

const credentials = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;

/** First-run setup, sign-in (password, then TOTP or a recovery code), sign-out, who am I, two-factor enrolment. */
export const authRoutes: FastifyPluginAsync<AuthRouteOptions> = async (app, { auth, secureCookies }) => {
  app.get('/api/v1/setup', { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'Whether first-run setup is still open' } }, async () => ({ needed: await auth.needsSetup() }));

  app.post('/api/v1/setup', { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'Create the first admin (only while no user exists)', body: credentials } }, async (request, reply) => {
    const out = await auth.setup(request.body as { username: string; password: string }, request.ip);
    return reply.status(201).send(out);
  });

  app.post('/api/v1/auth/login', { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'Password step of a sign-in', body: credentials } }, async (request, reply) => {
    const result = await auth.login(request.body as { username: string; password: string }, request.ip);
    if (result.status === 'totp_required') return { status: result.status, challenge: result.challenge };
    void reply.setCookie(SESSION_COOKIE, result.session.cookieValue, sessionCookieOptions(request, secureCookies, Math.floor(auth.sessionTtlMs / 1000)));
    return { status: result.status, user: result.session.user, csrfToken: result.session.csrfToken };
  });

  app.post(
    '/api/v1/auth/totp',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Second step: a TOTP code or a recovery code',
        body: { type: 'object', required: ['challenge', 'code'], additionalProperties: false, properties: { challenge: { type: 'string', minLength: 1, maxLength: 128 }, code: { type: 'string', minLength: 6, maxLength: 16 } } },
      },
    },
    async (request, reply) => {
      const session = await auth.loginTotp(request.body as { challenge: string; code: string }, request.ip);
      void reply.setCookie(SESSION_COOKIE, session.cookieValue, sessionCookieOptions(request, secureCookies, Math.floor(auth.sessionTtlMs / 1000)));
      return { status: 'signed_in', user: session.user, csrfToken: session.csrfToken };
    },
  );

  app.post('/api/v1/auth/logout', { config: { access: 'signed_in' }, schema: { tags: ['auth'], summary: 'End this session' } }, async (request, reply) => {
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie) await auth.logout(cookie, actorOf(request));
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { status: 'signed_out' };
  });

  app.get('/api/v1/auth/me', { config: { access: 'signed_in' }, schema: { tags: ['auth'], summary: 'The caller, its role and CSRF token' } }, async (request) => {
    const p = request.principal!;
    return { kind: p.kind, id: p.id, name: p.name, role: p.role, csrfToken: p.csrfToken ?? null };
  });

  app.post('/api/v1/auth/totp/enroll', { config: { access: 'signed_in' }, schema: { tags: ['auth'], summary: 'Start two-factor enrolment (a new secret)' } }, async (request) => {
    if (request.principal!.kind !== 'user') throw new AuthError('PW_ERR_AUTH_USER_ONLY', 'two-factor belongs to users, not API tokens', 403);
    return auth.enrollTotp(request.principal!.id);
  });

  app.post(
    '/api/v1/auth/totp/confirm',
    {
      config: { access: 'signed_in' },
      schema: { tags: ['auth'], summary: 'Confirm enrolment with a code; returns recovery codes once', body: { type: 'object', required: ['code'], additionalProperties: false, properties: { code: { type: 'string', pattern: '^[0-9]{6}$' } } } },
    },
    async (request) => {
      if (request.principal!.kind !== 'user') throw new AuthError('PW_ERR_AUTH_USER_ONLY', 'two-factor belongs to users, not API tokens', 403);
      return auth.confirmTotp(request.principal!.id, (request.body as { code: string }).code);
    },
  );

  /** Setup also needs a session to confirm the admin's TOTP: setup answers with the pending secret and this confirms it. */
  app.post(
    '/api/v1/setup/totp',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Confirm the first admin\'s two-factor with the password and a code (first run only)',
        body: { type: 'object', required: ['username', 'password', 'code'], additionalProperties: false, properties: { ...credentials.properties, code: { type: 'string', pattern: '^[0-9]{6}$' } } },
      },
    },
    async (request) => {
      const body = request.body as { username: string; password: string; code: string };
      const user = await auth.verifyPasswordForEnrolment(body.username, body.password, request.ip);
      return auth.confirmTotp(user.id, body.code);
    },
  );
};
