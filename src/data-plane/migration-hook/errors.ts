import { Schema } from 'effect';

/** The custom resource's properties are missing or malformed (a bug in the stack, not in the database). */
export class MigrationHookPropertiesInvalid extends Schema.TaggedError<MigrationHookPropertiesInvalid>()(
  'MigrationHookPropertiesInvalid',
  {
    property: Schema.String,
    detail: Schema.String,
  },
) {}

/** The master user secret could not be read or parsed (permissions, endpoint, KMS). */
export class DatabaseSecretUnreadable extends Schema.TaggedError<DatabaseSecretUnreadable>()(
  'DatabaseSecretUnreadable',
  {
    secretArn: Schema.String,
    detail: Schema.String,
  },
) {}

/** Applying the migrations failed; the deployment fails and rolls back with this message. */
export class MigrationsFailed extends Schema.TaggedError<MigrationsFailed>()('MigrationsFailed', {
  host: Schema.String,
  database: Schema.String,
  detail: Schema.String,
}) {}

/** The hook ran out of time before the migrations finished. */
export class MigrationHookTimedOut extends Schema.TaggedError<MigrationHookTimedOut>()('MigrationHookTimedOut', {
  afterMs: Schema.Number,
}) {}

export type MigrationHookError =
  | MigrationHookPropertiesInvalid
  | DatabaseSecretUnreadable
  | MigrationsFailed
  | MigrationHookTimedOut;
