import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { Context, type Effect, type Redacted, Schema } from 'effect';
import type { DirectoryError } from './errors.js';

/** The database tiers: the pooled cluster, or the customer's own Aurora in its own account. */
export const CustomerTier = Schema.Literals(['dedicated', 'pooled']);
export type CustomerTier = typeof CustomerTier.Type;

/**
 * A customer's entry in the shared compute account (`/panops/customers/<id>`),
 * written at synth from the blueprint: which account and region hold the
 * data, and the role to assume there. Versioned so a reader can refuse an
 * entry it does not understand.
 */
export const DirectoryEntry = Schema.Struct({
  version: Schema.Literal(1),
  customerId: Schema.String,
  slug: Schema.String,
  tier: CustomerTier,
  accountId: Schema.String.check(Schema.isPattern(/^\d{12}$/)),
  region: Schema.String,
  dataAccessRoleArn: Schema.String,
  /**
   * Where the pooled tier is, on a dedicated customer's entry when the
   * organization has a pooled cluster: a customer being promoted keeps its
   * rows in the pool until the promotion switches its route
   * (`src/services/db/routing-table.ts`), though its blueprint tier already
   * says dedicated.
   */
  pooled: Schema.optional(
    Schema.Struct({
      accountId: Schema.String.check(Schema.isPattern(/^\d{12}$/)),
      region: Schema.String,
      dataAccessRoleArn: Schema.String,
    }),
  ),
});
export type DirectoryEntry = typeof DirectoryEntry.Type;

/** Where the customer's raw archive is. */
export interface ArchiveLocation {
  readonly bucket: string;
  /** Key every object is encrypted with (the customer's key; the pooled tier's key for pooled customers). */
  readonly kmsKeyArn: string;
  /** Prefix of the customer's objects: empty in its own bucket, `customers/<id>/` in the pooled one. */
  readonly keyPrefix: string;
  /** S3 Bucket Keys on writes: off in the pooled bucket, whose key policy binds each data key to the object's prefix. */
  readonly bucketKeyEnabled: boolean;
}

/** How the workloads' login role authenticates to the database. */
export type DatabaseAuth =
  /** An IAM authentication token signed with the data-access session (`rds-db:connect`), as both tiers deploy. */
  | { readonly method: 'iam' }
  /** A fixed password (local runs only). */
  | { readonly method: 'password'; readonly password: Redacted.Redacted<string> };

/** Where the customer's rows are. */
export interface DatabaseLocation {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  readonly user: string;
  readonly auth: DatabaseAuth;
  /** Whether to require TLS (Aurora: `rds.force_ssl`). */
  readonly tls: boolean;
}

/** Everything a workload needs to reach one customer's data. */
export interface CustomerLocation {
  /** Lower-case UUID. */
  readonly customerId: string;
  readonly tier: CustomerTier;
  readonly accountId: string;
  readonly region: string;
  /** The role the workloads assume in `accountId` (with the customer session tag when pooled). */
  readonly dataAccessRoleArn: string;
  readonly archive: ArchiveLocation;
  readonly database: DatabaseLocation;
  /**
   * Credentials of the data-access session (the AWS layer): S3 writes and
   * database tokens use them. Absent in local runs, where the process's own
   * credentials (or none) serve.
   */
  readonly credentials?: AwsCredentialIdentityProvider;
}

/**
 * Resolves a customer id to where its data lives: tier, account, region,
 * data-access role, archive bucket (and prefix), database endpoint and how to
 * log in. Workloads ask it per job or per webhook; layers cache answers.
 */
export class CustomerDirectory extends Context.Service<
  CustomerDirectory,
  {
    /**
     * Where the customer's data is: on its blueprint tier, or on `tier` when
     * given (the tier its database route names, during a promotion).
     */
    readonly locate: (customerId: string, tier?: CustomerTier) => Effect.Effect<CustomerLocation, DirectoryError>;
  }
>()('panops/directory/CustomerDirectory') {}

/** A stable key of the database a location names: customers that share a cluster share one key (and one pool). */
export const databasePoolKey = (location: CustomerLocation): string =>
  `${location.database.user}@${location.database.host}:${location.database.port}/${location.database.name}`;
