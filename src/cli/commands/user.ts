import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { AuthService } from '../../auth/index.js';
import { isRole, ValidationError } from '../../domain/index.js';
import { createLogger } from '../../logging/index.js';
import { createStore } from '../../store/index.js';
import { configFor, printResult } from '../shared-options.js';

/** The first line of stdin (passwords never go on the command line, where `ps` shows them). */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password (input is visible; pipe it to hide it): ');
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  throw new ValidationError('PW_ERR_VALIDATION_PASSWORD', 'no password on stdin: pipe it, e.g. printf "%s\\n" "$PW" | plantwatch user create ada --role admin');
}

async function withAuth<T>(command: Command, fn: (auth: AuthService) => Promise<T>): Promise<T> {
  const config = configFor(command);
  const logger = createLogger({ ...config.log, level: config.log.level === 'info' ? 'warn' : config.log.level });
  const store = await createStore(config, logger);
  try {
    return await fn(new AuthService({ repository: store.authRepository(), logger, audit: store.respondRepositories().audit }));
  } finally {
    await store.close();
  }
}

export function registerUserCommand(program: Command): void {
  const user = program.command('user').description('manage local users (first run: plantwatch user create <name> --role admin)');
  user
    .command('create <username>')
    .description('create a user; the password is read from stdin')
    .requiredOption('--role <role>', 'viewer, operator, engineer or admin')
    .option('--json', 'print JSON')
    .action(async function (this: Command, username: string, opts: { role: string; json?: boolean }) {
      if (!isRole(opts.role)) throw new ValidationError('PW_ERR_VALIDATION_ROLE', `--role must be viewer, operator, engineer or admin, got "${opts.role}"`);
      const password = await readPassword();
      const created = await withAuth(this, (auth) => auth.createUser({ username, password, role: opts.role }, 'cli'));
      printResult(!!opts.json, created, () => `created ${created.role} "${created.username}" (id ${created.id}); enrol two-factor from the console after signing in`);
    });
  user
    .command('list')
    .description('list users')
    .option('--json', 'print JSON')
    .action(async function (this: Command, opts: { json?: boolean }) {
      const users = await withAuth(this, (auth) => auth.listUsers());
      printResult(!!opts.json, users, () => users.map((u) => `${u.username.padEnd(24)} ${u.role.padEnd(9)} ${u.totpEnabled ? '2FA' : '   '} ${u.disabled ? 'disabled' : ''}${u.lockedUntilMs && u.lockedUntilMs > Date.now() ? ' locked' : ''}`).join('\n') || '(no users: create the admin)');
    });
  for (const [name, description, patch] of [
    ['unlock', 'clear a lock-out after failed sign-ins', { unlock: true }],
    ['disable', 'disable a user and end their sessions', { disabled: true }],
    ['enable', 'enable a disabled user', { disabled: false }],
  ] as const) {
    user
      .command(`${name} <username>`)
      .description(description)
      .action(async function (this: Command, username: string) {
        await withAuth(this, async (auth) => {
          const u = (await auth.listUsers()).find((x) => x.username === username);
          if (!u) throw new ValidationError('PW_ERR_VALIDATION_USERNAME', `no user named "${username}"`);
          await auth.updateUser(u.id, patch, 'cli');
        });
        process.stdout.write(`${name}: ${username}\n`);
      });
  }
  user
    .command('reset-password <username>')
    .description('set a new password (read from stdin); ends the user\'s sessions')
    .action(async function (this: Command, username: string) {
      const password = await readPassword();
      await withAuth(this, async (auth) => {
        const u = (await auth.listUsers()).find((x) => x.username === username);
        if (!u) throw new ValidationError('PW_ERR_VALIDATION_USERNAME', `no user named "${username}"`);
        await auth.updateUser(u.id, { password }, 'cli');
      });
      process.stdout.write(`password reset: ${username}\n`);
    });
}
