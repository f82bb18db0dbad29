/**
 * Synthesized CloudFormation as the tests read it: untyped JSON behind the
 * few helpers every stack test needs (resources, resources of one type,
 * policy statements), so each test file says what it checks, not how to dig.
 */

/** Properties of a synthesized resource: untyped CloudFormation JSON, read by tests. */
// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON
export type CfnProperties = Record<string, any>;

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: CfnProperties;
  readonly DependsOn?: string[];
  readonly Metadata?: Record<string, unknown>;
}

export type Resources = Record<string, CfnResource>;

/** The `Resources` of a synthesized template (`Template` from aws-cdk-lib/assertions, or its JSON). */
export const resourcesOf = (template: { toJSON(): unknown } | { Resources: unknown }): Resources =>
  ('Resources' in template ? template.Resources : (template.toJSON() as { Resources: unknown }).Resources) as Resources;

/** Every resource of one type, as `[logicalId, resource]` in template order. */
export const resourcesOfType = <R extends { Type: string } = CfnResource>(
  resources: Readonly<Record<string, R>>,
  type: string,
): [string, R][] => Object.entries(resources).filter(([, r]) => r.Type === type);

/** An IAM policy statement as synthesized. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: Record<string, unknown>;
}

/** The statements of a policy document. */
export const statementsOf = (document: unknown): Statement[] => (document as { Statement: Statement[] }).Statement;
