/** Streaming detection (SPEC 6): the live detector, its model artifacts and their training. */
export { StreamingDetector, DEFAULT_MODEL_POLL_MS, DEFAULT_MAX_BATCH_DELAY_MS, type StreamingDetectorOptions, type StreamingDetectorEvents, type DetectorCounters, type ModelSource, type DetectorLog } from './streaming-detector.js';
export { loadScoringModel, decodeArtifact, encodeArtifact, DETECTOR_ARTIFACT_FORMAT, type DetectorArtifact, type ScoringModel } from './artifact.js';
export { trainDetector, fitStaticBaseline, DEFAULT_STREAM_WINDOW, DEFAULT_STREAM_ALPHA, DEFAULT_THRESHOLD_FACTOR, type TrainDetectorOptions, type TrainedDetector, type StaticBaselineOptions } from './train.js';
export { telemetryToRows, sensorsByType } from './rows.js';
