import { SENSOR_SPECS, isSensorKind, type Machine, type SensorKind, type Telemetry } from '../domain/index.js';

/**
 * Telemetry validation (SPEC 2): pure, no I/O, hand-written for speed (one pass over the parsed
 * object, no schema compiler), so one core validates far more than 10,000 messages/s.
 *
 * Payload (MQTT `plantwatch/<plant>/<area>/<machine>/telemetry`, HTTP, CSV rows):
 * ```json
 * {"machineId": "asm-001", "tsMs": 1767225600000, "seq": 42,
 *  "values": {"temperature": 41.3, "vibration": 2.71, "current": null}}
 * ```
 * `ts` (an ISO-8601 string) may replace `tsMs`; `seq` is optional; other top-level keys are ignored
 * (forward compatibility with richer devices).
 *
 * Policy for a message with some bad values: the message is stored with the bad fields nulled
 * (a fitted sensor) or left out (a sensor the machine does not have), and every bad field becomes
 * its own dead letter. So nothing good is lost and nothing bad is dropped silently. Problems with the
 * message as a whole (size, JSON, envelope schema, machine, topic, timestamp, duplicate) refuse it.
 */

/** Stable codes of refusals (STYLE 3: never change once released). */
export const VALIDATION_CODES = Object.freeze({
  /** Payload larger than `ingest.maxPayloadBytes`. */
  payloadSize: 'PW_ERR_VALIDATION_PAYLOAD_SIZE',
  /** Not UTF-8 JSON. */
  json: 'PW_ERR_VALIDATION_JSON',
  /** The envelope (machineId, tsMs/ts, seq, values) has a missing field or a wrong type. */
  schema: 'PW_ERR_VALIDATION_SCHEMA',
  /** machineId is not a machine of this plant. */
  unknownMachine: 'PW_ERR_VALIDATION_UNKNOWN_MACHINE',
  /** machineId differs from the machine segment of the MQTT topic it came on. */
  topicMismatch: 'PW_ERR_VALIDATION_TOPIC_MISMATCH',
  /** A value's key is not a sensor kind, or not a sensor fitted on that machine. */
  unknownSensor: 'PW_ERR_VALIDATION_UNKNOWN_SENSOR',
  /** A value is neither a number nor null. */
  type: 'PW_ERR_VALIDATION_TYPE',
  /** A value is NaN or +-Infinity (as a number or as a string). */
  notFinite: 'PW_ERR_VALIDATION_NOT_FINITE',
  /** A value outside the device's physical range (SENSOR_SPECS). */
  range: 'PW_ERR_VALIDATION_RANGE',
  /** Stamped further ahead of the server clock than `ingest.maxFutureMs`. */
  tsFuture: 'PW_ERR_VALIDATION_TS_FUTURE',
  /** Older than `ingest.maxAgeMs` (live ingestion only). */
  tsPast: 'PW_ERR_VALIDATION_TS_PAST',
  /** A reading for the same machine and tsMs was already received or stored. */
  duplicate: 'PW_ERR_VALIDATION_DUPLICATE',
  /** A scale-out worker got a reading of a machine another worker's partition owns (ingestor.ts). */
  notInPartition: 'PW_ERR_VALIDATION_NOT_IN_PARTITION',
} as const);

export type ValidationCode = (typeof VALIDATION_CODES)[keyof typeof VALIDATION_CODES];

/** One refused message or field. */
export interface Rejection {
  code: ValidationCode;
  /** Dotted path of the field (`values.temperature`, `tsMs`), or `payload` for the whole message. */
  field: string;
  /** Names the field and the rule, e.g. `values.temperature: 250 is above the HTS221 maximum 120 C`. */
  reason: string;
}

export type ValidationResult =
  | {
      ok: true;
      telemetry: Telemetry;
      /** Fields refused inside an otherwise stored message (nulled or left out). */
      fieldRejections: Rejection[];
    }
  | { ok: false; rejection: Rejection; machineId?: string };

/** Sensors fitted per machine id, built once from the plant. */
export type MachineIndex = ReadonlyMap<string, ReadonlySet<SensorKind>>;

