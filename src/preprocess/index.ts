export * from './clean.js';
export * from './min-max-scaler.js';
export * from './windows.js';
export * from './split.js';
