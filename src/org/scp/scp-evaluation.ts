import type { PolicyDocument, PolicyStatement } from './scp-documents.js';

/**
 * Which Deny statements of a set of SCPs refuse one request. Only what our
 * SCPs use is implemented; anything else throws, so a new operator cannot be
 * silently read as "no match". Semantics from the IAM policy reference:
 * - Action / NotAction with `*` and `?` wildcards, case-insensitive
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html,
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html);
 * - every condition operator must match and, within one, every key (AND), any
 *   value (OR); a key absent from the request makes a positive operator false
 *   and a negated one (`...Not...`) true
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
 */
export interface ScpRequest {
  readonly action: string;
  /** Condition keys of the request (`aws:PrincipalArn`, `aws:RequestedRegion`, `s3:x-amz-acl`, ...). */
  readonly context: Readonly<Record<string, string>>;
}

/** A glob with `*` and `?` as IAM reads it in actions and in ...Like operators. */
export const globMatches = (pattern: string, value: string, caseInsensitive: boolean): boolean => {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '').test(value);
};

const list = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

const actionMatches = (statement: Pick<PolicyStatement, 'Sid' | 'Action' | 'NotAction'>, action: string): boolean => {
  if (statement.Action !== undefined) return list(statement.Action).some((p) => globMatches(p, action, true));
  if (statement.NotAction !== undefined) return !list(statement.NotAction).some((p) => globMatches(p, action, true));
  throw new Error(`statement ${statement.Sid} has neither Action nor NotAction`);
};

type Comparison = (expected: string, actual: string) => boolean;
const numeric =
  (compare: (a: number, e: number) => boolean): Comparison =>
  (e, a) =>
    compare(Number(a), Number(e));
const POSITIVE: Record<string, Comparison> = {
  StringEquals: (e, a) => e === a,
  StringEqualsIgnoreCase: (e, a) => e.toLowerCase() === a.toLowerCase(),
  StringLike: (e, a) => globMatches(e, a, false),
  ArnLike: (e, a) => globMatches(e, a, false),
  ArnEquals: (e, a) => globMatches(e, a, false),
  Bool: (e, a) => e.toLowerCase() === a.toLowerCase(),
  NumericEquals: numeric((a, e) => a === e),
  NumericLessThan: numeric((a, e) => a < e),
  NumericLessThanEquals: numeric((a, e) => a <= e),
  NumericGreaterThan: numeric((a, e) => a > e),
  NumericGreaterThanEquals: numeric((a, e) => a >= e),
};
const NEGATED: Record<string, string> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  ArnNotLike: 'ArnLike',
  ArnNotEquals: 'ArnEquals',
  NumericNotEquals: 'NumericEquals',
};

type ConditionValue = string | number | boolean | readonly (string | number | boolean)[];
const values = (value: ConditionValue): string[] => (Array.isArray(value) ? value : [value]).map(String);

const operatorMatches = (
  sid: string,
  operator: string,
  keys: Record<string, ConditionValue>,
  context: ScpRequest['context'],
): boolean => {
  // ...IfExists: a key absent from the request matches; otherwise the base operator decides.
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  return Object.entries(keys).every(([key, expected]) => {
    const actual = context[key];
    if (base === 'Null') return values(expected).some((e) => (e === 'true') === (actual === undefined));
    if (ifExists && actual === undefined) return true;
    const positive = POSITIVE[base];
    if (positive) return actual !== undefined && values(expected).some((e) => positive(e, actual));
    const negatedOf = NEGATED[base];
    const compare = negatedOf ? POSITIVE[negatedOf] : undefined;
    if (!compare)
      throw new Error(`statement ${sid}: condition operator ${operator} is not understood by this evaluator`);
    return actual === undefined || !values(expected).some((e) => compare(e, actual));
  });
};

/** Whether one statement applies to the request (its action and all its conditions match). */
export const statementApplies = (
  statement: Pick<PolicyStatement, 'Sid' | 'Action' | 'NotAction' | 'Condition'>,
  request: ScpRequest,
): boolean =>
  actionMatches(statement, request.action) &&
  Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    operatorMatches(statement.Sid, operator, keys as Record<string, ConditionValue>, request.context),
  );

/** The Sids of the Deny statements, across the documents, that refuse the request. */
export const denyingStatements = (documents: readonly PolicyDocument[], request: ScpRequest): string[] =>
  documents.flatMap((d) =>
    d.Statement.filter((s) => s.Effect === 'Deny' && statementApplies(s, request)).map((s) => s.Sid),
  );
