/**
 * The one saved-model format for every engine (issue 3): JSON metadata plus float32 weights in the
 * engine-independent layout (lstm/params.ts), little-endian, base64 in the same JSON document.
 * Pure: callers (registry, CLI) read and write the text.
 */
import { ModelError } from '../domain/index.js';
import type { EngineName } from './engine.js';
import { PRESET_NAMES, parameterCount, type LstmArchitecture, type PresetName } from './presets.js';

export const SAVED_MODEL_FORMAT = 'plantwatch-lstm-forecaster';
export const SAVED_MODEL_VERSION = 1;

export interface SavedModelMetadata {
  format: typeof SAVED_MODEL_FORMAT;
  formatVersion: number;
  preset: PresetName;
  /** Full architecture, so a later change to a preset does not break old files. */
  architecture: LstmArchitecture;
  /** Engine that trained (or last saved) the model; any engine loads it. */
  engine: EngineName;
  windowSize: number;
  inputSize: number;
  seed: number;
  /** The caller's scaler, verbatim (e.g. `{ min: number[], max: number[] }`). */
  scaler: unknown;
  metrics: Record<string, number>;
  createdAt: string;
  weightCount: number;
}

export interface SavedModel {
  metadata: SavedModelMetadata;
  weights: Float32Array;
}

/** JSON text of a saved model. */
export function encodeSavedModel(model: SavedModel): string {
  const { metadata, weights } = model;
  if (weights.length !== metadata.weightCount) {
    throw new ModelError('PW_ERR_MODEL_WEIGHTS', `saved model has ${weights.length} weights; metadata says ${metadata.weightCount}`);
  }
  const bytes = Buffer.alloc(weights.length * 4);
  for (let i = 0; i < weights.length; i++) bytes.writeFloatLE(weights[i]!, i * 4);
  return JSON.stringify({ ...metadata, weightsBase64: bytes.toString('base64') });
}

/** Parses and validates a saved model; throws `PW_ERR_MODEL_FORMAT` naming what is wrong. */
export function decodeSavedModel(text: string): SavedModel {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new ModelError('PW_ERR_MODEL_FORMAT', 'saved model is not valid JSON', { cause: err });
  }
  const fail = (what: string): never => {
    throw new ModelError('PW_ERR_MODEL_FORMAT', `saved model: ${what}`);
  };
  if (raw === null || typeof raw !== 'object') fail('expected a JSON object');
  if (raw.format !== SAVED_MODEL_FORMAT) fail(`expected format "${SAVED_MODEL_FORMAT}", got ${JSON.stringify(raw.format)}`);
  if (typeof raw.formatVersion !== 'number' || raw.formatVersion > SAVED_MODEL_VERSION) {
    fail(`unsupported formatVersion ${JSON.stringify(raw.formatVersion)}; this build reads up to ${SAVED_MODEL_VERSION}`);
  }
  if (!(PRESET_NAMES as readonly unknown[]).includes(raw.preset)) fail(`unknown preset ${JSON.stringify(raw.preset)}`);
  for (const k of ['windowSize', 'inputSize', 'weightCount', 'seed'] as const) {
    if (typeof raw[k] !== 'number' || !Number.isInteger(raw[k]) || (raw[k] as number) < 0) fail(`${k} must be a non-negative integer, got ${JSON.stringify(raw[k])}`);
  }
  const arch = raw.architecture as LstmArchitecture | undefined;
  if (!arch || !Array.isArray(arch.lstmUnits) || !Array.isArray(arch.denseUnits) || arch.lstmUnits.length === 0) fail('architecture missing or malformed');
  if (typeof raw.weightsBase64 !== 'string') fail('weightsBase64 missing');
  const bytes = Buffer.from(raw.weightsBase64 as string, 'base64');
  const weightCount = raw.weightCount as number;
  if (bytes.length !== weightCount * 4) fail(`weights hold ${bytes.length} bytes; expected ${weightCount * 4}`);
  const expected = parameterCount(arch!, raw.inputSize as number);
  if (expected !== weightCount) fail(`architecture needs ${expected} weights; file has ${weightCount}`);
  const weights = new Float32Array(weightCount);
  for (let i = 0; i < weightCount; i++) weights[i] = bytes.readFloatLE(i * 4);
  for (let i = 0; i < weightCount; i++) if (!Number.isFinite(weights[i]!)) fail(`weight ${i} is not finite`);
  const { weightsBase64: _omit, ...rest } = raw;
  void _omit;
  const metadata: SavedModelMetadata = {
    format: SAVED_MODEL_FORMAT,
    formatVersion: raw.formatVersion as number,
    preset: raw.preset as PresetName,
    architecture: arch!,
    engine: rest.engine === 'native' ? 'native' : 'portable',
    windowSize: raw.windowSize as number,
    inputSize: raw.inputSize as number,
    seed: raw.seed as number,
    scaler: rest.scaler ?? null,
    metrics: (rest.metrics as Record<string, number> | undefined) ?? {},
    createdAt: typeof rest.createdAt === 'string' ? rest.createdAt : '',
    weightCount,
  };
  return { metadata, weights };
}
