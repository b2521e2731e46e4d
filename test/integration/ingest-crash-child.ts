/**
 * Child process for ingest-crash.test.ts: embedded broker + ingestion + SQLite on the file and port
 * given as arguments. Prints "READY <port>" once it accepts messages; SIGTERM stops it cleanly.
 * Usage: node --import tsx ingest-crash-child.ts <db-file> <port> <plant-id> <machines>
 */
import { DEFAULT_CONFIG, type Config } from '../../src/config/index.js';
import { buildPlant } from '../../src/domain/index.js';
import { createLogger } from '../../src/logging/index.js';
import { openSqliteStore } from '../../src/store/index.js';
import { startEmbeddedBroker, startIngestion } from '../../src/ingest/index.js';

const [file, portArg, plantId, machinesArg] = process.argv.slice(2);
const logger = createLogger({ level: 'warn', pretty: false }, process.stderr);
const plant = buildPlant({ plantId: plantId!, machineCount: Number(machinesArg) });
const store = await openSqliteStore({ file: file!, logger });
await store.savePlant(plant);
const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: Number(portArg), logger });
const config: Config = { ...DEFAULT_CONFIG, store: { ...DEFAULT_CONFIG.store, batchSize: 1000, flushIntervalMs: 20 } };
const ingestion = await startIngestion({ config, store, plant, logger, broker });
process.stdout.write(`READY ${broker.port}\n`);
process.once('SIGTERM', () => {
  void (async () => {
    await ingestion.stop();
    await broker.close();
    await store.close();
    process.stdout.write(`STOPPED ${JSON.stringify(ingestion.counters())}\n`);
    process.exit(0);
  })();
});
