import { formatPartition, ownsMachine, partitionOf, type DeadLetter, type Partition, type Plant, type Telemetry } from '../domain/index.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import type { BatchWriter, WriteItem, WriteOutcome } from './batch-writer.js';
import { WRITE_FAILED_CODE } from './batch-writer.js';
import { makeDeadLetter, storablePayload, type DeadLetterSource } from './dead-letter.js';
import { DedupeCache, DEFAULT_DEDUPE_CACHE_SIZE } from './dedupe-cache.js';
import { VALIDATION_CODES, buildMachineIndex, validateTelemetryObject, validateTelemetryPayload, type MachineIndex, type Rejection, type ValidationOptions, type ValidationResult } from './validate.js';

export interface IngestorOptions {
  /** The plant whose machines are known; only `id` and `machines` are read. */
  plant: Pick<Plant, 'id' | 'machines'>;
  /** Limits: maxPayloadBytes, maxFutureMs, maxAgeMs. */
  ingest: Config['ingest'];
  writer: BatchWriter;
  logger: Logger;
  /** Server clock; injectable for tests. Default Date.now. */
  clock?: () => number;
  /** Recent (machine, tsMs) keys kept to catch duplicates early. Default DEFAULT_DEDUPE_CACHE_SIZE. */
  dedupeCacheSize?: number;
  /**
   * Scale-out worker: accept only readings of machines this partition owns; others are refused with
   * `VALIDATION_CODES.notInPartition` (another worker stores them). Default: every machine of the plant.
   */
  partition?: Partition;
}

/** Where an input came from. */
export interface IngestSource {
  /** `mqtt`, `http` or `csv`. */
  source: 'mqtt' | 'http' | 'csv';
  /** MQTT topic, `POST /api/v1/telemetry[3]` or `file.csv:12`. */
  origin: string;
  /** Machine segment of the MQTT topic; must match the payload's machineId. */
  topicMachineId?: string;
  /** History import: exempt from `ingest.maxAgeMs`. */
  history?: boolean;
}

export interface IngestOutcome {
  /** True when the reading was accepted for storage (possibly with some fields refused). */
  accepted: boolean;
  /** Refusals found by validation (the whole message, or single fields). */
  rejections: Rejection[];
  /** Resolves once the reading and its dead letters are committed, with what happened to the reading. */
  committed: Promise<WriteOutcome>;
}

export interface IngestCounters {
  /** Messages received (valid or not). */
  received: number;
  /** Messages stored (including those with some fields refused). */
  accepted: number;
  /** Messages refused whole (including duplicates). */
  rejected: number;
  /** Single fields refused inside stored messages. */
  fieldsRejected: number;
  /** Duplicates (same machine and tsMs), found by the recent-key cache or by the store. */
  duplicates: number;
  /** Dead letters by code. */
  rejectedByCode: Record<string, number>;
}

export type TelemetryListener = (telemetry: Telemetry) => void;

/**
 * Validation, duplicate detection and counting in front of the {@link BatchWriter}; shared by the
 * MQTT, HTTP and CSV inputs so they behave the same.
 */
export class Ingestor {
  readonly plantId: string;
  private readonly machines: MachineIndex;
  private readonly dedupe: DedupeCache;
  private readonly clock: () => number;
  private readonly listeners = new Set<TelemetryListener>();
  private readonly stats: IngestCounters = { received: 0, accepted: 0, rejected: 0, fieldsRejected: 0, duplicates: 0, rejectedByCode: {} };

  constructor(private readonly options: IngestorOptions) {
    this.plantId = options.plant.id;
    this.machines = buildMachineIndex(options.plant.machines);
    this.dedupe = new DedupeCache(options.dedupeCacheSize ?? DEFAULT_DEDUPE_CACHE_SIZE);
    this.clock = options.clock ?? Date.now;
  }

  get writer(): BatchWriter {
    return this.options.writer;
  }

  /** Validates and queues a raw payload (MQTT message, NDJSON line). */
  ingestPayload(payload: Buffer | string, from: IngestSource): IngestOutcome {
    const receivedAtMs = this.clock();
    const result = validateTelemetryPayload(payload, this.validationOptions(receivedAtMs, from));
    return this.handle(result, from, receivedAtMs, () => storablePayload(payload));
  }

  /** Validates and queues an already parsed payload (an element of an HTTP batch, a CSV row). */
  ingestObject(input: unknown, from: IngestSource, raw?: () => string): IngestOutcome {
    const receivedAtMs = this.clock();
    const result = validateTelemetryObject(input, this.validationOptions(receivedAtMs, from));
    return this.handle(result, from, receivedAtMs, () => storablePayload(raw ? raw() : safeStringify(input)));
  }

  /**
   * Dead-letters an input refused before validation could see it (a CSV row that does not parse,
   * an HTTP body line that is not JSON), counted like any other refusal.
   */
  reject(from: IngestSource, rejection: Rejection, payload: Buffer | string): IngestOutcome {
    this.stats.received++;
    this.stats.rejected++;
    this.count(rejection.code);
    const letter = makeDeadLetter({ source: from.source, origin: from.origin, receivedAtMs: this.clock() }, rejection.code, rejection.reason, storablePayload(payload));
    return { accepted: false, rejections: [rejection], committed: handled(this.options.writer.write({ deadLetters: [letter] })) };
  }

