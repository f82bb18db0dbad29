/**
 * The contracts between the stacks and the services: names and shapes both
 * sides must agree on without importing each other (role and tag names, the
 * pooled tier's names, the customer directory's parameter names, the
 * workloads' environment variables, which workloads reach customer data).
 * Dependency-free: nothing here imports CDK, Effect or another src/ folder,
 * so a Lambda bundle, a stack and a test can all read it.
 */
export * from './archive-tags.js';
export * from './customer-figures.js';
export * from './directory.js';
export * from './names.js';
export * from './pooled-data.js';
export * from './reconcile.js';
export * from './retention-status.js';
export * from './runtime-env.js';
export * from './whisper-customers.js';
export * from './workloads.js';
