/**
 * Scale-out (issue 5 item 7): the machines of a plant are split between `n` detector workers, each
 * owning one partition. A machine's partition is a pure, stable function of its id (FNV-1a, 32 bit,
 * modulo n), so every worker computes the same split without talking to the others, and a machine
 * stays in its partition across restarts as long as `n` does not change.
 * Partitions are numbered from 1 (`1/3`, `2/3`, `3/3`), as shards usually are on a command line.
 */
import { ConfigError } from './errors.js';

/** One worker's share: partition `index` of `count` (1 <= index <= count). */
export interface Partition {
  index: number;
  count: number;
}

/** Most partitions (workers) of one plant; a plant has at most MAX_MACHINES machines. */
export const MAX_PARTITIONS = 1024;

/** The rule a partition text must satisfy, as error messages state it. */
export const PARTITION_RULE = `i/n with whole numbers 1 <= i <= n <= ${MAX_PARTITIONS} (e.g. 2/3)`;

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a 32-bit hash of a string's UTF-16 code units (machine ids are ASCII, so of its bytes).
 * @example fnv1a32('') === 0x811c9dc5; fnv1a32('a') === 0xe40c292c
 */
export function fnv1a32(text: string): number {
  let h = FNV_OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/**
 * The partition (1..count) that owns a machine.
 * @example partitionOf('wld-001', 1) === 1
 */
export function partitionOf(machineId: string, count: number): number {
  if (!Number.isInteger(count) || count < 1 || count > MAX_PARTITIONS) throw new RangeError(`partition count must be an integer from 1 to ${MAX_PARTITIONS}, got ${count}`);
  return (fnv1a32(machineId) % count) + 1;
}

/** True when `partition` owns the machine. */
export function ownsMachine(partition: Partition, machineId: string): boolean {
  return partitionOf(machineId, partition.count) === partition.index;
}

/** The machines (or anything with an `id`) a partition owns, in their original order. */
export function machinesOfPartition<T extends { id: string }>(machines: readonly T[], partition: Partition): T[] {
  return machines.filter((m) => ownsMachine(partition, m.id));
}

/** `2/3` */
export function formatPartition(partition: Partition): string {
  return `${partition.index}/${partition.count}`;
}

/** Parses `i/n`; on failure says why, in words that follow "must be". */
export function tryParsePartition(text: string): { ok: true; partition: Partition } | { ok: false; reason: string } {
  const m = /^\s*(\d{1,4})\s*\/\s*(\d{1,4})\s*$/.exec(text);
  if (!m) return { ok: false, reason: PARTITION_RULE };
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_PARTITIONS) return { ok: false, reason: `${PARTITION_RULE}; n = ${count} is outside 1..${MAX_PARTITIONS}` };
  if (index < 1 || index > count) return { ok: false, reason: `${PARTITION_RULE}; i = ${index} is outside 1..${count}` };
  return { ok: true, partition: { index, count } };
}

/**
 * Parses `i/n`, throwing a ConfigError that names `key`, the value and the rule.
 * @example parsePartition('2/3') // { index: 2, count: 3 }
 */
export function parsePartition(text: string, key = 'cluster.partition'): Partition {
  const parsed = tryParsePartition(text);
  if (!parsed.ok) throw new ConfigError('PW_ERR_CONFIG_INVALID', `invalid configuration: ${key} must be ${parsed.reason} (got ${JSON.stringify(text)})`);
  return parsed.partition;
}
