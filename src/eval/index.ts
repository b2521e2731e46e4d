/** Evaluation capability: dataset loaders, protocols, metrics and reports (SPEC 10). */
export * from './metrics/index.js';
export * from './datasets/skab.js';
export * from './datasets/nab.js';
export * from './pipeline/window-detector.js';
export * from './pipeline/model-adapters.js';
export * from './protocols/skab-protocol.js';
export * from './protocols/nab-protocol.js';
export * from './detectors.js';
export * from './report/svg.js';
export * from './report/skab-report.js';
export * from './report/nab-report.js';
export * from './protocols/simulated-protocol.js';
export * from './report/simulated-report.js';
export * from './resources/index.js';