  /** Called with every reading once it is committed (for detectors and live views). */
  onTelemetry(listener: TelemetryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  counters(): IngestCounters {
    return { ...this.stats, rejectedByCode: { ...this.stats.rejectedByCode } };
  }

  private validationOptions(nowMs: number, from: IngestSource): ValidationOptions {
    const base: ValidationOptions = {
      machines: this.machines,
      nowMs,
      maxPayloadBytes: this.options.ingest.maxPayloadBytes,
      maxFutureMs: this.options.ingest.maxFutureMs,
      maxAgeMs: from.history ? null : this.options.ingest.maxAgeMs,
    };
    if (from.topicMachineId !== undefined) base.topicMachineId = from.topicMachineId;
    return base;
  }

  /** @internal counts a dead letter by code (also used by {@link AcceptedReading}). */
  count(code: string): void {
    this.stats.rejectedByCode[code] = (this.stats.rejectedByCode[code] ?? 0) + 1;
  }

  private handle(result: ValidationResult, from: IngestSource, receivedAtMs: number, payloadText: () => string): IngestOutcome {
    this.stats.received++;
    const where: DeadLetterSource = { source: from.source, origin: from.origin, receivedAtMs };
    if (!result.ok) {
      this.stats.rejected++;
      this.count(result.rejection.code);
      const letter = makeDeadLetter(where, result.rejection.code, result.rejection.reason, payloadText(), result.machineId);
      return { accepted: false, rejections: [result.rejection], committed: handled(this.options.writer.write({ deadLetters: [letter] })) };
    }
    const t = result.telemetry;
    const partition = this.options.partition;
    if (partition && !ownsMachine(partition, t.machineId)) {
      const rejection: Rejection = {
        code: VALIDATION_CODES.notInPartition,
        field: 'machineId',
        reason: `machineId: ${t.machineId} belongs to partition ${partitionOf(t.machineId, partition.count)}/${partition.count}; this worker owns ${formatPartition(partition)}`,
      };
      this.stats.rejected++;
      this.count(rejection.code);
      const letter = makeDeadLetter(where, rejection.code, rejection.reason, payloadText(), t.machineId);
      return { accepted: false, rejections: [rejection], committed: handled(this.options.writer.write({ deadLetters: [letter] })) };
    }
    if (!this.dedupe.add(t.machineId, t.tsMs)) {
      const rejection: Rejection = { code: VALIDATION_CODES.duplicate, field: 'tsMs', reason: `tsMs: a reading for ${t.machineId} at ${t.tsMs} (${new Date(t.tsMs).toISOString()}) was already received` };
      this.stats.rejected++;
      this.stats.duplicates++;
      this.count(rejection.code);
      const letter = makeDeadLetter(where, rejection.code, rejection.reason, payloadText(), t.machineId);
      return { accepted: false, rejections: [rejection], committed: handled(this.options.writer.write({ deadLetters: [letter] }).then(() => 'duplicate' as const)) };
    }
    const item = new AcceptedReading(this, t, where, payloadText);
    for (const r of result.fieldRejections) {
      this.stats.fieldsRejected++;
      this.count(r.code);
      item.deadLetters.push(makeDeadLetter(where, r.code, r.reason, item.text(), t.machineId));
    }
    const committed = this.options.writer.write(item).then(
      (outcome) => {
        if (outcome === 'stored') {
          this.stats.accepted++;
          if (this.listeners.size > 0) this.emit(t);
        } else if (outcome === 'duplicate') {
          this.stats.rejected++;
          this.stats.duplicates++;
        } else {
          this.stats.rejected++;
        }
        return outcome;
      },
      (err: unknown) => {
        // Not stored (shutdown with the store down): forget the key so a resend is not a duplicate.
        this.dedupe.delete(t.machineId, t.tsMs);
        throw err;
      },
    );
    return { accepted: true, rejections: result.fieldRejections, committed: handled(committed) };
  }

  private emit(t: Telemetry): void {
    for (const listener of this.listeners) {
      try {
        listener(t);
      } catch (err) {
        this.options.logger.error({ err }, 'telemetry listener failed');
      }
    }
  }
}

/**
 * A reading on its way to the store. A class rather than per-message closures: the hot path
 * allocates less, and tsx's keepNames wraps every named closure in a defineProperty call.
 */
class AcceptedReading implements WriteItem {
  readonly deadLetters: DeadLetter[] = [];
  private payloadText: string | undefined;

  constructor(
    private readonly ingestor: Ingestor,
    readonly telemetry: Telemetry,
    private readonly where: DeadLetterSource,
    private readonly makeText: () => string,
  ) {}

  text(): string {
    return (this.payloadText ??= this.makeText());
  }

  duplicateLetter(): DeadLetter {
    const t = this.telemetry;
    this.ingestor.count(VALIDATION_CODES.duplicate);
    return makeDeadLetter(this.where, VALIDATION_CODES.duplicate, `tsMs: a reading for ${t.machineId} at ${t.tsMs} (${new Date(t.tsMs).toISOString()}) is already stored`, this.text(), t.machineId);
  }

  failedLetter(reason: string): DeadLetter {
    this.ingestor.count(WRITE_FAILED_CODE);
    return makeDeadLetter(this.where, WRITE_FAILED_CODE, reason, this.text(), this.telemetry.machineId);
  }
}

/**
 * Marks a commit promise as handled so that a caller which does not wait for it cannot crash the
 * process with an unhandled rejection; callers that await it still see the error.
 */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
