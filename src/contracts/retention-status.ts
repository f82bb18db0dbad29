import type { CustomerFigures } from './customer-figures.js';

/**
 * A customer's retention status as its database shows it: what
 * `panops retention-status` writes (JSON, one file per customer) and the
 * compliance report's Retention section reads (`--retention <dir>`). The
 * blueprint's side (policy, Object Lock, the synthesized lifecycle) the report
 * takes from synth; this is what only the database knows.
 */
export interface RetentionStatusMatter {
  readonly matter: string;
  /** Communications the matter holds. */
  readonly communications: number;
  /** When the matter's first hold still in force was placed (ISO). */
  readonly since: string;
}

export interface RetentionStatusPolicyScope {
  /** `*` or a platform. */
  readonly platform: string;
  /** `*` or a communication kind. */
  readonly kind: string;
  readonly retentionDays: number;
  readonly effectiveFrom: string;
}

/** The last disposition run that deleted something (a run that deletes nothing writes no audit row). */
export interface RetentionStatusDisposition {
  /** The run's cutoff (`now` of the run): rows retained until before it were due. */
  readonly cutoff: string;
  /** When its first and last batch were recorded (audit_log.occurred_at). */
  readonly recordedFrom: string;
  readonly recordedTo: string;
  readonly actor: string;
  readonly batches: number;
  /** Rows deleted per table, summed over the batches. */
  readonly deleted: Readonly<Record<string, number>>;
  readonly objectsReleasedToLifecycle: number;
  /** Each batch's SHA-256 of its deleted ids, in batch order. */
  readonly idsSha256: readonly string[];
}

export interface RetentionStatus extends CustomerFigures {
  /** The retention policy in force in the database, per scope (recorded from the blueprint at each run). */
  readonly policyInDatabase: readonly RetentionStatusPolicyScope[];
  /** Matters with at least one hold in force, by name. */
  readonly openMatters: readonly RetentionStatusMatter[];
  /** Records under legal hold: communications, and their attachments and recordings. */
  readonly held: { readonly communications: number; readonly attachments: number; readonly recordings: number };
  /** Held communications whose retention has passed (kept only by the hold). */
  readonly heldPastRetention: number;
  readonly lastDisposition: RetentionStatusDisposition | null;
}