/** Builds the lookup that validation uses for "known machine" and "sensor fitted". */
export function buildMachineIndex(machines: readonly Pick<Machine, 'id' | 'sensors'>[]): MachineIndex {
  const index = new Map<string, ReadonlySet<SensorKind>>();
  for (const m of machines) index.set(m.id, new Set(m.sensors));
  return index;
}

export interface ValidationOptions {
  machines: MachineIndex;
  /** Server clock, epoch ms, for timestamp sanity. */
  nowMs: number;
  /** Largest accepted payload in bytes (`ingest.maxPayloadBytes`). */
  maxPayloadBytes: number;
  /** Refuse readings stamped more than this ahead of `nowMs`. */
  maxFutureMs: number;
  /** Refuse readings older than this; `null` for history import (CSV), which is exempt. */
  maxAgeMs: number | null;
  /** Machine segment of the MQTT topic the payload came on; must equal `machineId`. */
  topicMachineId?: string;
}

const ISO_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const NOT_FINITE_STRINGS = new Set(['nan', 'infinity', '+infinity', '-infinity', 'inf', '+inf', '-inf']);

function reject(code: ValidationCode, field: string, reason: string, machineId?: string): ValidationResult {
  return machineId === undefined ? { ok: false, rejection: { code, field, reason: `${field}: ${reason}` } } : { ok: false, rejection: { code, field, reason: `${field}: ${reason}` }, machineId };
}

/** Shows a wrong value briefly in a reason (bounded so a 1 MB string does not become a 1 MB reason). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing (the field is missing)';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
    case 'number':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

/**
 * Validates a raw payload: size, then JSON, then {@link validateTelemetryObject}.
 * @example validateTelemetryPayload(Buffer.from('{"machineId":"asm-001","tsMs":0,"values":{}}'), opts)
 */
