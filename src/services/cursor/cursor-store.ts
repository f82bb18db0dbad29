import { Context, type Effect, type Option } from 'effect';
import type { CursorConflict, Transient } from '../pipeline/errors.js';

/** Which cursor: one per (customer, connector, scope). */
export interface CursorKey {
  readonly customerId: string;
  readonly connectorId: string;
  /** The connector's scope: a mailbox, a mail folder id, a channel. */
  readonly scope: string;
}

export interface CursorRecord {
  /** The connector's opaque cursor. */
  readonly value: string;
  /** Incremented by every advance; the condition of the next one. Starts at 1. */
  readonly version: number;
  readonly updatedAt: string;
}

/** The string a cursor key is stored under (DynamoDB partition key `pk`, file name locally). */
export const cursorKeyString = (key: CursorKey): string => `${key.customerId}#${key.connectorId}#${key.scope}`;

/**
 * Delta cursors, advanced only by compare-and-set: `advance` succeeds only if
 * the stored version is still `expectedVersion` (0: no cursor yet), so two
 * workers running the same round cannot both move one cursor — the second
 * gets `CursorConflict`.
 */
export class CursorStore extends Context.Service<
  CursorStore,
  {
    readonly get: (key: CursorKey) => Effect.Effect<Option.Option<CursorRecord>, Transient>;
    readonly advance: (
      key: CursorKey,
      expectedVersion: number,
      value: string,
    ) => Effect.Effect<CursorRecord, CursorConflict | Transient>;
  }
>()('panops/cursor/CursorStore') {}
