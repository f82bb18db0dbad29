/**
 * The character sets and lengths IAM's API accepts for the text fields our
 * templates set, as the IAM API reference documents them:
 * - CreateRole (RoleName, Path, Description):
 *   https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
 * - PutRolePolicy (PolicyName, the inline policies of a role and AWS::IAM::Policy):
 *   https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html
 * - CreatePolicy (managed policy PolicyName, Path, Description: length only):
 *   https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html
 * - CreateInstanceProfile (InstanceProfileName):
 *   https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html
 */
export interface IamTextRule {
  readonly pattern: RegExp;
  readonly min: number;
  readonly max: number;
  readonly source: string;
}

const NAME = /^[\w+=,.@-]+$/;
const PATH = /^(\/|\/[\u0021-\u007F]+\/)$/;
/** Role description: tab, LF, CR, printable ASCII and Latin-1 (U+00A1–U+00FF); no typographic quotes. */
const ROLE_DESCRIPTION = /^[\t\n\r\u0020-\u007E\u00A1-\u00FF]*$/;
const ANY = /^[\s\S]*$/;

const API = 'https://docs.aws.amazon.com/IAM/latest/APIReference';

/** Field path (`Type.Property`, `[]` for each list item) → the rule IAM applies to it. */
export const IAM_TEXT_RULES: Readonly<Record<string, IamTextRule>> = {
  'AWS::IAM::Role.RoleName': { pattern: NAME, min: 1, max: 64, source: `${API}/API_CreateRole.html` },
  'AWS::IAM::Role.Path': { pattern: PATH, min: 1, max: 512, source: `${API}/API_CreateRole.html` },
  'AWS::IAM::Role.Description': { pattern: ROLE_DESCRIPTION, min: 0, max: 1000, source: `${API}/API_CreateRole.html` },
  'AWS::IAM::Role.Policies[].PolicyName': { pattern: NAME, min: 1, max: 128, source: `${API}/API_PutRolePolicy.html` },
  'AWS::IAM::Policy.PolicyName': { pattern: NAME, min: 1, max: 128, source: `${API}/API_PutRolePolicy.html` },
  'AWS::IAM::ManagedPolicy.ManagedPolicyName': {
    pattern: NAME,
    min: 1,
    max: 128,
    source: `${API}/API_CreatePolicy.html`,
  },
  'AWS::IAM::ManagedPolicy.Path': { pattern: PATH, min: 1, max: 512, source: `${API}/API_CreatePolicy.html` },
  'AWS::IAM::ManagedPolicy.Description': { pattern: ANY, min: 0, max: 1000, source: `${API}/API_CreatePolicy.html` },
  'AWS::IAM::InstanceProfile.InstanceProfileName': {
    pattern: NAME,
    min: 1,
    max: 128,
    source: `${API}/API_CreateInstanceProfile.html`,
  },
  'AWS::IAM::InstanceProfile.Path': {
    pattern: PATH,
    min: 1,
    max: 512,
    source: `${API}/API_CreateInstanceProfile.html`,
  },
};

/** One IAM text field of a template that IAM would refuse. */
export interface IamTextViolation {
  readonly logicalId: string;
  readonly field: string;
  readonly value: string;
  readonly source: string;
}

/**
 * The literal text of a value: a string as is; an `Fn::Join` with its literal
 * parts kept and each intrinsic replaced by `x` (a name character, so only
 * what we wrote is judged); anything else (a Ref, an attribute) is resolved
 * by CloudFormation and not ours to judge: undefined.
 */
const literalText = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (!join) return undefined;
  const [separator, parts] = join;
  return parts.map((part) => (typeof part === 'string' ? part : 'x')).join(separator);
};

const check = (field: string, rule: IamTextRule, logicalId: string, value: unknown): IamTextViolation[] => {
  const text = literalText(value);
  if (text === undefined) return [];
  const ok = rule.pattern.test(text) && text.length >= rule.min && text.length <= rule.max;
  return ok ? [] : [{ logicalId, field, value: text, source: rule.source }];
};

/** Every IAM text field of a template that breaks IAM's documented pattern or length. */
export const iamTextViolations = (template: {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}): IamTextViolation[] =>
  Object.entries(template.Resources ?? {}).flatMap(([logicalId, resource]) =>
    Object.entries(IAM_TEXT_RULES).flatMap(([field, rule]) => {
      const dot = field.indexOf('.');
      const type = field.slice(0, dot);
      const path = field.slice(dot + 1);
      if (resource.Type !== type) return [];
      const properties = resource.Properties ?? {};
      if (path.includes('[]')) {
        const [list, property] = path.split('[].') as [string, string];
        const items = (properties[list] as Record<string, unknown>[] | undefined) ?? [];
        return items.flatMap((item) => check(field, rule, logicalId, item[property]));
      }
      return path in properties ? check(field, rule, logicalId, properties[path]) : [];
    }),
  );
