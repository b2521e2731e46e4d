import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, type AuthService, type Permission, type Principal } from '../../auth/index.js';
import { AuthError } from '../../domain/index.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'pw_session';
/** Header carrying the double-submit CSRF token on cookie-authenticated state changes. */
export const CSRF_HEADER = 'x-csrf-token';

/** `public`: no sign-in; `signed_in`: any signed-in user or token; otherwise a permission of the role table. */
export type RouteAccess = Permission | 'public' | 'signed_in';

/** One row of the route table (used for /docs, the README and the role-matrix test). */
export interface RouteEntry {
  method: string;
  url: string;
  access: RouteAccess;
  /** False when the route named no access and got the fail-closed default. */
  explicit: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route; routes without it are refused when auth is on (fail closed). */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

export interface AccessOptions {
  /** Absent: no access control (tests of single routes, isolated rigs with `auth.enabled: false`). */
  auth: AuthService | undefined;
  /** Secure cookie flag policy (config `auth.secureCookies`). */
  secureCookies: 'auto' | 'always' | 'never';
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether the request came over TLS (directly, or via a proxy that says so). */
export function isSecureRequest(request: FastifyRequest, policy: AccessOptions['secureCookies']): boolean {
  if (policy !== 'auto') return policy === 'always';
  return request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
}

/** Cookie attributes: HttpOnly (no script access), SameSite=Strict (no cross-site sends), Secure under TLS. */
export function sessionCookieOptions(request: FastifyRequest, policy: AccessOptions['secureCookies'], maxAgeS?: number) {
  return { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: isSecureRequest(request, policy), ...(maxAgeS !== undefined ? { maxAge: maxAgeS } : {}) };
}

/**
 * Access control for every route (runs at onRequest, before the body is read): finds the caller
 * (bearer API token or session cookie), checks CSRF on cookie-authenticated state changes, and
 * checks the route's permission against the role table. Collects the route table as routes register.
 */
export function registerAccessControl(app: FastifyInstance, options: AccessOptions, routeTable: RouteEntry[]): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      routeTable.push({ method, url: route.url, access: route.config?.access ?? (route.url.startsWith('/api/') ? 'users.manage' : 'public'), explicit: route.config?.access !== undefined });
    }
  });
  const auth = options.auth;
  if (!auth) return;

  app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
    const access: RouteAccess | undefined = request.routeOptions.config?.access;
    // Unknown routes fall to the 404 handler; non-API routes (console files, /docs) default to public.
    if (request.routeOptions.url === undefined) return;
    const required: RouteAccess = access ?? (request.routeOptions.url.startsWith('/api/') ? ('users.manage' as Permission) : 'public');
    const header = request.headers.authorization;
    let viaCookie = false;
    if (typeof header === 'string' && header.startsWith('Bearer ')) {
      request.principal = await auth.authenticateToken(header.slice(7).trim());
      if (!request.principal) throw new AuthError('PW_ERR_AUTH_TOKEN', 'the API token is unknown, revoked or expired');
    } else {
      const cookie = request.cookies?.[SESSION_COOKIE];
      if (cookie) {
        request.principal = await auth.authenticateSession(cookie);
        viaCookie = request.principal !== undefined;
      }
    }
    if (required === 'public') return;
    const principal = request.principal;
    if (!principal) throw new AuthError('PW_ERR_AUTH_REQUIRED', 'sign in first (session cookie) or send an API token (Authorization: Bearer pwt_...)');
    // Double-submit: a cross-site form can send the cookie but cannot read the token to echo it.
    if (viaCookie && STATE_CHANGING.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || sent !== principal.csrfToken) {
        throw new AuthError('PW_ERR_AUTH_CSRF', `missing or wrong ${CSRF_HEADER} header (take it from GET /api/v1/auth/me)`, 403);
      }
    }
    if (required === 'signed_in') return;
    if (!can(principal.role, required)) {
      throw new AuthError('PW_ERR_AUTH_FORBIDDEN', `role "${principal.role}" may not ${request.method} ${request.routeOptions.url} (needs permission "${required}")`, 403);
    }
  });
}

/** The caller's name for audit entries and alert actions; `anonymous` when auth is off. */
export function actorOf(request: FastifyRequest): string {
  return request.principal?.name ?? 'anonymous';
}
