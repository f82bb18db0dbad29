/** What cfn-guard concluded for one named rule on one template. */
export type GuardStatus = 'PASS' | 'FAIL' | 'SKIP';

/** One failed check of a rule: the resource it points at (if any) and the rule's message. */
export interface GuardFailure {
  /** Logical id of the failing resource; undefined for a template-level failure (e.g. "no trail in this account"). */
  readonly logicalId?: string;
  /** The rule's own words: `[CT.S3.PR.1]: Require ...` or `[PANOPS.TRAIL]: ...`. */
  readonly message: string;
  readonly fix?: string;
}

/** cfn-guard's verdict on one template: every named rule's status, and the failures. */
export interface GuardTemplateResult {
  /** The template file as passed to cfn-guard. */
  readonly template: string;
  readonly statuses: ReadonlyMap<string, GuardStatus>;
  readonly failures: ReadonlyMap<string, readonly GuardFailure[]>;
}

/** One element of `cfn-guard validate -o json -z` output (one per data file). */
interface RawFileResult {
  readonly name: string;
  readonly compliant?: readonly string[];
  readonly not_applicable?: readonly string[];
  readonly not_compliant?: readonly { readonly Rule?: { readonly name: string } }[];
}

/** Every string under a key named `path` (cfn-guard puts the traversed document paths there). */
const collect = (value: unknown, key: string, out: string[]): string[] => {
  if (Array.isArray(value)) for (const item of value) collect(item, key, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === key && typeof v === 'string') out.push(v);
      else collect(v, key, out);
    }
  }
  return out;
};

/** Splits a rule's custom message into its description and its `[FIX]:` line. */
const parseMessage = (raw: string): { message: string; fix?: string } => {
  const lines = raw
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const fix = lines.find((l) => l.startsWith('[FIX]'))?.replace(/^\[FIX\]:\s*/, '');
  const message = lines.filter((l) => !l.startsWith('[FIX]')).join(' ');
  return fix ? { message, fix } : { message };
};

/**
 * One failure per (resource, message) of a not-compliant rule. A rule may
 * check several properties of one resource; those collapse into one failure.
 */
const failuresOf = (ruleName: string, notCompliant: unknown): GuardFailure[] => {
  const messages = collect(notCompliant, 'custom_message', []).filter((m) => m.trim() !== '');
  const { message, fix } = parseMessage(messages[0] ?? `${ruleName} is not compliant`);
  const logicalIds = [
    ...new Set(
      collect(notCompliant, 'path', [])
        .map((p) => /^\/Resources\/([^/]+)/.exec(p)?.[1])
        .filter((id): id is string => id !== undefined),
    ),
  ].sort();
  const base = fix ? { message, fix } : { message };
  return logicalIds.length > 0 ? logicalIds.map((logicalId) => ({ logicalId, ...base })) : [base];
};

/**
 * Reads `cfn-guard validate -o json -z -S none` output. A rule file may
 * declare a rule twice (the Control Tower rules have a template form and a
 * hook form): the rule fails if any form failed, passes if any passed, and
 * is skipped otherwise.
 */
export const parseGuardJson = (stdout: string): GuardTemplateResult[] =>
  (JSON.parse(stdout) as RawFileResult[]).map((file) => {
    const statuses = new Map<string, GuardStatus>();
    const failures = new Map<string, GuardFailure[]>();
    for (const name of file.not_applicable ?? []) statuses.set(name, 'SKIP');
    for (const name of file.compliant ?? []) statuses.set(name, 'PASS');
    for (const entry of file.not_compliant ?? []) {
      const name = entry.Rule?.name;
      if (!name) continue;
      statuses.set(name, 'FAIL');
      failures.set(name, [...(failures.get(name) ?? []), ...failuresOf(name, entry)]);
    }
    return { template: file.name, statuses, failures };
  });
