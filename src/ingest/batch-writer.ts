import { StoreError, type DeadLetter, type Telemetry } from '../domain/index.js';
import type { Logger } from '../logging/index.js';
import type { Store } from '../store/index.js';

/** Refused by the store even when written alone (after the batch kept failing). */
export const WRITE_FAILED_CODE = 'PW_ERR_INGEST_WRITE_FAILED';

export const DEFAULT_MAX_QUEUE_BATCHES = 20;
export const DEFAULT_RETRY_BASE_MS = 100;
export const DEFAULT_RETRY_MAX_MS = 5_000;
export const DEFAULT_SPLIT_AFTER_FAILURES = 3;
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;
export const DEFAULT_GROUP_COMMIT_DELAY_MS = 0;

export interface BatchWriterOptions {
  /** Where batches go; `writeTelemetry` runs one transaction per call. */
  store: Pick<Store, 'writeTelemetry' | 'writeDeadLetters'>;
  logger: Logger;
  /** Most readings per transaction (`store.batchSize`). */
  batchSize: number;
  /** Longest a reading waits before its batch is flushed (`store.flushIntervalMs`). */
  flushIntervalMs: number;
  /** Queued readings above which the writer reports itself saturated. Default DEFAULT_MAX_QUEUE_BATCHES x batchSize. */
  maxQueueRows?: number;
  /** First retry delay after a failed write; doubles up to `retryMaxMs`. Default DEFAULT_RETRY_BASE_MS. */
  retryBaseMs?: number;
  /** Default DEFAULT_RETRY_MAX_MS. */
  retryMaxMs?: number;
  /**
   * Group commit: flush this long after the first reading arrives (0: as soon as the event loop has
   * taken in what arrived, via setImmediate) instead of waiting for `flushIntervalMs`; batches then
   * form from whatever accumulates meanwhile and while the previous batch is written. Publishers
   * wait for their PUBACK, so waiting for the full interval only adds idle time. `null` turns group
   * commit off (flush every `flushIntervalMs`). Default DEFAULT_GROUP_COMMIT_DELAY_MS.
   */
  groupCommitDelayMs?: number | null;
  /** After this many failed attempts a batch is written row by row, so one poison row cannot block the stream. Default DEFAULT_SPLIT_AFTER_FAILURES. */
  splitAfterFailures?: number;
}

/** What happened to one queued item once its batch was committed. */
export type WriteOutcome = 'stored' | 'duplicate' | 'dead-lettered';

export interface WriteItem {
  /** The reading to store; absent when the whole message was refused. */
  telemetry?: Telemetry;
  /** Refusals to keep (the whole message, or single fields of a stored one). */
  deadLetters: DeadLetter[];
  /** Builds the dead letter when the store reports the reading as a duplicate. */
  duplicateLetter?: () => DeadLetter;
  /** Builds the dead letter when the store refuses the reading even alone. */
  failedLetter?: (reason: string) => DeadLetter;
}

export interface BatchWriterCounters {
  /** Readings committed. */
  inserted: number;
  /** Readings the store reported as already stored. */
  duplicates: number;
  /** Dead letters committed. */
  deadLetters: number;
  /** Committed transactions (batches). */
  flushes: number;
  /** Failed write attempts (each retried). */
  flushFailures: number;
  /** Items waiting or being written. */
  queueDepth: number;
  /** Duration of the last flush, ms. */
  lastFlushMs: number;
  /** Longest flush so far, ms. */
  maxFlushMs: number;
}

interface Pending {
  item: WriteItem;
  resolve(outcome: WriteOutcome): void;
  reject(err: Error): void;
}

/**
 * Buffers accepted readings and dead letters and writes them in batches of at most `batchSize`:
 * by default as soon as the event loop has taken in what arrived (group commit, see `groupCommitDelayMs`),
 * otherwise every `flushIntervalMs`; a full batch is written at once. `write()` resolves only after the item's batch is
 * committed, which is what lets MQTT acknowledge a reading only once it is durable.
 * A failing write is logged and retried with backoff; it never throws out of the writer.
 */
export class BatchWriter {
  private queue: Pending[] = [];
  private queuedReadings = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private flushing: Promise<void> | undefined;
  private stopped = false;
  private abandoned = false;
  private readonly waiters: Array<() => void> = [];
  private readonly maxQueueRows: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly splitAfterFailures: number;
  private readonly stats: Omit<BatchWriterCounters, 'queueDepth'> = { inserted: 0, duplicates: 0, deadLetters: 0, flushes: 0, flushFailures: 0, lastFlushMs: 0, maxFlushMs: 0 };

