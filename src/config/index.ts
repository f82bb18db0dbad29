export * from './errors.js';
export * from './limits.js';
export * from './load.js';
export * from './model.js';
export * from './naming.js';
export * from './schema.js';
export * from './shared-compute-scale.js';
export * from './validate.js';
