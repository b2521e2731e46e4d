export * from './residuals.js';
export * from './static-threshold.js';
export * from './telemanom.js';
export * from './attribution.js';
export * from './dual-rate.js';
export * from './stream/index.js';
