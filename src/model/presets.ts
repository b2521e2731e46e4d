/**
 * Model presets (SPEC 5). `paper` is the paper's LSTM exactly (paper 3.5, 3.6); the smaller ones
 * are for laptops and CI. A preset fixes the architecture and the training defaults; `windowSize`
 * and `inputSize` come from the data.
 */
import { ModelError } from '../domain/index.js';

export const PRESET_NAMES = ['paper', 'small', 'tiny'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Architecture and training defaults of an LSTM forecaster. */
export interface LstmArchitecture {
  /** Units of each stacked LSTM layer; all but the last return sequences. */
  lstmUnits: readonly number[];
  /** Dropout rate applied to the output sequence of every LSTM layer but the last (paper: 0.2). */
  dropout: number;
  /** ReLU dense layers on the last LSTM state, before the linear output of `inputSize` units. */
  denseUnits: readonly number[];
  /** Adam learning rate (paper: 0.001). */
  learningRate: number;
  /** Inverse-time decay per optimiser step: lr_t = lr / (1 + lrDecay * t), as Keras' `decay`. */
  lrDecay: number;
  /** Adam first-moment decay. */
  beta1: number;
  /** Adam second-moment decay. */
  beta2: number;
  /** Adam epsilon (Keras default 1e-7). */
  epsilon: number;
  /** Maximum epochs (paper: 50). */
  epochs: number;
  /** Mini-batch size (paper: 32). */
  batchSize: number;
  /** Early-stopping patience in epochs on validation loss (paper: 10); best weights restored. */
  patience: number;
}

const ADAM = { learningRate: 0.001, lrDecay: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

export const PRESETS: Readonly<Record<PresetName, Readonly<LstmArchitecture>>> = Object.freeze({
  paper: Object.freeze({ lstmUnits: [128, 128, 128], dropout: 0.2, denseUnits: [64], ...ADAM, epochs: 50, batchSize: 32, patience: 10 }),
  small: Object.freeze({ lstmUnits: [32, 32], dropout: 0.1, denseUnits: [16], ...ADAM, epochs: 30, batchSize: 32, patience: 5 }),
  tiny: Object.freeze({ lstmUnits: [8], dropout: 0, denseUnits: [8], ...ADAM, learningRate: 0.005, epochs: 5, batchSize: 16, patience: 3 }),
});

/** The preset's architecture; throws `PW_ERR_MODEL_PRESET` for an unknown name. */
export function getPreset(name: string): Readonly<LstmArchitecture> {
  if (!(PRESET_NAMES as readonly string[]).includes(name)) {
    throw new ModelError('PW_ERR_MODEL_PRESET', `unknown model preset "${name}"; expected one of ${PRESET_NAMES.join(', ')}`);
  }
  return PRESETS[name as PresetName];
}

/** Number of float32 parameters of an architecture (layout in lstm/params.ts). */
export function parameterCount(arch: LstmArchitecture, inputSize: number): number {
  let n = 0;
  let prev = inputSize;
  for (const h of arch.lstmUnits) {
    n += prev * 4 * h + h * 4 * h + 4 * h;
    prev = h;
  }
  for (const d of arch.denseUnits) {
    n += prev * d + d;
    prev = d;
  }
  return n + prev * inputSize + inputSize;
}
