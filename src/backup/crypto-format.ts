import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { BackupError } from '../domain/index.js';

/**
 * Backup file format, version 1 (all integers big-endian):
 *   "PWBK" | u8 version | u32 header length | header JSON (UTF-8)
 *   then chunks: u32 plaintext length | u8 final flag | 16-byte GCM tag | ciphertext
 * Each chunk is AES-256-GCM with nonce = header.noncePrefix (8 bytes) || u32 chunk index, and
 * additional data = header bytes || u32 index || final flag, so chunks cannot be reordered, dropped,
 * moved between files, or the file cut short after a chunk (the last chunk must say final).
 * The key is HKDF(master, salt) where master is the key file's 32 bytes or scrypt(passphrase, salt).
 * `keyCheck` (HMAC of a constant under the file key) tells a wrong key from a tampered file.
 */
export const BACKUP_MAGIC = Buffer.from('PWBK');
export const BACKUP_FORMAT_VERSION = 1;
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
/** scrypt cost: N = 2^15, r = 8, p = 1 (RFC 7914 interactive-use figures; ~100 ms, 32 MiB). */
export const DEFAULT_SCRYPT = Object.freeze({ N: 32_768, r: 8, p: 1 });
const MAX_HEADER_BYTES = 64 * 1024;

export interface BackupHeader {
  format: 'plantwatch-backup';
  version: number;
  kdf: { kind: 'scrypt'; N: number; r: number; p: number } | { kind: 'keyfile' };
  salt: string;
  noncePrefix: string;
  keyCheck: string;
  chunkBytes: number;
  createdAtMs: number;
  /** What the payload is: a SQLite database file, or NDJSON of every PostgreSQL table. */
  payload: 'sqlite-file' | 'postgres-ndjson';
  schemaVersion: number;
}

/** Where the key comes from: a key file (32 raw bytes or 64 hex characters) or a passphrase. */
export type BackupKeySource = { keyFile: string } | { passphrase: string };

export async function loadMasterKey(source: BackupKeySource): Promise<{ kind: 'keyfile'; key: Buffer } | { kind: 'passphrase'; passphrase: string }> {
  if ('passphrase' in source) {
    if (source.passphrase.length < 12) throw new BackupError('PW_ERR_BACKUP_KEY', `the backup passphrase must be at least 12 characters, got ${source.passphrase.length}`);
    return { kind: 'passphrase', passphrase: source.passphrase };
  }
  let raw: Buffer;
  try {
    raw = await readFile(source.keyFile);
  } catch (err) {
    throw new BackupError('PW_ERR_BACKUP_KEY', `cannot read backup key file "${source.keyFile}": ${(err as Error).message}`, 500, { cause: err });
  }
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return { kind: 'keyfile', key: Buffer.from(text, 'hex') };
  if (raw.length === 32) return { kind: 'keyfile', key: raw };
  throw new BackupError('PW_ERR_BACKUP_KEY', `backup key file "${source.keyFile}" must hold 32 bytes or 64 hex characters, got ${raw.length} bytes (make one with: openssl rand -hex 32)`);
}

function scrypt(passphrase: string, salt: Buffer, p: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(passphrase, salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

async function fileKey(master: Awaited<ReturnType<typeof loadMasterKey>>, header: BackupHeader): Promise<Buffer> {
  const salt = Buffer.from(header.salt, 'base64');
  let ikm: Buffer;
  if (header.kdf.kind === 'scrypt') {
    if (master.kind !== 'passphrase') throw new BackupError('PW_ERR_BACKUP_WRONG_KEY', 'this backup was encrypted with a passphrase; give the passphrase, not a key file', 400);
    ikm = await scrypt(master.passphrase, salt, header.kdf);
  } else {
    if (master.kind !== 'keyfile') throw new BackupError('PW_ERR_BACKUP_WRONG_KEY', 'this backup was encrypted with a key file; give the key file, not a passphrase', 400);
    ikm = master.key;
  }
  return Buffer.from(hkdfSync('sha256', ikm, salt, 'plantwatch backup v1', 32));
}

const keyCheckOf = (key: Buffer): string => createHmac('sha256', key).update('plantwatch-backup-key-check').digest('base64');

function aad(headerBytes: Buffer, index: number, final: boolean): Buffer {
  const tail = Buffer.alloc(5);
  tail.writeUInt32BE(index, 0);
  tail[4] = final ? 1 : 0;
  return Buffer.concat([headerBytes, tail]);
}

function nonce(prefix: Buffer, index: number): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0, 0, 8);
  n.writeUInt32BE(index, 8);
  return n;
}

