/** How bad a breach of the guardrail is; the report and SARIF levels follow it. */
export type GuardrailSeverity = 'critical' | 'high' | 'medium' | 'low';

/** A statement of an SCP document in `policies/scp/` (owned by the organization stack). */
export interface ScpStatementRef {
  /** File name inside `policies/scp/`. */
  readonly file: string;
  readonly sid: string;
}

/** A database-level control (row-level security) and where its evidence comes from. */
export interface DatabaseCheck {
  /** What the database enforces, in words. */
  readonly control: string;
  /** Where it is proven: the migration or test that shows it. */
  readonly evidence: string;
  /** The database checks of the compliance run that verify it (keys of DATABASE_RULES). */
  readonly rules: readonly string[];
}

/**
 * One guardrail and every layer that enforces it, from the organization
 * (preventive: SCP, Control Tower) to synth time (cdk-nag, Guard) and the
 * database. The compliance report is generated from this and the results.
 */
export interface Guardrail {
  /** Stable kebab-case id; the project's Guard rule file for it has this name. */
  readonly id: string;
  readonly title: string;
  /** The words of the seed (the specification) this guardrail comes from, quoted. */
  readonly seedWords: readonly string[];
  readonly severity: GuardrailSeverity;
  /** Which accounts it governs, in words (`customer accounts`, `every account`). */
  readonly appliesTo: string;
  readonly layers: {
    /** Preventive, at the organization: SCP statements. */
    readonly scp: readonly ScpStatementRef[];
    /** Control Tower controls of `policies/control-tower/controls.json`: enforced at deploy, verified at synth by their bundled Guard rule. */
    readonly controlTower: readonly string[];
    /** cdk-nag rule ids (`AwsSolutions-S2`, `NIST.800.53.R5-…`, `PanOps-…`), checked at synth. */
    readonly nag: readonly string[];
    /** The project's own Guard rule names (policies/guard), checked at synth. */
    readonly guard: readonly string[];
    /** Database controls (tenant isolation): enforced by PostgreSQL itself, proven by the database tests in CI. */
    readonly database: readonly DatabaseCheck[];
  };
  /**
   * Why the guardrail has no preventive layer (SCP or Control Tower control),
   * when it has none. The report shows it; a guardrail with neither fails the catalog test.
   */
  readonly preventiveGap?: string;
  /** What the guardrail does not close, stated in the report beside its layers. */
  readonly residualRisks?: readonly string[];
}
