/**
 * Ingestion (SPEC 2): MQTT (embedded aedes broker or an external one), HTTP batches and CSV import,
 * validated, deduplicated and written in batches; refusals go to the dead-letter store.
 */
export { startIngestion, subscriberClientId, type StartIngestionOptions, type RunningIngestion, type IngestionCounters } from './start-ingestion.js';
export { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from './mqtt/embedded-broker.js';
export { attachToEmbeddedBroker } from './mqtt/embedded-ingest.js';
export { startExternalSubscriber, redactUrl, DEFAULT_SUBSCRIBE_BATCH_SIZE, type ExternalSubscriber, type ExternalSubscriberOptions } from './mqtt/external-subscriber.js';
export { Ingestor, type IngestorOptions, type IngestSource, type IngestOutcome, type IngestCounters, type TelemetryListener } from './ingestor.js';
export { BatchWriter, WRITE_FAILED_CODE, DEFAULT_GROUP_COMMIT_DELAY_MS, type BatchWriterOptions, type BatchWriterCounters, type WriteItem, type WriteOutcome } from './batch-writer.js';
export {
  VALIDATION_CODES,
  buildMachineIndex,
  validateTelemetryObject,
  validateTelemetryPayload,
  type MachineIndex,
  type Rejection,
  type ValidationCode,
  type ValidationOptions,
  type ValidationResult,
} from './validate.js';
export { DedupeCache, DEFAULT_DEDUPE_CACHE_SIZE } from './dedupe-cache.js';
export { storablePayload, DEAD_LETTER_PAYLOAD_MAX_CHARS } from './dead-letter.js';
export { importCsv, CSV_COLUMNS_HELP, type CsvImportOptions, type CsvImportSummary, type CsvProgress } from './csv-import.js';
