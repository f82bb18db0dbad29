import { type Config, Effect, Layer, Option } from 'effect';
import type { CustomerDirectory } from './customer-directory.js';
import { localCustomerDirectoryLayer, localDirectoryOverride } from './local.js';
import { type SsmCustomerDirectoryOptions, ssmCustomerDirectoryLayer } from './ssm.js';

/**
 * The directory an entry point (webhook Lambda, poll Lambda, Fargate worker)
 * uses: the AWS one (SSM entries, the customer's data-access role) unless
 * its configuration carries the local override (`ARCHIVE_TARGETS`,
 * `PANOPS_CUSTOMER_DATABASES`, `DATABASE_URL`), as when the entry points run
 * outside AWS. The shared compute stack sets none of those. Read when the
 * layer is built, so a malformed override is a ConfigError naming its variable.
 */
export const customerDirectoryLayerFor = (
  options: SsmCustomerDirectoryOptions = {},
): Layer.Layer<CustomerDirectory, Config.ConfigError> =>
  Layer.unwrap(
    Effect.map(
      localDirectoryOverride,
      Option.match({ onNone: () => ssmCustomerDirectoryLayer(options), onSome: localCustomerDirectoryLayer }),
    ),
  );
