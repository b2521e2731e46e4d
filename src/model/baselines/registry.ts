import { ModelError } from '../../domain/index.js';
import { BASELINE_NAMES, type BaselineModel, type BaselineName } from './base.js';
import { Mlp, type MlpOptions } from './mlp/mlp.js';
import { PcaT2Q, type PcaT2QOptions } from './pca/pca-t2q.js';
import { RandomForestRegressor, type RandomForestOptions } from './random-forest/random-forest.js';
import { LinearSvr, type LinearSvrOptions } from './svm/linear-svr.js';

export interface BaselineOptionsByName {
  pca: PcaT2QOptions;
  rf: RandomForestOptions;
  svm: LinearSvrOptions;
  mlp: MlpOptions;
}

export function isBaselineName(v: unknown): v is BaselineName {
  return typeof v === 'string' && (BASELINE_NAMES as readonly string[]).includes(v);
}

/**
 * Builds a baseline by its short name.
 *
 * @example
 * const m = createBaseline('pca', { varianceKept: 0.9 }).fit(rows);
 */
export function createBaseline<N extends BaselineName>(name: N, options: BaselineOptionsByName[N] = {} as BaselineOptionsByName[N]): BaselineModel {
  switch (name) {
    case 'pca':
      return new PcaT2Q(options as PcaT2QOptions);
    case 'rf':
      return new RandomForestRegressor(options as RandomForestOptions);
    case 'svm':
      return new LinearSvr(options as LinearSvrOptions);
    case 'mlp':
      return new Mlp(options as MlpOptions);
    default:
      throw new ModelError('PW_ERR_MODEL_UNKNOWN', `unknown baseline "${String(name)}"; expected one of ${BASELINE_NAMES.join(', ')}`);
  }
}

const LOADERS: Record<string, (json: unknown) => BaselineModel> = {
  PcaT2Q: (j) => PcaT2Q.fromJSON(j),
  RandomForestRegressor: (j) => RandomForestRegressor.fromJSON(j),
  LinearSvr: (j) => LinearSvr.fromJSON(j),
  Mlp: (j) => Mlp.fromJSON(j),
};

/** Rebuilds a saved baseline from `{className, version, options, state}` (STYLE 8). */
export function loadBaseline(json: unknown): BaselineModel {
  const className = (json as { className?: unknown } | null)?.className;
  const loader = typeof className === 'string' ? LOADERS[className] : undefined;
  if (!loader) throw new ModelError('PW_ERR_MODEL_FORMAT', `unknown saved baseline class ${JSON.stringify(className)}; expected one of ${Object.keys(LOADERS).join(', ')}`);
  return loader(json);
}