  constructor(private readonly options: BatchWriterOptions) {
    this.maxQueueRows = options.maxQueueRows ?? DEFAULT_MAX_QUEUE_BATCHES * options.batchSize;
    this.retryBaseMs = options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
    this.retryMaxMs = options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
    this.splitAfterFailures = options.splitAfterFailures ?? DEFAULT_SPLIT_AFTER_FAILURES;
  }

  /** Queues an item; resolves once its batch is committed. */
  write(item: WriteItem): Promise<WriteOutcome> {
    if (this.stopped) return Promise.reject(new StoreError('PW_ERR_STORE_WRITER_STOPPED', 'the ingestion writer is stopped; nothing more is accepted'));
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (item.telemetry) this.queuedReadings++;
      if (this.queuedReadings >= this.options.batchSize) this.kick();
      else if (!this.flushing) this.schedule();
    });
  }

  private schedule(): void {
    const delayMs = this.options.groupCommitDelayMs === undefined ? DEFAULT_GROUP_COMMIT_DELAY_MS : this.options.groupCommitDelayMs;
    if (delayMs === 0) {
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        this.kick();
      });
    } else if (delayMs !== null) {
      this.timer ??= setTimeout(() => this.kick(), Math.min(delayMs, this.options.flushIntervalMs));
    } else {
      this.timer ??= setTimeout(() => this.kick(), this.options.flushIntervalMs);
    }
  }

  /** True while more readings wait than `maxQueueRows`: callers that can, should wait. */
  get saturated(): boolean {
    return this.queuedReadings >= this.maxQueueRows;
  }

  /** Resolves when the queue is below `maxQueueRows` again. */
  whenNotSaturated(): Promise<void> {
    if (!this.saturated) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  counters(): BatchWriterCounters {
    return { ...this.stats, queueDepth: this.queue.length + this.inFlight };
  }

  /** Writes everything queued now and waits for it. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.flushing) {
      this.kick();
      await this.flushing;
    }
  }

  /**
   * Stops accepting, writes what is queued, then resolves. If the store stays down for
   * `timeoutMs`, the rest is refused (its publishers were not acknowledged and will resend).
   */
  async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
    this.stopped = true;
    const guard = setTimeout(() => {
      this.abandoned = true;
    }, timeoutMs);
    try {
      await this.flush();
    } finally {
      clearTimeout(guard);
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      if (this.immediate) clearImmediate(this.immediate);
      this.immediate = undefined;
    }
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) {
        if (this.queuedReadings >= this.options.batchSize || this.stopped) this.kick();
        else this.schedule();
      }
    });
  }

  private async flushLoop(): Promise<void> {
    // Take at most batchSize readings (plus the dead letters queued among them).
    let readings = 0;
    let take = 0;
    while (take < this.queue.length && readings < this.options.batchSize) {
      if (this.queue[take]!.item.telemetry) readings++;
      take++;
    }
    const batch = this.queue.splice(0, take);
    this.queuedReadings -= readings;
    this.inFlight = batch.length;
    this.releaseWaiters();
    const started = performance.now();
    try {
      const outcomes = await this.writeBatch(batch);
      batch.forEach((p, i) => p.resolve(outcomes[i]!));
      this.stats.flushes++;
    } catch (err) {
      // Only reached when stop() gave up on a store that stays down.
      const error = err instanceof Error ? err : new Error(String(err));
      for (const p of batch) p.reject(error);
    } finally {
      this.inFlight = 0;
      const ms = performance.now() - started;
      this.stats.lastFlushMs = ms;
      if (ms > this.stats.maxFlushMs) this.stats.maxFlushMs = ms;
    }
  }

  private releaseWaiters(): void {
    if (this.saturated) return;
    for (const w of this.waiters.splice(0)) w();
  }

  private async writeBatch(batch: Pending[]): Promise<WriteOutcome[]> {
    const outcomes: WriteOutcome[] = batch.map((p) => (p.item.telemetry ? 'stored' : 'dead-lettered'));
    const letters: DeadLetter[] = [];
    const withReading = batch.map((p, i) => ({ p, i })).filter(({ p }) => p.item.telemetry !== undefined);
    if (withReading.length > 0) {
      const rows = withReading.map(({ p }) => p.item.telemetry!);
      const duplicateIndexes = await this.writeReadings(rows, withReading.map(({ p }) => p.item), letters);
      for (const k of duplicateIndexes.duplicates) {
        const { p, i } = withReading[k]!;
        outcomes[i] = 'duplicate';
        if (p.item.duplicateLetter) letters.push(p.item.duplicateLetter());
      }
      for (const k of duplicateIndexes.failed) outcomes[withReading[k]!.i] = 'dead-lettered';
    }
    for (const p of batch) for (const l of p.item.deadLetters) letters.push(l);
    if (letters.length > 0) {
      await this.retry('dead letters', letters.length, () => this.options.store.writeDeadLetters(letters));
      this.stats.deadLetters += letters.length;
    }
    return outcomes;
  }

  /** Writes readings; returns which of them were duplicates and which the store refused alone. */
  private async writeReadings(rows: Telemetry[], items: WriteItem[], letters: DeadLetter[]): Promise<{ duplicates: number[]; failed: number[] }> {
    const result = await this.retry('telemetry', rows.length, () => this.options.store.writeTelemetry(rows), rows.length > 1 ? this.splitAfterFailures : Number.POSITIVE_INFINITY);
    if (result !== undefined) {
      this.stats.inserted += result.inserted;
      this.stats.duplicates += result.duplicates.length;
      return { duplicates: matchDuplicates(rows, result.duplicates), failed: [] };
    }
    // The batch keeps failing: write row by row so one poison row cannot block the stream.
    const duplicates: number[] = [];
    const failed: number[] = [];
    for (let k = 0; k < rows.length; k++) {
      try {
        const one = await this.options.store.writeTelemetry([rows[k]!]);
        this.stats.inserted += one.inserted;
        if (one.duplicates.length > 0) {
          this.stats.duplicates++;
          duplicates.push(k);
        }
      } catch (err) {
        const reason = `store refused the reading: ${(err as Error).message}`;
        this.options.logger.error({ err, machineId: rows[k]!.machineId, tsMs: rows[k]!.tsMs }, 'reading refused by the store; dead-lettered');
        const letter = items[k]!.failedLetter?.(reason);
        if (letter) letters.push(letter);
        failed.push(k);
      }
    }
    return { duplicates, failed };
  }

  /**
   * Runs `fn` until it succeeds, with exponential backoff. Returns undefined after `giveUpAfter`
   * failures (the caller then splits the batch); throws only once stop() has given up.
   */
  private async retry<T>(what: string, rows: number, fn: () => Promise<T>, giveUpAfter = Number.POSITIVE_INFINITY): Promise<T | undefined> {
    let delayMs = this.retryBaseMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        this.stats.flushFailures++;
        this.options.logger.error({ err, what, rows, attempt, retryInMs: delayMs }, 'store write failed; retrying');
        if (attempt >= giveUpAfter) return undefined;
        if (this.abandoned) throw new StoreError('PW_ERR_STORE_WRITE_ABANDONED', `gave up writing ${rows} ${what} rows at shutdown: ${(err as Error).message}`, { cause: err });
        await new Promise((r) => setTimeout(r, delayMs));
        delayMs = Math.min(this.retryMaxMs, delayMs * 2);
      }
    }
  }
}

/** Maps the store's duplicates back to batch positions: by identity first, else by (machine, tsMs). */
function matchDuplicates(rows: readonly Telemetry[], duplicates: readonly Telemetry[]): number[] {
  if (duplicates.length === 0) return [];
  const byIdentity = new Set(duplicates);
  const out: number[] = [];
  rows.forEach((r, k) => {
    if (byIdentity.has(r)) out.push(k);
  });
  if (out.length === duplicates.length) return out;
  // The adapter returned copies: match by key, each returned duplicate once, latest rows first
  // (the first of two equal rows in one batch is the one that got stored).
  const remaining = new Map<string, number>();
  for (const d of duplicates) remaining.set(`${d.machineId}\u0000${d.tsMs}`, (remaining.get(`${d.machineId}\u0000${d.tsMs}`) ?? 0) + 1);
  const result: number[] = [];
  for (let k = rows.length - 1; k >= 0; k--) {
    const key = `${rows[k]!.machineId}\u0000${rows[k]!.tsMs}`;
    const n = remaining.get(key) ?? 0;
    if (n > 0) {
      remaining.set(key, n - 1);
      result.push(k);
    }
  }
  return result.reverse();
}
