import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SENSOR_KINDS, SENSOR_SPECS, buildPlant, type SensorKind } from '../domain/index.js';
import { VALIDATION_CODES, buildMachineIndex, validateTelemetryObject, validateTelemetryPayload, type ValidationOptions } from './validate.js';

const NOW = Date.UTC(2026, 0, 1);
const plant = buildPlant({ machineCount: 10 });
const machines = buildMachineIndex([...plant.machines, { id: 'pnt-limited', sensors: ['humidity', 'gas'] }]);
const opts: ValidationOptions = { machines, nowMs: NOW, maxPayloadBytes: 1024, maxFutureMs: 60_000, maxAgeMs: 3_600_000 };
const id = plant.machines[0]!.id;

function good(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { machineId: id, tsMs: NOW - 1000, values: { temperature: 40.1, vibration: 2.5, current: null }, ...extra };
}

function rejection(input: unknown, o: Partial<ValidationOptions> = {}) {
  const r = validateTelemetryObject(input, { ...opts, ...o });
  if (r.ok) throw new Error(`expected a rejection, got ${JSON.stringify(r)}`);
  return r.rejection;
}

describe('validateTelemetryPayload', () => {
  it('accepts a valid payload and keeps values, seq and null', () => {
    const r = validateTelemetryPayload(JSON.stringify(good({ seq: 7 })), opts);
    expect(r).toEqual({ ok: true, telemetry: { machineId: id, tsMs: NOW - 1000, seq: 7, values: { temperature: 40.1, vibration: 2.5, current: null } }, fieldRejections: [] });
  });

  it('accepts an ISO ts instead of tsMs', () => {
    const r = validateTelemetryObject(good({ tsMs: undefined, ts: '2025-12-31T23:59:00.000Z' }), opts);
    expect(r.ok && r.telemetry.tsMs).toBe(NOW - 60_000);
  });

  it('refuses an oversized payload before parsing it', () => {
    const r = validateTelemetryPayload(Buffer.alloc(2048, 0x7b), opts);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.rejection.code).toBe('PW_ERR_VALIDATION_PAYLOAD_SIZE');
      expect(r.rejection.reason).toBe('payload: 2048 bytes is larger than the limit of 1024 bytes');
    }
  });

  it('refuses bytes that are not JSON, naming the payload', () => {
    const r = validateTelemetryPayload(Buffer.from([0xff, 0x00, 0x13]), opts);
    expect(!r.ok && r.rejection.code).toBe(VALIDATION_CODES.json);
    expect(!r.ok && r.rejection.reason).toMatch(/^payload: not valid JSON/);
  });

  it('refuses a bare NaN literal as invalid JSON', () => {
    const r = validateTelemetryPayload(`{"machineId":"${id}","tsMs":${NOW},"values":{"temperature":NaN}}`, opts);
    expect(!r.ok && r.rejection.code).toBe(VALIDATION_CODES.json);
  });
});

describe('validateTelemetryObject: message-level rules name the field', () => {
  it.each([
    [[1, 2], VALIDATION_CODES.schema, 'payload: expected a JSON object {machineId, tsMs, values}, got an array'],
    [{ tsMs: NOW, values: {} }, VALIDATION_CODES.schema, 'machineId: expected a non-empty string, got nothing (the field is missing)'],
    [{ machineId: 42, tsMs: NOW, values: {} }, VALIDATION_CODES.schema, 'machineId: expected a non-empty string, got 42'],
    [{ machineId: 'zzz-999', tsMs: NOW, values: {} }, VALIDATION_CODES.unknownMachine, 'machineId: the string "zzz-999" is not a machine of this plant'],
    [{ machineId: id, values: {} }, VALIDATION_CODES.schema, 'tsMs: missing: give tsMs (epoch milliseconds) or ts (ISO-8601)'],
    [{ machineId: id, tsMs: '123', values: {} }, VALIDATION_CODES.schema, 'tsMs: expected a non-negative integer of epoch milliseconds, got the string "123"'],
    [{ machineId: id, tsMs: 1.5, values: {} }, VALIDATION_CODES.schema, 'tsMs: expected a non-negative integer of epoch milliseconds, got 1.5'],
    [{ machineId: id, ts: 'yesterday', values: {} }, VALIDATION_CODES.schema, 'ts: expected an ISO-8601 timestamp with a time zone such as 2026-01-01T00:00:00Z, got the string "yesterday"'],
    [{ machineId: id, tsMs: NOW, seq: -1, values: {} }, VALIDATION_CODES.schema, 'seq: expected a non-negative integer, got -1'],
    [{ machineId: id, tsMs: NOW, values: [1] }, VALIDATION_CODES.schema, 'values: expected an object of sensor kind -> number or null, got an array'],
    [{ machineId: id, tsMs: NOW + 120_000, values: {} }, VALIDATION_CODES.tsFuture, 'tsMs: 2026-01-01T00:02:00.000Z is 120000 ms ahead of the server clock (limit 60000 ms)'],
    [{ machineId: id, tsMs: NOW - 7_200_000, values: {} }, VALIDATION_CODES.tsPast, 'tsMs: 2025-12-31T22:00:00.000Z is 7200000 ms behind the server clock (limit 3600000 ms)'],
  ])('%j -> %s', (input, code, reason) => {
    const r = rejection(input);
    expect(r.code).toBe(code);
    expect(r.reason).toBe(reason);
    expect(r.reason.startsWith(`${r.field}: `)).toBe(true);
  });

  it('refuses a machineId that differs from the topic machine', () => {
    const r = rejection(good(), { topicMachineId: 'asm-002' });
    expect(r.code).toBe(VALIDATION_CODES.topicMismatch);
    expect(r.reason).toBe(`machineId: "${id}" does not match the topic's machine "asm-002"`);
  });

  it('exempts history from maxAge when maxAgeMs is null, but not from maxFuture', () => {
    expect(validateTelemetryObject(good({ tsMs: 0 }), { ...opts, maxAgeMs: null }).ok).toBe(true);
    expect(rejection(good({ tsMs: NOW + 3_600_000 }), { maxAgeMs: null }).code).toBe(VALIDATION_CODES.tsFuture);
  });
});

