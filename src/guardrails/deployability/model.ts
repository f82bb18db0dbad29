/**
 * The deploy rehearsal's vocabulary: what it checked and what would fail a
 * real deploy. Plain data, shared by the checks, the CLI and the compliance report.
 */

/** The rehearsal's checks, in the order they run. */
export const REHEARSAL_CHECKS = {
  schema: 'cfn-lint: every template against the CloudFormation resource schemas (errors; reviewed exceptions)',
  'iam-names': 'every action and condition key in our SCPs and policies exists (IAM service reference, iam-data)',
  'scp-deploy':
    "SCPs on each account's OU path against the principals that deploy there, for every action their templates need",
  'service-principal':
    'AWS service principals that write into our buckets or use our keys, against the bucket and key policies',
  'customer-data': 'workload roles against customer data (archive read, customer-key decrypt, data-access role)',
  'sdk-steps': 'vend, drift, preflight and the deploy plan against moto_server (the AWS API emulator)',
} as const;

export type RehearsalCheck = keyof typeof REHEARSAL_CHECKS;

/** One thing that would fail (or be wrong after) a real deploy. */
export interface RehearsalFinding {
  readonly check: RehearsalCheck;
  /** The template file name (or `<template>#<StackSet>` for a StackSet's embedded template, `-` for none). */
  readonly template: string;
  /** The resource's logical id (or the policy / step the finding is about). */
  readonly resource: string;
  /** What is wrong, with the rule or request that shows it. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
}

/** How one check went: what it evaluated, what it found, what it could not see. */
export interface CheckOutcome {
  readonly check: RehearsalCheck;
  readonly title: string;
  /** How many things the check evaluated (templates, requests, calls). */
  readonly evaluated: number;
  readonly findings: readonly RehearsalFinding[];
  /** Facts worth knowing that are not findings (skipped inputs, emulator gaps, tool versions). */
  readonly notes: readonly string[];
  /** Not run (e.g. moto_server missing): why. A skipped check is not a pass. */
  readonly skipped?: string;
}

/** One cell of the access matrix: may this role do this to this customer's data? */
export interface AccessCell {
  readonly role: string;
  readonly roleTemplate: string;
  /** `read-archive`, `decrypt-customer-key`, `assume-data-access-role`. */
  readonly access: CustomerDataAccess;
  readonly resource: string;
  readonly resourceTemplate: string;
  readonly allowed: boolean;
  /** Whether the role is meant to have this access (the expected matrix). */
  readonly expected: boolean;
}

export type CustomerDataAccess = 'read-archive' | 'decrypt-customer-key' | 'assume-data-access-role';

export interface RehearsalReport {
  readonly outcome: 'pass' | 'fail';
  readonly templates: readonly string[];
  readonly checks: readonly CheckOutcome[];
  readonly accessMatrix: readonly AccessCell[];
  readonly tool: { readonly cfnLint: string | null; readonly iamData: string; readonly iamSimulate: string };
}

export const findingLine = (f: RehearsalFinding): string =>
  `${f.check}: ${f.template} ${f.resource}: ${f.message} Fix: ${f.fix}`;