/** Encrypts a plaintext stream into backup chunks (an async generator of file bytes). */
export async function* encryptStream(
  plaintext: AsyncIterable<Buffer | string>,
  source: BackupKeySource,
  meta: Pick<BackupHeader, 'payload' | 'schemaVersion'>,
  chunkBytes = DEFAULT_CHUNK_BYTES,
  scryptParams = DEFAULT_SCRYPT,
): AsyncGenerator<Buffer> {
  const master = await loadMasterKey(source);
  const salt = randomBytes(16);
  const noncePrefix = randomBytes(8);
  const partial: BackupHeader = {
    format: 'plantwatch-backup',
    version: BACKUP_FORMAT_VERSION,
    kdf: master.kind === 'passphrase' ? { kind: 'scrypt', ...scryptParams } : { kind: 'keyfile' },
    salt: salt.toString('base64'),
    noncePrefix: noncePrefix.toString('base64'),
    keyCheck: '',
    chunkBytes,
    createdAtMs: Date.now(),
    ...meta,
  };
  const key = await fileKey(master, partial);
  const header: BackupHeader = { ...partial, keyCheck: keyCheckOf(key) };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const pre = Buffer.alloc(9);
  BACKUP_MAGIC.copy(pre, 0);
  pre[4] = BACKUP_FORMAT_VERSION;
  pre.writeUInt32BE(headerBytes.length, 5);
  yield Buffer.concat([pre, headerBytes]);

  let index = 0;
  let pending = Buffer.alloc(0);
  const seal = (plain: Buffer, final: boolean): Buffer => {
    const cipher = createCipheriv('aes-256-gcm', key, nonce(noncePrefix, index));
    cipher.setAAD(aad(headerBytes, index, final));
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    const head = Buffer.alloc(5);
    head.writeUInt32BE(plain.length, 0);
    head[4] = final ? 1 : 0;
    index++;
    return Buffer.concat([head, cipher.getAuthTag(), ct]);
  };
  for await (const piece of plaintext) {
    pending = Buffer.concat([pending, typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece]);
    while (pending.length > chunkBytes) {
      yield seal(pending.subarray(0, chunkBytes), false);
      pending = pending.subarray(chunkBytes);
    }
  }
  yield seal(pending, true);
}

/** Reads exactly n bytes from a byte stream reader, or fewer at the end. */
class ByteReader {
  private buf = Buffer.alloc(0);
  private done = false;
  private readonly it: AsyncIterator<Buffer>;
  constructor(stream: Readable | AsyncIterable<Buffer>) {
    this.it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }
  async read(n: number): Promise<Buffer> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.buf = Buffer.concat([this.buf, r.value]);
    }
    const out = this.buf.subarray(0, Math.min(n, this.buf.length));
    this.buf = this.buf.subarray(out.length);
    return out;
  }
}

