import type { FrameworkRef } from '../catalog/frameworks.js';
import type { GuardrailSeverity } from '../catalog/model.js';
import type { RehearsalReport } from '../deployability/model.js';
import type { LiveEvidence } from '../evidence/live/model.js';
import type { Provenance } from '../evidence/provenance.js';
import type { ReconcileEvidence } from '../evidence/reconcile.js';
import type { SourceLocation } from '../source-location.js';
import type { FrameworkView } from './framework-view.js';
import type { RetentionReport } from './retention.js';

/** Bumped on any change a consumer of report.json must know about. */
export const REPORT_SCHEMA_VERSION = '1.5.0';

/** Where a rule runs: cdk-nag and Guard at synth, database checks on the migrated schema. */
export type Layer = 'nag' | 'guard' | 'database';

/** The outcome of one rule in one stack. */
export type RuleStatus = 'passed' | 'not-applicable' | 'failed' | 'acknowledged';

/** One stack (one account and region) of the organization. */
export interface StackSummary {
  /** Construct path of the stack (its name): `PanOps-Customer-acme-capital`. */
  readonly stack: string;
  readonly account: string;
  readonly region: string;
  /** `customer` when tagged with a customer id, else `platform`. */
  readonly kind: 'customer' | 'platform';
  readonly customerId?: string;
  /** Repository-relative template path (`cdk.out/….template.json`). */
  readonly template: string;
  readonly resources: number;
  readonly counts: Counts;
}

/** Tallies, resources (or tables) for nag and SQL, resources or templates for Guard. */
export interface Counts {
  evaluated: number;
  passed: number;
  failed: number;
  acknowledged: number;
  /** Rules that had nothing to check in the scope. */
  notApplicable: number;
}

/** One rule's outcome in one stack. */
export interface StackRuleResult extends Counts {
  readonly stack: string;
  readonly status: RuleStatus;
}

/** One rule of one layer, with its per-stack outcomes (stacks where it had nothing to check are only counted). */
export interface RuleResult {
  readonly layer: Layer;
  /** `AwsSolutions-S2`, `s3_bucket_level_public_access_prohibited_check`, `PanOps-CustomerDataUsesCustomerKey`. */
  readonly ruleId: string;
  /** The id to acknowledge a finding with: `AwsSolutions::AwsSolutions-S2`. */
  readonly acknowledgementId: string;
  /** Pack name (nag) or rule file (Guard: `ct-s3-pr-1`, `aurora-backups-7-days`). */
  readonly source: string;
  /** Control Tower control this Guard rule verifies (`CT.S3.PR.1`). */
  readonly controlId?: string;
  readonly description: string;
  readonly guardrails: readonly string[];
  readonly totals: Counts;
  readonly stacks: readonly StackRuleResult[];
}

export interface AcknowledgementRef {
  readonly id: string;
  readonly reason: string;
  /** Construct path the acknowledgement was made on. */
  readonly at: string;
  readonly source?: SourceLocation;
}

/** A failed or acknowledged finding: one rule, one resource. */
export interface Finding {
  readonly status: 'failed' | 'acknowledged';
  readonly layer: Layer;
  readonly ruleId: string;
  readonly acknowledgementId: string;
  readonly guardrails: readonly string[];
  readonly severity: GuardrailSeverity;
  readonly stack: string;
  /** Construct path of the resource (the stack's path for a template-level finding). */
  readonly constructPath: string;
  readonly logicalId?: string;
  /** Repository-relative template the finding is in. */
  readonly file: string;
  /** Where the resource was created in the source, when CDK recorded it. */
  readonly source?: SourceLocation;
  readonly message: string;
  readonly fix?: string;
  readonly acknowledgement?: AcknowledgementRef;
  /** Why an acknowledgement that seems to cover it does not count (bare id, no reason). */
  readonly acknowledgementProblem?: string;
}

export interface LayerSummary {
  readonly scp: readonly { file: string; sid: string; exists: boolean }[];
  readonly controlTower: readonly {
    id: string;
    guardRule: string;
    title: string;
    ous: readonly string[];
    /** False while controls.json has no reviewed control identifier: verified at synth, not enabled at deploy. */
    enabledAtDeploy: boolean;
  }[];
  readonly nag: readonly string[];
  readonly guard: readonly string[];
  readonly database: readonly { control: string; evidence: string; rules: readonly string[] }[];
}

export interface GuardrailResult {
  readonly id: string;
  readonly title: string;
  readonly seedWords: readonly string[];
  readonly severity: GuardrailSeverity;
  readonly appliesTo: string;
  /** `fail`: an unacknowledged finding; `pass`: evaluated and held; `not-evaluated`: nothing in the organization to check. */
  readonly status: 'pass' | 'fail' | 'not-evaluated';
  readonly layers: LayerSummary;
  readonly preventiveGap?: string;
  /** What the guardrail does not close, stated (tenant isolation: side channels). */
  readonly residualRisks?: readonly string[];
  readonly totals: Counts;
  /** Its references in SEC 17a-4, FINRA 4511, SOC 2, NIST 800-53 and ISO 27001 (catalog/framework-mappings.ts). */
  readonly frameworks: readonly FrameworkRef[];
}

