/** Encrypted backups (SPEC 3): AES-256-GCM chunked format, SQLite and PostgreSQL, retention, schedule. */
export { BackupManager, backupOptionsFromConfig, BACKUP_EXTENSION, DEFAULT_BACKUP_KEEP, type BackupManagerOptions, type BackupTarget, type BackupInfo, type VerifyResult } from './backup-manager.js';
export { encryptStream, decryptStream, loadMasterKey, BACKUP_MAGIC, BACKUP_FORMAT_VERSION, DEFAULT_CHUNK_BYTES, DEFAULT_SCRYPT, type BackupHeader, type BackupKeySource } from './crypto-format.js';
export { exportPostgres, restorePostgres } from './postgres-dump.js';
