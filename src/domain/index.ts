export * from './errors.js';
export * from './sensors.js';
export * from './plant.js';
export * from './telemetry.js';
export * from './faults.js';
export * from './commands.js';
export * from './topics.js';
export * from './alerts.js';
