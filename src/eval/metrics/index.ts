export * from './regression.js';
export * from './pointwise.js';
export * from './curves.js';
export * from './events.js';
export * from './skab-changepoint.js';
export * from './nab.js';
