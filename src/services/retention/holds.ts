import { Effect } from 'effect';
import { SqlClient } from 'effect/sql';
import { TenantSql } from '../db/tenant-sql.js';

/**
 * Named legal holds (sql/0014): a matter holds communications; a record is
 * held while any matter holds it. Placing goes through `panops_place_hold`
 * (the application role may: a hold only protects more); lifting goes
 * through `panops_release_hold`, which only the owner role may execute.
 * Both write an audit_log row with the actor and the reason.
 */
export interface HoldRequest {
  readonly customerId: string;
  readonly matter: string;
  /** The communications; for a release, undefined means every one the matter holds. */
  readonly ids: readonly string[] | undefined;
  readonly actor: string;
  readonly reason: string;
}

export interface PlacedHold {
  /** Communications this matter newly holds. */
  readonly placed: readonly string[];
  /** Every requested communication that exists, now held. */
  readonly held: readonly string[];
}

export interface ReleasedHold {
  /** Communications this matter no longer holds. */
  readonly released: readonly string[];
  /** Of those, the ones no matter holds any more. */
  readonly lifted: readonly string[];
  /** Of those, the ones another matter still holds. */
  readonly stillHeld: readonly string[];
}

const uuidArray = (ids: readonly string[] | undefined) => (ids === undefined ? null : `{${ids.join(',')}}`);

/** Places a hold as the application role, under the customer's tenant. */
export const placeHold = Effect.fn('Holds.place')(function* (request: HoldRequest) {
  const tenant = yield* TenantSql;
  const rows = yield* tenant.withCustomer(
    request.customerId,
    tenant.sql<{ result: { placed: string[]; held: string[] } }>`
      SELECT panops_place_hold(${request.customerId}::uuid, ${request.matter}, ${uuidArray(request.ids ?? [])}::uuid[],
        ${request.actor}, ${request.reason}) AS result`,
  );
  const result = rows[0]?.result ?? { placed: [], held: [] };
  return { placed: result.placed, held: result.held } satisfies PlacedHold;
});

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Runs `effect` in one transaction as the owner role (`SET LOCAL ROLE`), on a
 * connection that may become it: an administrator's, or on PGlite the
 * bootstrap superuser behind the application role's session
 * (`SET LOCAL SESSION AUTHORIZATION postgres` first; PGlite is local, not a
 * security boundary: src/services/db/pglite.ts).
 */
export const asOwner = <A, E, R>(
  ownerRole: string,
  effect: Effect.Effect<A, E, R>,
  options: { readonly fromPgliteSession?: boolean } = {},
) =>
  Effect.gen(function* () {
    if (!IDENTIFIER.test(ownerRole)) return yield* Effect.die(new Error(`bad owner role name ${ownerRole}`));
    const sql = yield* SqlClient.SqlClient;
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        if (options.fromPgliteSession) yield* sql.unsafe('SET LOCAL SESSION AUTHORIZATION postgres').unprepared;
        yield* sql.unsafe(`SET LOCAL ROLE "${ownerRole}"`).unprepared;
        return yield* effect;
      }),
    );
  });

/** Releases a hold; must run inside `asOwner` (the application role is refused EXECUTE). */
export const releaseHold = Effect.fn('Holds.release')(function* (request: HoldRequest) {
  const sql = yield* SqlClient.SqlClient;
  const rows = yield* sql<{ result: { released: string[]; lifted: string[]; still_held: string[] } }>`
    SELECT panops_release_hold(${request.customerId}::uuid, ${request.matter}, ${uuidArray(request.ids)}::uuid[],
      ${request.actor}, ${request.reason}) AS result`;
  const result = rows[0]?.result ?? { released: [], lifted: [], still_held: [] };
  return { released: result.released, lifted: result.lifted, stillHeld: result.still_held } satisfies ReleasedHold;
});

/**
 * The archive keys of the given communications (raw item, provider envelope,
 * attachments, recordings) that `held` decides about: with `held: true` every
 * key of them; with `held: false` only keys no held communication of the
 * customer still references (a content-addressed object can be shared).
 * Runs inside the caller's tenant transaction.
 */
export const objectKeysOf = (sql: SqlClient.SqlClient, customerId: string, ids: readonly string[], held: boolean) =>
  sql<{ key: string }>`
    WITH keys AS (
      SELECT c.raw_object_key AS key FROM communications c
       WHERE c.customer_id = ${customerId} AND c.id = ANY (${uuidArray(ids)}::uuid[])
      UNION SELECT c.metadata -> 'envelope' ->> 'key' FROM communications c
       WHERE c.customer_id = ${customerId} AND c.id = ANY (${uuidArray(ids)}::uuid[])
      UNION SELECT a.object_key FROM attachments a
       WHERE a.customer_id = ${customerId} AND a.communication_id = ANY (${uuidArray(ids)}::uuid[])
      UNION SELECT r.object_key FROM recordings r
       WHERE r.customer_id = ${customerId} AND r.communication_id = ANY (${uuidArray(ids)}::uuid[])
    )
    SELECT key FROM keys k WHERE key IS NOT NULL AND (${held} OR NOT EXISTS (
      SELECT 1 FROM communications c
      LEFT JOIN attachments a ON a.customer_id = c.customer_id AND a.communication_id = c.id
      LEFT JOIN recordings r ON r.customer_id = c.customer_id AND r.communication_id = c.id
      WHERE c.customer_id = ${customerId} AND c.legal_hold
        AND k.key IN (c.raw_object_key, c.metadata -> 'envelope' ->> 'key', a.object_key, r.object_key)))
    ORDER BY key`.pipe(Effect.map((rows) => rows.map((r) => r.key)));

/** Communications of the customer whose subject or text matches a web-search query (for `hold --query`). */
export const idsMatching = (sql: SqlClient.SqlClient, customerId: string, query: string) =>
  sql<{ id: string }>`
    SELECT id FROM communications
    WHERE customer_id = ${customerId}
      AND to_tsvector('english', coalesce(subject, '') || ' ' || coalesce(body_text, '')) @@ websearch_to_tsquery('english', ${query})
    ORDER BY id`.pipe(Effect.map((rows) => rows.map((r) => r.id)));
