import type { FastifyPluginAsync } from 'fastify';
import type { AuthService } from '../../auth/index.js';
import type { BackupManager } from '../../backup/index.js';
import { AppError, NotFoundError, ROLES, type Role } from '../../domain/index.js';
import type { Responder } from '../../respond/index.js';
import type { Store } from '../../store/index.js';
import { actorOf } from '../plugins/access.js';
import { epochMs, idParams, limit } from './schemas.js';

export interface AdminRouteOptions {
  auth?: AuthService | undefined;
  store?: Store | undefined;
  responder?: Responder | undefined;
  backups?: BackupManager | undefined;
}

const userBody = {
  type: 'object',
  required: ['username', 'password', 'role'],
  additionalProperties: false,
  properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 256 }, role: { type: 'string', enum: [...ROLES] } },
} as const;

function unavailable(what: string): never {
  throw new AppError('PW_ERR_UNAVAILABLE', `${what} is not enabled in this process`, 503);
}

/** Users and tokens (admin), audit log, dead letters, the model registry and backups. */
export const adminRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { auth, store, responder, backups }) => {
  app.get('/api/v1/users', { config: { access: 'users.manage' }, schema: { tags: ['admin'], summary: 'List users' } }, async () => ({ users: auth ? await auth.listUsers() : unavailable('access control') }));

  app.post('/api/v1/users', { config: { access: 'users.manage' }, schema: { tags: ['admin'], summary: 'Create a user', body: userBody } }, async (request, reply) => {
    if (!auth) unavailable('access control');
    return reply.status(201).send({ user: await auth.createUser(request.body as { username: string; password: string; role: Role }, actorOf(request)) });
  });

  app.patch(
    '/api/v1/users/:id',
    {
      config: { access: 'users.manage' },
      schema: {
        tags: ['admin'],
        summary: 'Change role, disable, reset password or unlock',
        params: idParams,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { role: { type: 'string', enum: [...ROLES] }, disabled: { type: 'boolean' }, password: { type: 'string', minLength: 1, maxLength: 256 }, unlock: { type: 'boolean' } } },
      },
    },
    async (request) => {
      if (!auth) unavailable('access control');
      return { user: await auth.updateUser((request.params as { id: string }).id, request.body as never, actorOf(request)) };
    },
  );

  app.delete('/api/v1/users/:id', { config: { access: 'users.manage' }, schema: { tags: ['admin'], summary: 'Delete a user', params: idParams } }, async (request) => {
    if (!auth) unavailable('access control');
    await auth.deleteUser((request.params as { id: string }).id, actorOf(request));
    return { deleted: true };
  });

  app.get('/api/v1/tokens', { config: { access: 'tokens.manage' }, schema: { tags: ['admin'], summary: 'List API tokens (never their secrets)' } }, async () => ({ tokens: auth ? await auth.listTokens() : unavailable('access control') }));

  app.post(
    '/api/v1/tokens',
    {
      config: { access: 'tokens.manage' },
      schema: {
        tags: ['admin'],
        summary: 'Create an API token for a machine or integration (the secret is shown once)',
        body: { type: 'object', required: ['name', 'role'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, role: { type: 'string', enum: [...ROLES] }, expiresInDays: { type: 'number', exclusiveMinimum: 0, maximum: 3650 } } },
      },
    },
    async (request, reply) => {
      if (!auth) unavailable('access control');
      return reply.status(201).send(await auth.createToken(request.body as { name: string; role: Role }, actorOf(request)));
    },
  );

  app.delete('/api/v1/tokens/:id', { config: { access: 'tokens.manage' }, schema: { tags: ['admin'], summary: 'Revoke an API token', params: idParams } }, async (request) => {
    if (!auth) unavailable('access control');
    await auth.revokeToken((request.params as { id: string }).id, actorOf(request));
    return { revoked: true };
  });

  app.get(
    '/api/v1/audit',
    {
      config: { access: 'audit.read' },
      schema: { tags: ['admin'], summary: 'The audit log (sign-ins, changes, decisions)', querystring: { type: 'object', additionalProperties: false, properties: { category: { type: 'string', maxLength: 64 }, alertId: { type: 'string', maxLength: 128 }, fromMs: epochMs, limit: limit(10_000, 1000) } } },
    },
    async (request) => {
      const q = request.query as { category?: string; alertId?: string; fromMs?: number; limit: number };
      const source = store ? store.respondRepositories().audit : responder ? { query: (x: object) => responder.audit(x) } : undefined;
      if (!source) unavailable('the audit log');
      return { entries: await source.query({ ...(q.category ? { category: q.category } : {}), ...(q.alertId ? { alertId: q.alertId } : {}), ...(q.fromMs !== undefined ? { fromMs: q.fromMs } : {}), limit: q.limit }) };
    },
  );

  app.get(
    '/api/v1/dead-letters',
    {
      config: { access: 'deadletters.read' },
      schema: { tags: ['data'], summary: 'Refused readings with the reason', querystring: { type: 'object', additionalProperties: false, properties: { source: { type: 'string', maxLength: 32 }, fromMs: epochMs, limit: limit(10_000, 500) } } },
    },
    async (request) => {
      if (!store) unavailable('the store');
      const q = request.query as { source?: string; fromMs?: number; limit: number };
      return { deadLetters: await store.queryDeadLetters({ ...(q.source ? { source: q.source } : {}), ...(q.fromMs !== undefined ? { fromMs: q.fromMs } : {}), limit: q.limit }) };
    },
  );

  app.get('/api/v1/models', { config: { access: 'read' }, schema: { tags: ['models'], summary: 'The model registry with metrics' } }, async () => {
    if (!store || typeof store.modelRegistry !== 'function') return { models: [] };
    return { models: await store.modelRegistry().listModels() };
  });

  app.post('/api/v1/models/:id/activate', { config: { access: 'models.manage' }, schema: { tags: ['models'], summary: 'Activate a model version (the detector picks it up)', params: idParams } }, async (request) => {
    if (!store || typeof store.modelRegistry !== 'function') unavailable('the model registry');
    const id = (request.params as { id: string }).id;
    const registry = store.modelRegistry();
    if (!(await registry.getModel(id))) throw new NotFoundError('PW_ERR_NOT_FOUND_MODEL', `no model with id "${id}"`);
    const model = await registry.activateModel(id);
    await auth?.record(actorOf(request), 'model.activate', 'activated', { modelId: id, machineType: model.machineType, version: model.version });
    return { model };
  });

  app.get('/api/v1/backups', { config: { access: 'backups.manage' }, schema: { tags: ['admin'], summary: 'Backups in the backup folder' } }, async () => {
    if (!backups) unavailable('backups (set backup.keyFile or backup.passphrase)');
    return { backups: await backups.list() };
  });

  app.post('/api/v1/backups', { config: { access: 'backups.manage' }, schema: { tags: ['admin'], summary: 'Create an encrypted backup now' } }, async (request, reply) => {
    if (!backups) unavailable('backups (set backup.keyFile or backup.passphrase)');
    const info = await backups.create();
    await auth?.record(actorOf(request), 'backup.create', 'created', { name: info.name, bytes: info.sizeBytes });
    return reply.status(201).send({ backup: info });
  });

  app.post(
    '/api/v1/backups/:name/verify',
    { config: { access: 'backups.manage' }, schema: { tags: ['admin'], summary: 'Decrypt and check a backup', params: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,200}$' } } } } },
    async (request) => {
      if (!backups) unavailable('backups (set backup.keyFile or backup.passphrase)');
      return { verified: await backups.verify((request.params as { name: string }).name) };
    },
  );
};
