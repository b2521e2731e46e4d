/**
 * The simulated plant (SPEC 1): a seeded, deterministic model of the paper's machines, fault
 * injection with ground truth, fast mode (history into a sink) and real-time mode (MQTT).
 */
export { Random, hash128, streamKey } from './prng.js';
export { MACHINE_PROFILES, isScheduled, nextScheduledMs } from './profiles.js';
export type { MachineProfile, ShiftHours, WeeklyCalendar } from './profiles.js';
export {
  FAULT_TYPE_SPECS,
  FaultPlan,
  DEFAULT_EXPLICIT_SEVERITY,
  DEFAULT_FAULTS_PER_DAY,
  explicitFault,
  parseExplicitFault,
  validateFaultOptions,
} from './fault-plan.js';
export type { ActiveFault, ExplicitFault, FaultPlanOptions, FaultTypeSpec } from './fault-plan.js';
export { MachineModel, SENSOR_COUNT } from './machine-model.js';
export type { CommandOutcome, MachineModelOptions, StepInfo } from './machine-model.js';
export { quantiserFor } from './quantiser.js';
export {
  DEFAULT_HISTORY_BATCH_SIZE,
  DEFAULT_TICK_MS,
  MachineRun,
  generateHistory,
  machineModelFor,
  resolveHistoryOptions,
  runMachine,
  toTelemetry,
} from './history.js';
export type { HistoryOptions, HistoryProgress, HistorySink, HistorySummary, ResolvedHistoryOptions } from './history.js';
export { DEFAULT_CHUNK_ROWS, DEFAULT_MAX_IN_FLIGHT, generateHistoryParallel } from './history-parallel.js';
export type { ParallelHistoryOptions } from './history-parallel.js';
export { DEFAULT_REALTIME_TICK_MS, PER_MACHINE_CONNECTION_LIMIT, RealtimePlantSimulator } from './realtime.js';
export type { InjectFaultOptions, RealtimeCounters, RealtimeSimulatorOptions } from './realtime.js';
