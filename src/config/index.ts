export { configSchema, DEFAULT_CONFIG, type Config } from './schema.js';
export { loadConfig, envVarNames, type LoadConfigOptions, type DeepPartial } from './load-config.js';
