import type { Layer } from 'effect';
import type { CustomerDirectory } from './customer-directory.js';
import { envCustomerDirectoryLayer, hasLocalDirectoryOverride } from './local.js';
import { type SsmCustomerDirectoryOptions, ssmCustomerDirectoryLayer } from './ssm.js';

/**
 * The directory an entry point (webhook Lambda, poll Lambda, Fargate worker)
 * uses: the AWS one (SSM entries, the customer's data-access role) unless
 * the environment carries the local override (`ARCHIVE_TARGETS`,
 * `PANOPS_CUSTOMER_DATABASES`, `DATABASE_URL`), as when the entry points run
 * outside AWS. The shared compute stack sets none of those.
 */
export const customerDirectoryLayerFor = (
  env: NodeJS.ProcessEnv,
  options: SsmCustomerDirectoryOptions = {},
): Layer.Layer<CustomerDirectory> =>
  hasLocalDirectoryOverride(env) ? envCustomerDirectoryLayer(env) : ssmCustomerDirectoryLayer(options);
