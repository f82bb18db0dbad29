import { Signer } from '@aws-sdk/rds-signer';
import type { PgClient } from '@effect/sql-pg';
import { Effect, type Layer, Redacted } from 'effect';
import type { SqlClient } from 'effect/sql';
import type { SqlError } from 'effect/sql/SqlError';
import { postgresDatabaseLayer } from '../db/postgres.js';
import type { CustomerLocation } from './customer-directory.js';

/**
 * An IAM database authentication token for the location's login role,
 * signed with the customer's data-access session (which holds
 * `rds-db:connect` on exactly that user). Tokens live 15 minutes and are
 * checked only when a connection opens, so one is made per connection. A
 * failure to sign yields an empty password: the server then refuses the
 * login, which surfaces as a typed, retried connection error rather than a
 * defect.
 */
export const iamAuthToken = (location: CustomerLocation): Effect.Effect<Redacted.Redacted> => {
  const signer = new Signer({
    hostname: location.database.host,
    port: location.database.port,
    username: location.database.user,
    region: location.region,
    ...(location.credentials ? { credentials: location.credentials } : {}),
  });
  return Effect.tryPromise(() => signer.getAuthToken()).pipe(
    Effect.map((token) => Redacted.make(token)),
    Effect.catch((error) =>
      Effect.as(
        Effect.logError(`IAM database token for ${location.database.user}@${location.database.host}: ${String(error)}`),
        Redacted.make(''),
      ),
    ),
  );
};

export interface DirectoryDatabaseOptions {
  /** Pool size per database. @default 8 */
  readonly maxConnections?: number;
}

/**
 * A pool to the database a location names, as its login role: IAM token per
 * connection and TLS for Aurora (the deployed tiers), the password for the
 * local override.
 */
export const directoryDatabaseLayer = (
  location: CustomerLocation,
  options: DirectoryDatabaseOptions = {},
): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError> => {
  const { host, port, name, user, auth, tls } = location.database;
  return postgresDatabaseLayer({
    url: Redacted.make(`postgres://${encodeURIComponent(user)}@${host}:${port}/${encodeURIComponent(name)}`),
    password: auth.method === 'iam' ? iamAuthToken(location) : auth.password,
    ...(tls ? { ssl: true } : {}),
    ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}),
  });
};
