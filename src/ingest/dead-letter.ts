import { isUtf8 } from 'node:buffer';
import type { DeadLetter } from '../domain/index.js';

/** Longest payload kept with a dead letter; a 1 MB flood must not become 1 MB per row. */
export const DEAD_LETTER_PAYLOAD_MAX_CHARS = 2048;

/**
 * Makes a payload storable as text in any store: UTF-8 without NUL bytes (which PostgreSQL text
 * refuses) is kept as text, anything else as `base64:` of its first bytes; both truncated.
 */
export function storablePayload(payload: Buffer | string): string {
  if (typeof payload === 'string') return truncate(payload.includes('\u0000') ? `base64:${Buffer.from(payload).toString('base64')}` : payload, payload.length);
  const head = payload.subarray(0, DEAD_LETTER_PAYLOAD_MAX_CHARS * 4);
  if (isUtf8(payload) && !head.includes(0)) return truncate(head.toString('utf8'), payload.length);
  return truncate(`base64:${payload.subarray(0, DEAD_LETTER_PAYLOAD_MAX_CHARS).toString('base64')}`, payload.length);
}

function truncate(text: string, originalLength: number): string {
  if (text.length <= DEAD_LETTER_PAYLOAD_MAX_CHARS) return text;
  return `${text.slice(0, DEAD_LETTER_PAYLOAD_MAX_CHARS)}...[truncated, ${originalLength} in all]`;
}

export interface DeadLetterSource {
  /** `mqtt`, `http` or `csv`. */
  source: string;
  /** MQTT topic, `POST /api/v1/telemetry[i]` or `file:line`. */
  origin: string;
  receivedAtMs: number;
}

export function makeDeadLetter(from: DeadLetterSource, code: string, reason: string, payload: string, machineId?: string): DeadLetter {
  const letter: DeadLetter = { source: from.source, origin: from.origin, receivedAtMs: from.receivedAtMs, code, reason, payload };
  if (machineId !== undefined) letter.machineId = machineId;
  return letter;
}