/** Reads and checks the header only. */
async function readHeader(reader: ByteReader, name: string): Promise<{ header: BackupHeader; headerBytes: Buffer }> {
  const pre = await reader.read(9);
  if (pre.length < 9 || !pre.subarray(0, 4).equals(BACKUP_MAGIC)) throw new BackupError('PW_ERR_BACKUP_FORMAT', `"${name}" is not a plantwatch backup (no PWBK signature)`, 400);
  if (pre[4] !== BACKUP_FORMAT_VERSION) throw new BackupError('PW_ERR_BACKUP_FORMAT', `"${name}" is backup format version ${pre[4]}; this plantwatch reads version ${BACKUP_FORMAT_VERSION}`, 400);
  const len = pre.readUInt32BE(5);
  if (len > MAX_HEADER_BYTES) throw new BackupError('PW_ERR_BACKUP_FORMAT', `"${name}": header length ${len} is implausible; the file is damaged`, 400);
  const headerBytes = await reader.read(len);
  let header: BackupHeader;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as BackupHeader;
  } catch (err) {
    throw new BackupError('PW_ERR_BACKUP_TAMPERED', `"${name}": the header is not valid JSON; the file was altered or damaged`, 400, { cause: err });
  }
  if (header.format !== 'plantwatch-backup' || typeof header.salt !== 'string' || typeof header.keyCheck !== 'string') {
    throw new BackupError('PW_ERR_BACKUP_TAMPERED', `"${name}": the header lacks required fields; the file was altered or damaged`, 400);
  }
  return { header, headerBytes };
}

/**
 * Decrypts a backup, yielding plaintext chunks only after each chunk's tag checks. Wrong key:
 * PW_ERR_BACKUP_WRONG_KEY; any altered byte: PW_ERR_BACKUP_TAMPERED; cut short: PW_ERR_BACKUP_TRUNCATED.
 */
export async function* decryptStream(input: Readable | AsyncIterable<Buffer>, source: BackupKeySource, name: string, onHeader?: (h: BackupHeader) => void): AsyncGenerator<Buffer> {
  const reader = new ByteReader(input);
  const { header, headerBytes } = await readHeader(reader, name);
  const key = await fileKey(await loadMasterKey(source), header).catch((err: unknown) => {
    if (err instanceof BackupError) throw err;
    throw new BackupError('PW_ERR_BACKUP_TAMPERED', `"${name}": the key-derivation parameters are invalid; the file was altered`, 400, { cause: err });
  });
  const check = Buffer.from(keyCheckOf(key), 'base64');
  const stored = Buffer.from(header.keyCheck, 'base64');
  if (check.length !== stored.length || !timingSafeEqual(check, stored)) {
    throw new BackupError('PW_ERR_BACKUP_WRONG_KEY', `"${name}": wrong backup key or passphrase (the key check does not match)`, 400);
  }
  onHeader?.(header);
  const prefix = Buffer.from(header.noncePrefix, 'base64');
  for (let index = 0; ; index++) {
    const head = await reader.read(21);
    if (head.length === 0) throw new BackupError('PW_ERR_BACKUP_TRUNCATED', `"${name}": the file ends after chunk ${index} without the final chunk; it was cut short`, 400);
    if (head.length < 21) throw new BackupError('PW_ERR_BACKUP_TRUNCATED', `"${name}": chunk ${index} is cut short`, 400);
    const len = head.readUInt32BE(0);
    const final = head[4] === 1;
    if (len > header.chunkBytes) throw new BackupError('PW_ERR_BACKUP_TAMPERED', `"${name}": chunk ${index} claims ${len} bytes, more than the chunk size ${header.chunkBytes}`, 400);
    const ct = await reader.read(len);
    if (ct.length < len) throw new BackupError('PW_ERR_BACKUP_TRUNCATED', `"${name}": chunk ${index} is cut short`, 400);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce(prefix, index));
    decipher.setAAD(aad(headerBytes, index, final));
    decipher.setAuthTag(head.subarray(5, 21));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(ct), decipher.final()]);
    } catch (err) {
      throw new BackupError('PW_ERR_BACKUP_TAMPERED', `"${name}": chunk ${index} fails authentication; the file was altered or damaged`, 400, { cause: err });
    }
    yield plain;
    if (final) {
      if ((await reader.read(1)).length > 0) throw new BackupError('PW_ERR_BACKUP_TAMPERED', `"${name}": data follows the final chunk; the file was altered`, 400);
      return;
    }
  }
}
