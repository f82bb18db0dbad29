/**
 * A small evaluator of synthesized IAM policy statements, for the tests that
 * must show what a role can and cannot do (no IAM policy simulator package
 * is installed; this one covers what our templates use). It resolves
 * CloudFormation intrinsics to placeholders (`Fn::GetAtt [X, Arn]` is
 * `<X.Arn>`, `Ref X` is `<X>`, the partition `aws`), substitutes
 * `${aws:PrincipalTag/...}` from the request context, and decides as IAM
 * does within one policy: allowed when an Allow statement matches and no
 * Deny does. Action/Resource globs (`*`, `?`) and the condition operators
 * StringEquals, StringLike, ArnEquals, ArnLike and ForAllValues:StringEquals;
 * anything else (NotAction, NotResource, other operators) throws, so a test
 * never passes on a statement it did not understand.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 */

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON
type Json = any;

export interface IamRequest {
  readonly action: string;
  readonly resource?: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

/** A CloudFormation value as a string: intrinsics become placeholders. */
export const resolveIntrinsic = (value: Json): string => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'] as [string, Json[]];
      return parts.map(resolveIntrinsic).join(separator);
    }
    if ('Fn::GetAtt' in value) {
      const [id, attribute] = value['Fn::GetAtt'] as [string, string];
      return `<${id}.${attribute}>`;
    }
    if ('Ref' in value) return value.Ref === 'AWS::Partition' ? 'aws' : `<${value.Ref}>`;
  }
  throw new Error(`iam-evaluate: cannot resolve ${JSON.stringify(value)}`);
};

const list = (value: Json): Json[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

const glob = (pattern: string, value: string, caseInsensitive = false): boolean => {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '').test(value);
};

const substitute = (pattern: string, context: IamRequest['context']): string =>
  pattern.replace(/\$\{([^}]+)\}/g, (_, key: string) => {
    const value = context?.[key];
    // An absent variable makes the element match nothing (IAM treats it as a failed substitution).
    return typeof value === 'string' ? value : '\u0000absent\u0000';
  });

const conditionHolds = (operator: string, key: string, expected: Json, context: IamRequest['context']): boolean => {
  const wanted = list(expected).map(resolveIntrinsic);
  const actual = context?.[key];
  switch (operator) {
    case 'StringEquals':
    case 'ArnEquals':
      return typeof actual === 'string' && wanted.some((w) => w === actual);
    case 'StringLike':
    case 'ArnLike':
      return typeof actual === 'string' && wanted.some((w) => glob(substitute(w, context), actual));
    case 'ForAllValues:StringEquals':
      return list(actual).every((a) => wanted.includes(a));
    default:
      throw new Error(`iam-evaluate: condition operator ${operator} is not supported`);
  }
};

const matches = (statement: Json, request: IamRequest): boolean => {
  for (const unsupported of ['NotAction', 'NotResource', 'NotPrincipal'])
    if (unsupported in statement) throw new Error(`iam-evaluate: ${unsupported} is not supported`);
  const actions = list(statement.Action).map(resolveIntrinsic);
  if (!actions.some((a) => glob(a, request.action, true))) return false;
  if (statement.Resource !== undefined) {
    const resources = list(statement.Resource).map((r) => substitute(resolveIntrinsic(r), request.context));
    if (request.resource === undefined || !resources.some((r) => glob(r, request.resource as string))) return false;
  }
  for (const [operator, keys] of Object.entries(statement.Condition ?? {}))
    for (const [key, expected] of Object.entries(keys as Record<string, Json>))
      if (!conditionHolds(operator, key, expected, request.context)) return false;
  return true;
};

/** Whether these statements (one policy document) allow the request. */
export const allows = (statements: readonly Json[], request: IamRequest): boolean =>
  statements.some((s) => s.Effect === 'Allow' && matches(s, request)) &&
  !statements.some((s) => s.Effect === 'Deny' && matches(s, request));