export function validateTelemetryPayload(payload: Buffer | string, options: ValidationOptions): ValidationResult {
  const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (bytes > options.maxPayloadBytes) {
    return reject(VALIDATION_CODES.payloadSize, 'payload', `${bytes} bytes is larger than the limit of ${options.maxPayloadBytes} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch (err) {
    return reject(VALIDATION_CODES.json, 'payload', `not valid JSON (${(err as Error).message.slice(0, 120)})`);
  }
  return validateTelemetryObject(parsed, options);
}

/** Validates an already parsed telemetry object (HTTP batches, CSV rows). */
export function validateTelemetryObject(input: unknown, options: ValidationOptions): ValidationResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return reject(VALIDATION_CODES.schema, 'payload', `expected a JSON object {machineId, tsMs, values}, got ${describeValue(input)}`);
  }
  const obj = input as Record<string, unknown>;
  const machineId = obj.machineId;
  if (typeof machineId !== 'string' || machineId.length === 0) {
    return reject(VALIDATION_CODES.schema, 'machineId', `expected a non-empty string, got ${describeValue(machineId)}`);
  }
  const fitted = options.machines.get(machineId);
  if (fitted === undefined) {
    return reject(VALIDATION_CODES.unknownMachine, 'machineId', `${describeValue(machineId)} is not a machine of this plant`, machineId);
  }
  if (options.topicMachineId !== undefined && options.topicMachineId !== machineId) {
    return reject(VALIDATION_CODES.topicMismatch, 'machineId', `"${machineId}" does not match the topic's machine "${options.topicMachineId}"`, machineId);
  }

  // Timestamp: tsMs (epoch ms) or ts (ISO-8601), not both.
  let tsMs: number;
  if (obj.tsMs !== undefined) {
    if (obj.ts !== undefined) return reject(VALIDATION_CODES.schema, 'ts', 'give tsMs or ts, not both', machineId);
    const raw = obj.tsMs;
    if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) {
      return reject(VALIDATION_CODES.schema, 'tsMs', `expected a non-negative integer of epoch milliseconds, got ${describeValue(raw)}`, machineId);
    }
    tsMs = raw;
  } else if (obj.ts !== undefined) {
    const raw = obj.ts;
    const parsedMs = typeof raw === 'string' && ISO_TS.test(raw) ? Date.parse(raw) : Number.NaN;
    if (!Number.isFinite(parsedMs) || parsedMs < 0) {
      return reject(VALIDATION_CODES.schema, 'ts', `expected an ISO-8601 timestamp with a time zone such as 2026-01-01T00:00:00Z, got ${describeValue(raw)}`, machineId);
    }
    tsMs = parsedMs;
  } else {
    return reject(VALIDATION_CODES.schema, 'tsMs', 'missing: give tsMs (epoch milliseconds) or ts (ISO-8601)', machineId);
  }
  if (tsMs > options.nowMs + options.maxFutureMs) {
    return reject(VALIDATION_CODES.tsFuture, 'tsMs', `${new Date(tsMs).toISOString()} is ${tsMs - options.nowMs} ms ahead of the server clock (limit ${options.maxFutureMs} ms)`, machineId);
  }
  if (options.maxAgeMs !== null && tsMs < options.nowMs - options.maxAgeMs) {
    return reject(VALIDATION_CODES.tsPast, 'tsMs', `${new Date(tsMs).toISOString()} is ${options.nowMs - tsMs} ms behind the server clock (limit ${options.maxAgeMs} ms)`, machineId);
  }

  let seq: number | undefined;
  if (obj.seq !== undefined) {
    if (typeof obj.seq !== 'number' || !Number.isSafeInteger(obj.seq) || obj.seq < 0) {
      return reject(VALIDATION_CODES.schema, 'seq', `expected a non-negative integer, got ${describeValue(obj.seq)}`, machineId);
    }
    seq = obj.seq;
  }

  const rawValues = obj.values;
  if (rawValues === null || typeof rawValues !== 'object' || Array.isArray(rawValues)) {
    return reject(VALIDATION_CODES.schema, 'values', `expected an object of sensor kind -> number or null, got ${describeValue(rawValues)}`, machineId);
  }

  const values: Partial<Record<SensorKind, number | null>> = {};
  const fieldRejections: Rejection[] = [];
  for (const key in rawValues) {
    if (!Object.prototype.hasOwnProperty.call(rawValues, key)) continue;
    const value = (rawValues as Record<string, unknown>)[key];
    const field = `values.${key}`;
    if (!isSensorKind(key)) {
      fieldRejections.push({ code: VALIDATION_CODES.unknownSensor, field, reason: `${field}: "${key.slice(0, 40)}" is not a sensor kind` });
      continue;
    }
    if (!fitted.has(key)) {
      fieldRejections.push({ code: VALIDATION_CODES.unknownSensor, field, reason: `${field}: machine ${machineId} has no ${key} sensor` });
      continue;
    }
    if (value === null) {
      values[key] = null;
      continue;
    }
    if (typeof value !== 'number') {
      values[key] = null;
      if (typeof value === 'string' && NOT_FINITE_STRINGS.has(value.trim().toLowerCase())) {
        fieldRejections.push({ code: VALIDATION_CODES.notFinite, field, reason: `${field}: ${describeValue(value)} is not a finite number` });
      } else {
        fieldRejections.push({ code: VALIDATION_CODES.type, field, reason: `${field}: expected a number or null, got ${describeValue(value)}` });
      }
      continue;
    }
    if (!Number.isFinite(value)) {
      values[key] = null;
      fieldRejections.push({ code: VALIDATION_CODES.notFinite, field, reason: `${field}: ${value} is not a finite number` });
      continue;
    }
    const spec = SENSOR_SPECS[key];
    if (value < spec.min) {
      values[key] = null;
      fieldRejections.push({ code: VALIDATION_CODES.range, field, reason: `${field}: ${value} is below the ${spec.device} minimum ${spec.min} ${spec.unit}` });
      continue;
    }
    if (value > spec.max) {
      values[key] = null;
      fieldRejections.push({ code: VALIDATION_CODES.range, field, reason: `${field}: ${value} is above the ${spec.device} maximum ${spec.max} ${spec.unit}` });
      continue;
    }
    values[key] = value;
  }

  const telemetry: Telemetry = seq === undefined ? { machineId, tsMs, values } : { machineId, tsMs, seq, values };
  return { ok: true, telemetry, fieldRejections };
}
