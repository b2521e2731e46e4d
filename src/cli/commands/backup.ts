import type { Command } from 'commander';
import { BackupManager, backupOptionsFromConfig, type BackupKeySource } from '../../backup/index.js';
import { BackupError } from '../../domain/index.js';
import { createLogger } from '../../logging/index.js';
import { configFor, printResult } from '../shared-options.js';

interface KeyFlags {
  keyFile?: string;
  json?: boolean;
}

function managerFor(command: Command, flags: KeyFlags): BackupManager {
  const config = configFor(command);
  const logger = createLogger(config.log);
  const opts = backupOptionsFromConfig(config, logger);
  const key: BackupKeySource | undefined = flags.keyFile ? { keyFile: flags.keyFile } : opts.key;
  if (!key) {
    throw new BackupError('PW_ERR_BACKUP_KEY', 'no backup key: set backup.keyFile (a file of 64 hex characters: openssl rand -hex 32 > backup.key) or PLANTWATCH_BACKUP_PASSPHRASE, or pass --key-file');
  }
  return new BackupManager({ ...opts, key });
}

export function registerBackupCommand(program: Command): void {
  const backup = program.command('backup').description('encrypted backups (AES-256-GCM) of the SQLite or PostgreSQL store');
  backup
    .command('create')
    .description('make a backup now into backup.dir and apply retention (backup.keep)')
    .option('--key-file <file>', 'key file instead of the configured key')
    .option('--json', 'print JSON')
    .action(async function (this: Command, flags: KeyFlags) {
      const info = await managerFor(this, flags).create();
      printResult(!!flags.json, info, () => `backup written: ${info.path} (${info.sizeBytes} bytes)`);
    });
  backup
    .command('list')
    .description('list backups in backup.dir')
    .option('--json', 'print JSON')
    .action(async function (this: Command, flags: KeyFlags) {
      const list = await managerFor(this, flags).list();
      printResult(!!flags.json, list, () => list.map((b) => `${b.name}  ${b.sizeBytes} bytes`).join('\n') || '(no backups)');
    });
  backup
    .command('verify <file>')
    .description('decrypt and authenticate every chunk of a backup (a name in backup.dir or a path)')
    .option('--key-file <file>', 'key file instead of the configured key')
    .option('--json', 'print JSON')
    .action(async function (this: Command, file: string, flags: KeyFlags) {
      const r = await managerFor(this, flags).verify(file);
      printResult(!!flags.json, r, () => `ok: ${r.name} (${r.payload}, schema ${r.schemaVersion}, ${r.plainBytes} bytes in ${r.chunks} chunks, made ${new Date(r.createdAtMs).toISOString()})`);
    });
  backup
    .command('restore <file>')
    .description('restore a backup into the configured store (stop plantwatch first); the whole file is authenticated before anything changes')
    .option('--key-file <file>', 'key file instead of the configured key')
    .option('--json', 'print JSON')
    .action(async function (this: Command, file: string, flags: KeyFlags) {
      const r = await managerFor(this, flags).restore(file);
      printResult(!!flags.json, r, () => `restored into ${r.target}${r.rows !== undefined ? ` (${r.rows} rows)` : ''}`);
    });
}
