/** The live loop in fast mode: alarm rates and what-if replays (issue 5). */
export { replayLoop, alarmRate, DEFAULT_CO2_KG_PER_KWH, DEFAULT_REPAIR_MS, FAILURE_TEMPERATURE_C, FAILURE_VIBRATION, type ReplayOptions, type ReplayResult, type AlarmRate, type Activation } from './replay-loop.js';