describe('validateTelemetryObject: field-level rules null the field and name it', () => {
  it.each([
    ['temperature', 250, VALIDATION_CODES.range, 'values.temperature: 250 is above the HTS221 maximum 120 C'],
    ['temperature', -41, VALIDATION_CODES.range, 'values.temperature: -41 is below the HTS221 minimum -40 C'],
    ['current', 31, VALIDATION_CODES.range, 'values.current: 31 is above the ACS712 maximum 30 A'],
    ['humidity', 'NaN', VALIDATION_CODES.notFinite, 'values.humidity: the string "NaN" is not a finite number'],
    ['humidity', '-Infinity', VALIDATION_CODES.notFinite, 'values.humidity: the string "-Infinity" is not a finite number'],
    ['gas', Number.POSITIVE_INFINITY, VALIDATION_CODES.notFinite, 'values.gas: Infinity is not a finite number'],
    ['speed', '1200', VALIDATION_CODES.type, 'values.speed: expected a number or null, got the string "1200"'],
    ['speed', true, VALIDATION_CODES.type, 'values.speed: expected a number or null, got a boolean'],
  ] as const)('%s = %j -> %s', (kind, value, code, reason) => {
    const r = validateTelemetryObject(good({ values: { temperature: 40, [kind]: value } }), opts);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.fieldRejections).toEqual([{ code, field: `values.${kind}`, reason }]);
    expect(r.telemetry.values[kind as SensorKind]).toBeNull();
    if (kind !== 'temperature') expect(r.telemetry.values.temperature).toBe(40);
  });

  it('leaves out unknown sensor kinds and sensors the machine does not have', () => {
    const r = validateTelemetryObject({ machineId: 'pnt-limited', tsMs: NOW, values: { humidity: 50, pressure: 3, temperature: 20 } }, opts);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.telemetry.values).toEqual({ humidity: 50 });
    expect(r.fieldRejections.map((f) => [f.code, f.reason])).toEqual([
      [VALIDATION_CODES.unknownSensor, 'values.pressure: "pressure" is not a sensor kind'],
      [VALIDATION_CODES.unknownSensor, 'values.temperature: machine pnt-limited has no temperature sensor'],
    ]);
  });

  it('accepts the exact range limits', () => {
    for (const kind of SENSOR_KINDS) {
      for (const v of [SENSOR_SPECS[kind].min, SENSOR_SPECS[kind].max]) {
        const r = validateTelemetryObject(good({ values: { [kind]: v } }), opts);
        expect(r.ok && r.fieldRejections).toEqual([]);
      }
    }
  });
});

describe('validation properties', () => {
  it('any value: stored iff finite and in range, otherwise refused with a reason naming the field', () => {
    const kinds = fc.constantFrom(...SENSOR_KINDS);
    const anyValue = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 'NaN', 'x', null), fc.integer({ min: -5000, max: 10_000 }));
    fc.assert(
      fc.property(fc.dictionary(kinds, anyValue), (values) => {
        const r = validateTelemetryObject(good({ values }), opts);
        if (!r.ok) return false;
        let expectedRejections = 0;
        for (const [kind, v] of Object.entries(values) as Array<[SensorKind, unknown]>) {
          const spec = SENSOR_SPECS[kind];
          const fine = v === null || (typeof v === 'number' && Number.isFinite(v) && v >= spec.min && v <= spec.max);
          if (fine) {
            if (r.telemetry.values[kind] !== v) return false;
          } else {
            expectedRejections++;
            if (r.telemetry.values[kind] !== null) return false;
            if (!r.fieldRejections.some((f) => f.field === `values.${kind}` && f.reason.startsWith(`values.${kind}: `))) return false;
          }
        }
        return r.fieldRejections.length === expectedRejections;
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('never throws on arbitrary JSON or bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a))), (payload) => {
        const r = validateTelemetryPayload(payload, opts);
        return r.ok || (r.rejection.reason.length > 0 && r.rejection.code.startsWith('PW_ERR_VALIDATION_'));
      }),
      { seed: 7, numRuns: 1000 },
    );
  });

  it('validates well over 10,000 messages per second on one core', () => {
    const payloads = Array.from({ length: 20_000 }, (_, i) => Buffer.from(JSON.stringify({ machineId: plant.machines[i % plant.machines.length]!.id, tsMs: NOW - i, seq: i, values: { temperature: 40, humidity: 50, vibration: 2, speed: 1500, current: 12, gas: 400, coolant_pressure: 3, supply_voltage: 24 } })));
    const t0 = performance.now();
    for (const p of payloads) validateTelemetryPayload(p, opts);
    const perSecond = payloads.length / ((performance.now() - t0) / 1000);
    // Generous floor so a busy CI machine still passes; the bench measures the real figure.
    expect(perSecond).toBeGreaterThan(20_000);
  });
});
