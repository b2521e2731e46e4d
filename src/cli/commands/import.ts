import { createReadStream, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { ValidationError, buildPlant, type Plant } from '../../domain/index.js';
import { BatchWriter, CSV_COLUMNS_HELP, Ingestor, importCsv, type CsvImportSummary } from '../../ingest/index.js';
import { createLogger } from '../../logging/index.js';
import { createStore, sqliteFilePath } from '../../store/index.js';
import type { Store } from '../../store/index.js';
import { configFor, printResult } from '../shared-options.js';

/** The machines a CSV may name: the plant saved in the store, else its machines, else the configured plant. */
async function knownPlant(store: Store, plantId: string, machineCount: number): Promise<Pick<Plant, 'id' | 'machines'>> {
  const saved = await store.loadPlant(plantId);
  if (saved) return saved;
  const machines = await store.listMachines();
  if (machines.length > 0) return { id: plantId, machines };
  return buildPlant({ plantId, machineCount });
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(`import history from a CSV file into the store; bad rows go to the dead-letter store as file:line (${CSV_COLUMNS_HELP})`)
    .requiredOption('--csv <file>', 'CSV file with a header row')
    .option('--machine <id>', 'every row belongs to this machine (no machineId column needed)')
    .option('--json', 'print the summary as JSON')
    .action(async function (this: Command, opts: { csv: string; machine?: string; json?: boolean }) {
      const config = configFor(this);
      const file = resolve(opts.csv);
      let totalBytes: number;
      try {
        totalBytes = statSync(file).size;
      } catch (err) {
        throw new ValidationError('PW_ERR_VALIDATION_CSV_FILE', `--csv ${opts.csv}: cannot read the file (${(err as Error).message})`, { cause: err });
      }
      // Logs go to stderr so that --json output stays clean.
      const logger = createLogger(config.log, process.stderr);
      const store = await createStore(config, logger);
      const bar = !opts.json && process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'importing {bar} {percentage}% | {rows} rows | {eta_formatted} left', stream: process.stderr }, cliProgress.Presets.shades_classic) : undefined;
      let lastLineMs = 0;
      let summary: CsvImportSummary;
      try {
        const plant = await knownPlant(store, config.plant.id, config.plant.machineCount);
        const writer = new BatchWriter({ store, logger, batchSize: config.store.batchSize, flushIntervalMs: config.store.flushIntervalMs });
        const ingestor = new Ingestor({ plant, ingest: config.ingest, writer, logger });
        bar?.start(totalBytes, 0, { rows: 0 });
        const importOptions = {
          fileName: basename(file),
          onProgress: (p: { rows: number; bytes: number }) => {
            if (bar) bar.update(p.bytes, { rows: p.rows });
            else if (Date.now() - lastLineMs > 2000 || p.bytes === totalBytes) {
              lastLineMs = Date.now();
              process.stderr.write(`importing ${basename(file)}: ${p.rows} rows, ${Math.round((100 * p.bytes) / Math.max(1, totalBytes))}%\n`);
            }
          },
          ...(opts.machine !== undefined ? { machineId: opts.machine } : {}),
        };
        summary = await importCsv(createReadStream(file), ingestor, importOptions);
        await writer.stop();
      } finally {
        bar?.stop();
        await store.close();
      }
      const where = config.store.kind === 'sqlite' ? sqliteFilePath(config) : 'PostgreSQL';
      printResult(!!opts.json, { ...summary, store: where }, () =>
        [
          `imported ${summary.file} into ${where}: ${summary.rows} rows in ${(summary.elapsedMs / 1000).toFixed(1)} s (${summary.rowsPerSecond} rows/s)`,
          `  stored ${summary.stored}, refused ${summary.rejected} (duplicates ${summary.duplicates}), single values refused ${summary.fieldsRejected}`,
          ...Object.entries(summary.rejectedByCode).map(([code, n]) => `  ${code}: ${n}`),
          summary.rejected + summary.fieldsRejected > 0 ? '  reasons are in the dead-letter store (source "csv", origin file:line)' : '',
        ]
          .filter((l) => l !== '')
          .join('\n'),
      );
    });
}
