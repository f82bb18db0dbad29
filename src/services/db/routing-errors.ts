import { Schema } from 'effect';

/**
 * Failures of routing a customer to its database. None of them ever sends a
 * query: a customer that cannot be routed is refused before any connection.
 */

/** No route is recorded for the customer: never defaulted to the pooled cluster. */
export class UnknownCustomerError extends Schema.TaggedError<UnknownCustomerError>()('UnknownCustomerError', {
  customerId: Schema.String,
}) {
  override get message() {
    return `customer ${this.customerId} has no database route; seed the routes from the blueprint`;
  }
}

/** The customer's database has no connection settings in this process (a dedicated database not configured). */
export class DatabaseNotConfiguredError extends Schema.TaggedError<DatabaseNotConfiguredError>()(
  'DatabaseNotConfiguredError',
  { customerId: Schema.String, database: Schema.String },
) {
  override get message() {
    return `database ${this.database} of customer ${this.customerId} has no connection settings in this process`;
  }
}

/** The customer is being moved to another database: writes are frozen until routing switches. Retry later. */
export class CustomerRelocatingError extends Schema.TaggedError<CustomerRelocatingError>()('CustomerRelocatingError', {
  customerId: Schema.String,
  promotionId: Schema.String,
}) {
  override get message() {
    return `customer ${this.customerId} is being relocated (promotion ${this.promotionId}); retry after it switches`;
  }
}

/** Every open database pool is in use and none went idle in time: the per-process connection bound held. Retry later. */
export class DatabasePoolsExhaustedError extends Schema.TaggedError<DatabasePoolsExhaustedError>()(
  'DatabasePoolsExhaustedError',
  { customerId: Schema.String, database: Schema.String, openDatabases: Schema.Number },
) {
  override get message() {
    return `no database pool free for ${this.database} (customer ${this.customerId}): ${this.openDatabases} databases open, the limit`;
  }
}

/** The route store could not be read or written, or a compare-and-set lost. */
export class RouteStoreError extends Schema.TaggedError<RouteStoreError>()('RouteStoreError', {
  customerId: Schema.String,
  reason: Schema.Literals(['conflict', 'unavailable', 'corrupt']),
  detail: Schema.String,
}) {}

/** Every error routing can add. */
export type RoutingError =
  | UnknownCustomerError
  | DatabaseNotConfiguredError
  | CustomerRelocatingError
  | DatabasePoolsExhaustedError
  | RouteStoreError;
