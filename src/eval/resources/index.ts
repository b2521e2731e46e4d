/** Resource use of the evaluated models (paper Table 6). */
export * from './model-resources.js';
