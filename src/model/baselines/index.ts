/** Baseline model families (paper Tables 3, 6; SPEC 5), one folder each on one base interface. */
export * from './base.js';
export { createRng, DEFAULT_BASELINE_SEED } from './rng.js';
export { PcaT2Q, DEFAULT_PCA_OPTIONS, type PcaT2QOptions } from './pca/pca-t2q.js';
export { symmetricEigen } from './pca/eigen.js';
export { RandomForestRegressor, DEFAULT_RANDOM_FOREST_OPTIONS, type RandomForestOptions } from './random-forest/random-forest.js';
export { LinearSvr, DEFAULT_LINEAR_SVR_OPTIONS, type LinearSvrOptions } from './svm/linear-svr.js';
export { Mlp, DEFAULT_MLP_OPTIONS, type MlpOptions } from './mlp/mlp.js';
export { createBaseline, loadBaseline, isBaselineName, type BaselineOptionsByName } from './registry.js';
