import pg from 'pg';
import { BackupError } from '../domain/index.js';

/** Rows fetched per round trip while exporting. */
export const PG_FETCH_ROWS = 5000;
/** Rows per INSERT while restoring (kept under PostgreSQL's 65 535 parameters). */
const PG_INSERT_PARAMS = 30_000;

// Every value travels as PostgreSQL's own text form (bigint, double incl. NaN, jsonb, bytea), so a
// restore casts it back exactly; JSON numbers would lose NaN and 64-bit integers.
const textTypes = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

async function tables(client: pg.ClientBase): Promise<string[]> {
  const r = await client.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename");
  return r.rows.map((x) => x.t);
}

/** A schema other than the URL's default (tests, several plants on one server). */
export function searchPath(schema: string | undefined): { options?: string } {
  if (schema === undefined) return {};
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new BackupError('PW_ERR_BACKUP_CONFIG', `PostgreSQL schema must be lowercase letters, digits and _, got ${JSON.stringify(schema)}`);
  return { options: `-c search_path=${schema}` };
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Logical export of every table of the current schema in one REPEATABLE READ snapshot, as NDJSON:
 * `{"table":..,"columns":[..]}` then `{"r":[values as text or null]}` per row.
 */
export async function* exportPostgres(url: string, schema?: string): AsyncGenerator<string> {
  const client = new pg.Client({ connectionString: url, types: textTypes, ...searchPath(schema) });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    for (const table of await tables(client)) {
      await client.query(`DECLARE dump_cursor NO SCROLL CURSOR FOR SELECT * FROM ${ident(table)}`);
      let first = true;
      for (;;) {
        const res = await client.query({ text: `FETCH ${PG_FETCH_ROWS} FROM dump_cursor`, rowMode: 'array' });
        if (first) {
          yield `${JSON.stringify({ table, columns: res.fields.map((f) => f.name) })}\n`;
          first = false;
        }
        if (res.rows.length === 0) break;
        yield res.rows.map((r) => `${JSON.stringify({ r })}\n`).join('');
      }
      await client.query('CLOSE dump_cursor');
    }
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

/** Splits a stream of text chunks into lines. */
async function* lines(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let rest = '';
  for await (const c of chunks) {
    rest += c.toString('utf8');
    let i: number;
    while ((i = rest.indexOf('\n')) >= 0) {
      yield rest.slice(0, i);
      rest = rest.slice(i + 1);
    }
  }
  if (rest.length > 0) yield rest;
}

/**
 * Replaces every table's rows with the dump's, in one transaction (all or nothing), then moves
 * serial sequences past the restored ids. The target must be migrated to the dump's schema version.
 */
export async function restorePostgres(url: string, ndjson: AsyncIterable<Buffer>, expectedSchemaVersion: number, schema?: string): Promise<{ tables: number; rows: number }> {
  const client = new pg.Client({ connectionString: url, ...searchPath(schema) });
  await client.connect();
  let rows = 0;
  let tableCount = 0;
  try {
    await client.query('BEGIN');
    const present = new Set(await tables(client));
    if (!present.has('schema_migrations')) throw new BackupError('PW_ERR_BACKUP_SCHEMA', 'the target database has no plantwatch schema; start plantwatch once against it (it migrates), then restore');
    const version = Number((await client.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations')).rows[0]!.v);
    if (version !== expectedSchemaVersion) {
      throw new BackupError('PW_ERR_BACKUP_SCHEMA', `the backup has schema version ${expectedSchemaVersion}, the target database ${version}; restore with the plantwatch version that made the backup`);
    }
    await client.query(`TRUNCATE ${[...present].map(ident).join(', ')}`);
    let table = '';
    let columns: string[] = [];
    let batch: unknown[][] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const params: unknown[] = [];
      const values = batch.map((r) => `(${r.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`).join(', ');
      await client.query(`INSERT INTO ${ident(table)} (${columns.map(ident).join(', ')}) VALUES ${values}`, params);
      rows += batch.length;
      batch = [];
    };
    for await (const line of lines(ndjson)) {
      if (line.length === 0) continue;
      const obj = JSON.parse(line) as { table?: string; columns?: string[]; r?: unknown[] };
      if (obj.table !== undefined) {
        await flush();
        if (!present.has(obj.table)) throw new BackupError('PW_ERR_BACKUP_SCHEMA', `the backup holds table "${obj.table}", which the target database lacks`);
        table = obj.table;
        columns = obj.columns ?? [];
        tableCount++;
      } else if (obj.r) {
        batch.push(obj.r);
        if ((batch.length + 1) * columns.length > PG_INSERT_PARAMS) await flush();
      }
    }
    await flush();
    const serials = await client.query<{ t: string; c: string }>(
      "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'",
    );
    for (const { t, c } of serials.rows) {
      await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(${ident(c)}) FROM ${ident(t)}), 0) + 1, false)`, [t, c]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
  return { tables: tableCount, rows };
}
