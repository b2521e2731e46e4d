/** CSV import of history: the library function into SQLite, and the `plantwatch import` command. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/index.js';
import { buildPlant } from '../../src/domain/index.js';
import { createLogger } from '../../src/logging/index.js';
import { openSqliteStore } from '../../src/store/index.js';
import { BatchWriter, Ingestor, VALIDATION_CODES as C, importCsv } from '../../src/ingest/index.js';

const run = promisify(execFile);
const DAY = 86_400_000;

describe('CSV import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-csv-'));
  const plant = buildPlant({ machineCount: 5 });
  const logger = createLogger({ level: 'silent', pretty: false });
  const old = Date.now() - 30 * DAY; // older than maxAgeMs: history is exempt
  const csv = [
    'tsMs,machineId,temperature,humidity,current',
    `${old},asm-001,40.5,50,12.5`, // line 2
    `${old + 5000},asm-002,41,,12`, // line 3: empty cell = null
    `${old + 10_000},asm-001,250,50,1`, // line 4: out of range -> stored with temperature null
    `${old + 15_000},ghost-1,20,50,1`, // line 5: unknown machine
    `${old + 20_000},asm-001,NaN,50,1`, // line 6: NaN
    `${old + 25_000},asm-001,20,50`, // line 7: wrong column count
    `${old},asm-001,20,50,1`, // line 8: duplicate of line 2
    `${Date.now() + 365 * DAY},asm-001,20,50,1`, // line 9: far future
    '',
  ].join('\n');

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores good rows and dead-letters bad ones as file:line', async () => {
    const store = await openSqliteStore({ file: join(dir, 'lib.db') });
    try {
      const writer = new BatchWriter({ store, logger, batchSize: 100, flushIntervalMs: 10 });
      const ingestor = new Ingestor({ plant, ingest: DEFAULT_CONFIG.ingest, writer, logger });
      const summary = await importCsv(Readable.from([csv]), ingestor, { fileName: 'h.csv' });
      await writer.stop();
      expect(summary).toMatchObject({ file: 'h.csv', rows: 8, stored: 4, rejected: 4, duplicates: 1, fieldsRejected: 2 });
      expect(summary.rejectedByCode).toEqual({ [C.range]: 1, [C.unknownMachine]: 1, [C.notFinite]: 1, [C.schema]: 1, [C.duplicate]: 1, [C.tsFuture]: 1 });
      expect(await store.queryTelemetry({ machineId: 'asm-002', fromMs: 0, toMs: Date.now() })).toEqual([{ machineId: 'asm-002', tsMs: old + 5000, values: { temperature: 41, humidity: null, current: 12 } }]);
      const rows = await store.queryTelemetry({ machineId: 'asm-001', fromMs: 0, toMs: Date.now() });
      expect(rows.map((r) => r.values.temperature)).toEqual([40.5, null, null]);
      const letters = await store.queryDeadLetters({ source: 'csv' });
      const byOrigin = Object.fromEntries(letters.map((l) => [l.origin, `${l.code} ${l.reason}`]));
      expect(byOrigin).toEqual({
        'h.csv:4': `${C.range} values.temperature: 250 is above the HTS221 maximum 120 C`,
        'h.csv:5': `${C.unknownMachine} machineId: the string "ghost-1" is not a machine of this plant`,
        'h.csv:6': `${C.notFinite} values.temperature: the string "NaN" is not a finite number`,
        'h.csv:7': `${C.schema} row: has 4 columns, the header has 5`,
        'h.csv:8': expect.stringMatching(new RegExp(`^${C.duplicate} tsMs: a reading for asm-001 at ${old} `)),
        'h.csv:9': expect.stringMatching(new RegExp(`^${C.tsFuture} tsMs: `)),
      });
    } finally {
      await store.close();
    }
  });

  it('fails fast on a header it cannot use, naming the column', async () => {
    const store = await openSqliteStore({ file: ':memory:' });
    const writer = new BatchWriter({ store, logger, batchSize: 100, flushIntervalMs: 10 });
    const ingestor = new Ingestor({ plant, ingest: DEFAULT_CONFIG.ingest, writer, logger });
    await expect(importCsv(Readable.from(['tsMs,machineId,temprature\n1,asm-001,3\n']), ingestor, { fileName: 'x.csv' })).rejects.toMatchObject({ code: 'PW_ERR_VALIDATION_CSV_HEADER', message: expect.stringMatching(/^x\.csv:1: unknown column "temprature"; expected columns: tsMs\|ts, machineId/) });
    await expect(importCsv(Readable.from(['tsMs,temperature\n1,3\n']), ingestor, { fileName: 'x.csv' })).rejects.toMatchObject({ code: 'PW_ERR_VALIDATION_CSV_HEADER', message: 'x.csv:1: no machineId column; add one or pass --machine <id>' });
    await writer.stop();
    await store.close();
  });

  it('plantwatch import --csv FILE --machine ID --json prints the summary', async () => {
    const file = join(dir, 'one-machine.csv');
    writeFileSync(file, `ts,temperature,vibration\n${new Date(old).toISOString()},30,1.5\n${new Date(old + 5000).toISOString()},31,200\n`);
    const { stdout } = await run(process.execPath, ['bin/plantwatch.js', 'import', '--csv', file, '--machine', 'wld-001', '--json'], { env: { ...process.env, PLANTWATCH_DATA_DIR: join(dir, 'cli-data'), PLANTWATCH_LOG_LEVEL: 'warn' } });
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ file: 'one-machine.csv', rows: 2, stored: 2, rejected: 0, fieldsRejected: 1, rejectedByCode: { [C.range]: 1 }, store: join(dir, 'cli-data', 'plantwatch.db') });
    const failed = await run(process.execPath, ['bin/plantwatch.js', 'import', '--csv', join(dir, 'missing.csv')], { env: { ...process.env, PLANTWATCH_DATA_DIR: join(dir, 'cli-data') } }).catch((err: { code: number; stderr: string }) => err);
    expect((failed as { code: number }).code).toBe(2);
    expect((failed as { stderr: string }).stderr).toMatch(/PW_ERR_VALIDATION_CSV_FILE: --csv .*missing\.csv: cannot read the file/);
  });
});
