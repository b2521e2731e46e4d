/** Default number of recent (machine, tsMs) keys remembered: 10 s of traffic at 10,000 msg/s. */
export const DEFAULT_DEDUPE_CACHE_SIZE = 100_000;

/**
 * Remembers the most recent (machineId, tsMs) keys so duplicates inside a batch or a burst are
 * caught before the store; older duplicates are caught by the store's unique key and returned by
 * `writeTelemetry`. Insertion-ordered Map = FIFO eviction in O(1).
 */
export class DedupeCache {
  private readonly keys = new Map<string, true>();

  constructor(private readonly capacity = DEFAULT_DEDUPE_CACHE_SIZE) {}

  /** Records the key; returns false when it was already present (a duplicate). */
  add(machineId: string, tsMs: number): boolean {
    const key = `${machineId}\u0000${tsMs}`;
    if (this.keys.has(key)) return false;
    this.keys.set(key, true);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    return true;
  }

  /** Forgets a key, e.g. when its reading could not be stored and may be sent again. */
  delete(machineId: string, tsMs: number): void {
    this.keys.delete(`${machineId}\u0000${tsMs}`);
  }

  get size(): number {
    return this.keys.size;
  }
}
