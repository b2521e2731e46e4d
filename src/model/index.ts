/**
 * Model capability: LSTM forecaster engines (issue 3). Import from here only.
 */
export type {
  EngineName,
  EngineChoice,
  EngineInfo,
  TrainingData,
  EpochRecord,
  BatchProgress,
  FitOptions,
  FitHistory,
  ForecasterState,
  SaveInfo,
  Forecaster,
} from './engine.js';
export { PRESETS, PRESET_NAMES, getPreset, parameterCount, type PresetName, type LstmArchitecture } from './presets.js';
export { encodeSavedModel, decodeSavedModel, SAVED_MODEL_FORMAT, SAVED_MODEL_VERSION, type SavedModel, type SavedModelMetadata } from './saved-model.js';
export { createForecaster, loadForecaster, nativeEngineStatus, DEFAULT_SEED, type CreateForecasterOptions } from './lstm/create-forecaster.js';
