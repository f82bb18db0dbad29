import type { ConnectionOptions } from 'node:tls';
import { PgClient } from '@effect/sql-pg';
import { Config, type Duration, type Layer, Redacted } from 'effect';
import type { SqlClient } from 'effect/sql';
import type { SqlError } from 'effect/sql/SqlError';

/** How to reach a PostgreSQL server (Aurora, the local PostgreSQL 15, a container) as the application role. */
export interface PostgresDatabaseOptions {
  /** `postgres://panops_app@host:5432/archive`. */
  readonly url: string | Redacted.Redacted;
  /** Pool size; bounded so a worker serving many customers cannot exhaust the server. @default 8 */
  readonly maxConnections?: number;
  /** TLS (Aurora: `true` or the RDS CA bundle). @default none */
  readonly ssl?: boolean | ConnectionOptions;
  /** A password or IAM token provider evaluated per connection. @default from the URL */
  readonly password?: Redacted.Redacted | PgClient.PgClientConfig['password'];
  /** @default 10 seconds */
  readonly connectTimeout?: Duration.Input;
  /** @default 'panops' */
  readonly applicationName?: string;
}

/** A pooled `PgClient`/`SqlClient` to a PostgreSQL server. */
export const postgresDatabaseLayer = (
  options: PostgresDatabaseOptions,
): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError> =>
  PgClient.layer({
    url: typeof options.url === 'string' ? Redacted.make(options.url) : options.url,
    maxConnections: options.maxConnections ?? 8,
    connectTimeout: options.connectTimeout ?? '10 seconds',
    applicationName: options.applicationName ?? 'panops',
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.password === undefined ? {} : { password: options.password }),
  });

/** The server named by `DATABASE_URL` (pool size `DATABASE_POOL_SIZE`, default 8). */
export const postgresDatabaseLayerFromEnv: Layer.Layer<
  PgClient.PgClient | SqlClient.SqlClient,
  SqlError | Config.ConfigError
> = PgClient.layerConfig({
  url: Config.Redacted('DATABASE_URL'),
  maxConnections: Config.Int('DATABASE_POOL_SIZE').pipe(Config.withDefault(8)),
  applicationName: Config.succeed('panops'),
});
