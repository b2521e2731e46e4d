/**
 * Child process for worker-partition.test.ts: one scale-out worker started exactly as
 * `plantwatch worker --partition <i/n>` starts it (configuration from PLANTWATCH_* variables),
 * printing one line per committed reading so the test can see which worker ingested what.
 * Prints "READY <i/n> <owned machine ids, comma-separated>" once subscribed; SIGTERM stops it cleanly
 * and prints "STOPPED <ingest counters as JSON>".
 * Usage: node --import tsx worker-child.ts <i/n>
 */
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logging/index.js';
import { startWorker, workerOverrides } from '../../src/cli/commands/worker.js';

const [partition] = process.argv.slice(2);
const config = loadConfig({ env: process.env, overrides: workerOverrides({ partition: partition! }) });
const logger = createLogger({ level: 'warn', pretty: false }, process.stderr);
// From the first committed reading on (the backlog a restarted worker's session delivers at once).
// Stdout to a pipe is synchronous on Linux: a line written here survives a SIGKILL right after.
const app = await startWorker(config, logger, { onTelemetry: (t) => process.stdout.write(`T ${t.machineId} ${t.tsMs}\n`) });
process.stdout.write(`READY ${partition} ${app.ownedMachines.map((m) => m.id).join(',')}\n`);
process.once('SIGTERM', () => {
  void (async () => {
    await app.stop();
    process.stdout.write(`STOPPED ${JSON.stringify(app.ingestion.counters())}\n`);
    process.exit(0);
  })();
});
