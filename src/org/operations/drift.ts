import { isDeepStrictEqual } from 'node:util';
import { Effect } from 'effect';
import type { ControlCatalog, ControlEntry } from '../control-tower/control-catalog.js';
import { controlsFor } from '../control-tower/control-catalog.js';
import type { OrganizationLayout } from '../layout.js';
import type { ScpDocument } from '../scp/scp-documents.js';
import type { AwsError } from './aws-errors.js';
import { ControlTower } from './control-tower.js';
import { matchPlannedOus, readLiveTree } from './live-organization.js';
import { Organizations } from './organizations.js';

export type DriftKind =
  | 'ou-missing'
  | 'scp-missing'
  | 'scp-content'
  | 'scp-not-attached'
  | 'scp-extra-attachment'
  | 'scp-unexpected'
  | 'control-not-enabled'
  | 'account-missing'
  | 'account-misplaced';

/** One difference between the live organization and the blueprint. */
export interface Drift {
  readonly kind: DriftKind;
  /** What drifted: an OU, SCP, control or account, by name. */
  readonly subject: string;
  readonly expected: string;
  readonly actual: string;
}

export interface DriftReport {
  readonly drifts: readonly Drift[];
  /** Controls the blueprint wants but this run could not check: no identifier recorded or resolved. */
  readonly unresolvedControls: readonly string[];
}

export interface DriftInput {
  readonly layout: OrganizationLayout;
  readonly documents: readonly ScpDocument[];
  readonly catalog: ControlCatalog;
  /** Identifiers resolved from the Control Catalog for the controls the catalog file does not record (alias → ARN). */
  readonly resolvedIdentifiers?: ReadonlyMap<string, string>;
}

const POLICY_PREFIX = 'panops-';

/**
 * Compares the live organization with the blueprint: OUs, PanOps SCPs (their
 * content and where they are attached), the catalog's controls on each OU,
 * and the OU of every account the blueprint names.
 */