/** One database check on one subject (a table or a role). */
export interface DatabaseCheckOutcome {
  /** A key of DATABASE_RULES (src/guardrails/database/rules.ts). */
  readonly ruleId: string;
  /** `table public.customers`, `role panops_app`, `migrations`. */
  readonly subject: string;
  readonly status: 'passed' | 'failed';
  /** What was seen, in words an auditor can check. */
  readonly detail: string;
  /** Repository-relative migration file the subject comes from. */
  readonly file: string;
}

/** The database layer's evidence: the migrations applied to an embedded PostgreSQL and every check's outcome. */
export interface DatabaseEvidence {
  /** `skipped` when the run was told not to open a database (fast local runs). */
  readonly status: 'evaluated' | 'skipped';
  /** The engine the migrations ran on, e.g. `PGlite 0.5.14 (PostgreSQL 18.1)`. */
  readonly engine?: string;
  /** Repository-relative folder of the migrations. */
  readonly migrationsDir: string;
  /**
   * Files the checked schema was built from, in order: applied in this run,
   * or by an earlier run to a cached template keyed by exactly these files
   * (checksums verified on open). Not said which, so the report stays
   * byte-identical whatever the cache holds.
   */
  readonly migrations: readonly string[];
  /** Files not applied because the engine lacks an extension they need. */
  readonly skipped: readonly string[];
  /** The role the application connects as. */
  readonly appRole: string;
  readonly outcomes: readonly DatabaseCheckOutcome[];
}

export interface AcknowledgementEntry extends AcknowledgementRef {
  /** Findings it accepted in this run. */
  readonly findings: number;
  /** Set when the acknowledgement is not valid evidence (bare id, empty reason). */
  readonly problem?: string;
}

export interface ComplianceReport {
  readonly schemaVersion: string;
  /** ISO time of generation, or null when turned off (tests, reproducible builds). */
  readonly generatedAt: string | null;
  readonly tool: {
    readonly name: string;
    readonly cdkNag: string;
    readonly cfnGuardValidator: string;
    readonly cdk: string;
  };
  readonly summary: {
    readonly outcome: 'pass' | 'fail';
    readonly guardrails: {
      readonly total: number;
      readonly passed: number;
      readonly failed: number;
      readonly notEvaluated: number;
    };
    readonly stacks: number;
    readonly rules: number;
    readonly failedFindings: number;
    readonly acknowledgedFindings: number;
  };
  readonly guardrails: readonly GuardrailResult[];
  readonly stacks: readonly StackSummary[];
  readonly rules: readonly RuleResult[];
  readonly findings: readonly Finding[];
  readonly acknowledgements: readonly AcknowledgementEntry[];
  /** The database layer: tenant isolation checked on the migrated schema. */
  readonly database: DatabaseEvidence;
  /** Which isolation each database tier gives, and which customers are in it (organization runs only). */
  readonly tiers?: readonly TierReport[];
  /** Framework → control → guardrails → evidence, with the requirements no guardrail covers. */
  readonly frameworks: readonly FrameworkView[];
  /** The commit, tool versions and blueprint hash the report was produced from (organization runs). */
  readonly provenance?: Provenance;
  /** What the deployed organization shows beside each synth-time promise (`--live` runs only). */
  readonly live?: LiveEvidence;
  /** The deploy rehearsal of the same templates (src/guardrails/deployability), when it ran. */
  readonly deployability?: RehearsalReport;
  /** Completeness: the reconcile figures given to the run (`--reconcile <dir>`). */
  readonly reconcile?: ReconcileEvidence;
  /**
   * Retention per customer (organization runs): policy, Object Lock, effective retention and the archive
   * lifecycle from synth; open matters, held counts and the last disposition run when supplied (`--retention <dir>`).
   */
  readonly retention?: RetentionReport;
}

/** One database tier: its isolation statement (from `TIER_ISOLATION`) and its customers. */
export interface TierReport {
  readonly tier: 'pooled' | 'dedicated';
  readonly kind: string;
  readonly summary: string;
  readonly layers: ReadonlyArray<{
    readonly layer: string;
    readonly control: string;
    readonly evidence: readonly string[];
  }>;
  /** Side channels between the tier's tenants: mitigated, or stated as residual. */
  readonly residualChannels: ReadonlyArray<{
    readonly channel: string;
    readonly reveals: string;
    readonly status: 'mitigated' | 'residual';
    readonly mitigation: string;
    readonly evidence: readonly string[];
  }>;
  /** Customer slugs, sorted. */
  readonly customers: readonly string[];
}
