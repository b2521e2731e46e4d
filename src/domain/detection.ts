import type { SensorKind } from './sensors.js';

/**
 * What the streaming detector reports for one machine at one tick (SPEC 6), for the console's live
 * charts of actual against predicted and the threshold (SPEC 8), and for stage timing.
 */
export interface ScoredSensor {
  actual: number | null;
  predicted: number;
  /** Smoothed prediction error, on the scale of `threshold`. */
  score: number;
  threshold: number;
}

export interface ScoredTick {
  machineId: string;
  /** The scored reading's device timestamp, epoch ms. */
  tsMs: number;
  /** Per-sensor forecasts and scores; sensors the model does not cover are absent. */
  sensors: Partial<Record<SensorKind, ScoredSensor>>;
  /** The machine's overall score (max over sensors of score / threshold); >= 1 means anomalous. */
  score: number;
  anomalous: boolean;
  /** Stage timestamps, epoch ms: when ingestion committed the reading, and when it was scored. */
  ingestedAtMs?: number;
  scoredAtMs: number;
  /** Registry version of the model that scored it. */
  modelVersion?: string;
}