export const detectDrift = (input: DriftInput): Effect.Effect<DriftReport, AwsError, Organizations | ControlTower> =>
  Effect.gen(function* () {
    const organizations = yield* Organizations;
    const controlTower = yield* ControlTower;
    const drifts: Drift[] = [];
    const tree = yield* readLiveTree;
    const ous = matchPlannedOus(input.layout, tree);
    const ouLabel = (key: string) => input.layout.ous.find((ou) => ou.key === key)?.name ?? key;

    for (const ou of input.layout.ous)
      if (!ous.get(ou.key))
        drifts.push({
          kind: 'ou-missing',
          subject: `OU ${ou.name}`,
          expected: `under ${ou.parent === 'root' ? 'the root' : ouLabel(ou.parent)}`,
          actual: 'absent',
        });

    // SCPs: content and attachments of every PanOps policy.
    const livePolicies = yield* organizations.listServiceControlPolicies();
    const expectedTargets = (doc: ScpDocument): Map<string, string> =>
      new Map(
        doc.targets.flatMap((target) => {
          if (target === 'root') return [[tree.rootId, 'the root'] as [string, string]];
          const ou = input.layout.ous.find((candidate) => candidate.scpTarget === target);
          const live = ou ? ous.get(ou.key) : undefined;
          return live && ou ? [[live.id, `OU ${ou.name}`] as [string, string]] : [];
        }),
      );
    for (const doc of input.documents) {
      const live = livePolicies.find((p) => p.Name === doc.name);
      if (!live?.Id) {
        drifts.push({
          kind: 'scp-missing',
          subject: `SCP ${doc.name}`,
          expected: `policies/scp/${doc.file}`,
          actual: 'absent',
        });
        continue;
      }
      const content = yield* organizations.describePolicyContent(live.Id);
      let parsed: unknown;
      try {
        parsed = JSON.parse(content);
      } catch {
        parsed = content;
      }
      if (!isDeepStrictEqual(parsed, doc.content))
        drifts.push({
          kind: 'scp-content',
          subject: `SCP ${doc.name}`,
          expected: `policies/scp/${doc.file}`,
          actual: 'content differs from the document',
        });
      const targets = yield* organizations.listTargetsForPolicy(live.Id);
      const liveTargetIds = new Set(targets.map((t) => t.TargetId ?? ''));
      const wanted = expectedTargets(doc);
      for (const [id, label] of wanted)
        if (!liveTargetIds.has(id))
          drifts.push({
            kind: 'scp-not-attached',
            subject: `SCP ${doc.name}`,
            expected: `attached to ${label}`,
            actual: 'not attached',
          });
      for (const target of targets)
        if (target.TargetId && !wanted.has(target.TargetId))
          drifts.push({
            kind: 'scp-extra-attachment',
            subject: `SCP ${doc.name}`,
            expected: 'not attached there',
            actual: `attached to ${target.Type ?? 'target'} ${target.Name ?? target.TargetId}`,
          });
    }
    const known = new Set(input.documents.map((d) => d.name));
    for (const policy of livePolicies)
      if (policy.Name?.startsWith(POLICY_PREFIX) && !known.has(policy.Name))
        drifts.push({
          kind: 'scp-unexpected',
          subject: `SCP ${policy.Name}`,
          expected: 'no such PanOps SCP',
          actual: 'exists',
        });

    // Controls enabled on each OU that has a control role.
    const unresolvedControls: string[] = [];
    const identifierOf = (control: ControlEntry) =>
      control.controlIdentifier ?? input.resolvedIdentifiers?.get(control.id);
    for (const ou of input.layout.ous) {
      if (!ou.controlRole) continue;
      const wanted = controlsFor(input.catalog, ou.controlRole);
      unresolvedControls.push(...wanted.filter((c) => !identifierOf(c)).map((c) => `${c.id} on ${ou.name}`));
      const enabled = wanted.filter((c) => identifierOf(c));
      const live = ous.get(ou.key);
      if (!live || enabled.length === 0) continue;
      const liveControls = new Set(yield* controlTower.listEnabledControls(live.arn));
      for (const control of enabled)
        if (!liveControls.has(identifierOf(control) as string))
          drifts.push({
            kind: 'control-not-enabled',
            subject: `${control.id} on OU ${ou.name}`,
            expected: `enabled (${identifierOf(control)})`,
            actual: 'not enabled',
          });
    }

    // Accounts: each one the blueprint names, in the OU it belongs in.
    const parents = [tree.rootId, ...tree.ous.map((ou) => ou.id)];
    const placed = yield* Effect.forEach(
      parents,
      (parentId) =>
        organizations
          .listAccountsForParent(parentId)
          .pipe(Effect.map((accounts) => accounts.map((a) => ({ ...a, parentId })))),
      { concurrency: 4 },
    );
    const liveAccounts = placed.flat();
    const parentName = (id: string) =>
      id === tree.rootId ? 'the root' : `OU ${tree.ous.find((ou) => ou.id === id)?.name ?? id}`;
    for (const account of input.layout.accounts) {
      const live = liveAccounts.find(
        (a) =>
          (account.accountId && a.Id === account.accountId) ||
          (!account.accountId && account.email && a.Email?.toLowerCase() === account.email.toLowerCase()),
      );
      const subject = `account ${account.name} (${account.accountId ?? account.email})`;
      const expectedOu = ous.get(account.ou);
      if (!live) {
        // An account still to be vended is not drift until it exists; an account with an id must exist.
        if (account.accountId)
          drifts.push({
            kind: 'account-missing',
            subject,
            expected: `in OU ${ouLabel(account.ou)}`,
            actual: 'not in the organization',
          });
        continue;
      }
      if (!expectedOu || live.parentId !== expectedOu.id)
        drifts.push({
          kind: 'account-misplaced',
          subject,
          expected: `in OU ${ouLabel(account.ou)}`,
          actual: `in ${parentName(live.parentId)}`,
        });
    }
    return { drifts, unresolvedControls };
  });

/** The report for people: one line per drift, or a line saying there is none. */
export const formatDriftReport = (report: DriftReport): string => {
  const lines =
    report.drifts.length === 0
      ? ['No drift: the organization matches the blueprint.']
      : [
          `${report.drifts.length} drift${report.drifts.length === 1 ? '' : 's'} from the blueprint:`,
          ...report.drifts.map((d) => `  - [${d.kind}] ${d.subject}: expected ${d.expected}, found ${d.actual}`),
        ];
  if (report.unresolvedControls.length > 0)
    lines.push(
      `${report.unresolvedControls.length} control assignment(s) not checked: their identifier is neither recorded in policies/control-tower/controls.json nor resolved from the Control Catalog.`,
    );
  return lines.join('\n');
};
