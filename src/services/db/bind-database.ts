import { Effect } from 'effect';
import { SqlClient } from 'effect/sql';
import { DatabaseBindingRefused, InvalidCustomerIdError } from './errors.js';
import { DEFAULT_MIGRATION_PARAMETERS } from './migrations.js';
import { postgresDetails } from './sql-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Binds a dedicated database to its one customer (sql/0010's
 * `panops_bind_database`), as the schema owner: the only role that may. Run by
 * the deploy-time migration hook right after the migrations, with the
 * customer's id from the blueprint. Idempotent for the same customer; a
 * database bound to another customer, or holding another customer's rows,
 * refuses it and the deployment fails. The `SqlClient` in context is an
 * administrator connection (it switches to the owner for the call only).
 */
export const bindDatabase = Effect.fn('db.bindDatabase')(function* (
  customerId: string,
  ownerRole: string = DEFAULT_MIGRATION_PARAMETERS.ownerRole,
) {
  if (!UUID.test(customerId)) return yield* new InvalidCustomerIdError({ customerId });
  const sql = yield* SqlClient.SqlClient;
  const rows = yield* sql
    .withTransaction(
      Effect.andThen(
        sql.unsafe(`SET LOCAL ROLE "${ownerRole.replaceAll('"', '""')}"`).unprepared,
        sql<{ bound: string }>`SELECT panops_bind_database(${customerId.toLowerCase()}::uuid) AS bound`,
      ),
    )
    .pipe(
      Effect.mapError(
        (cause) => new DatabaseBindingRefused({ customerId, message: postgresDetails(cause).message, cause }),
      ),
    );
  return rows[0]?.bound ?? customerId.toLowerCase();
});
