import { loadBlueprint } from '../../config/index.js';
import { planOrganization } from '../../org/layout.js';
import { loadScpDocuments } from '../../org/scp/scp-documents.js';
import type { PolicyDoc } from './resolve.js';
import { resolveValue } from './resolve.js';
import { type LoadedTemplate, resourcesOf, tagsOf } from './templates.js';

/**
 * The organization as the SCP simulation needs it: each OU's parent and the
 * SCPs attached to it. Read from the organization template when the
 * rehearsed folder has one (what will be deployed), else from the
 * repository's policies/scp and blueprint (a folder of workload templates
 * someone hands in is checked against our organization).
 */
export interface OrgUnit {
  /** `root`, or the OU's panops:ou key (`infrastructure`, `customers`, `customers-1`, `quarantine`, ...). */
  readonly key: string;
  readonly parent: string | null;
  readonly scps: readonly { readonly name: string; readonly document: PolicyDoc }[];
}

export interface OrgModel {
  /** Where the model came from (a template file, or `policies/scp + blueprint`). */
  readonly source: string;
  readonly units: ReadonlyMap<string, OrgUnit>;
  /** The template that deploys the organization (the management account's stack), if any. */
  readonly organizationTemplate?: string;
}

/** The units from the root down to `key` (root first, as SCPs are evaluated). */
export const ouPath = (model: OrgModel, key: string): OrgUnit[] => {
  const path: OrgUnit[] = [];
  let current: string | null = key;
  while (current) {
    const unit = model.units.get(current);
    if (!unit || path.includes(unit)) break;
    path.unshift(unit);
    current = unit.parent;
  }
  return path;
};

const isOrganizationTemplate = (t: LoadedTemplate) =>
  resourcesOf(t).some(
    ([, r]) => r.Type === 'AWS::Organizations::OrganizationalUnit' || r.Type === 'AWS::Organizations::Policy',
  );

/** OU logical id → key, from a template's OrganizationalUnit resources. */
const ouKeys = (t: LoadedTemplate): Map<string, string> =>
  new Map(
    resourcesOf(t)
      .filter(([, r]) => r.Type === 'AWS::Organizations::OrganizationalUnit')
      .map(([id, r]) => [id, tagsOf(r)['panops:ou'] ?? String(r.Properties?.Name ?? id).toLowerCase()]),
  );

/** A ParentId / TargetId value as an OU key: GetAtt of an OU resource, else the root (a Ref to the root id parameter, or `r-...`). */
export const targetKey = (keys: ReadonlyMap<string, string>, value: unknown): string | undefined => {
  if (value && typeof value === 'object' && 'Fn::GetAtt' in value) {
    const [id] = (value as { 'Fn::GetAtt': string[] })['Fn::GetAtt'];
    return id ? keys.get(id) : undefined;
  }
  if (value && typeof value === 'object' && 'Ref' in value) return 'root';
  if (typeof value === 'string' && value.startsWith('r-')) return 'root';
  return undefined;
};

const fromTemplate = (t: LoadedTemplate): OrgModel => {
  const keys = ouKeys(t);
  const scps = new Map<string, { name: string; document: PolicyDoc }[]>();
  for (const [id, r] of resourcesOf(t)) {
    if (r.Type !== 'AWS::Organizations::Policy') continue;
    const p = r.Properties ?? {};
    if ((p.Type ?? 'SERVICE_CONTROL_POLICY') !== 'SERVICE_CONTROL_POLICY') continue;
    const raw = typeof p.Content === 'string' ? JSON.parse(p.Content) : p.Content;
    const document = resolveValue({ template: t }, raw) as PolicyDoc;
    for (const target of (p.TargetIds as unknown[] | undefined) ?? []) {
      const key = targetKey(keys, target);
      if (!key) continue;
      scps.set(key, [...(scps.get(key) ?? []), { name: String(p.Name ?? id), document }]);
    }
  }
  const units = new Map<string, OrgUnit>([['root', { key: 'root', parent: null, scps: scps.get('root') ?? [] }]]);
  for (const [id, r] of resourcesOf(t)) {
    if (r.Type !== 'AWS::Organizations::OrganizationalUnit') continue;
    const key = keys.get(id) as string;
    units.set(key, { key, parent: targetKey(keys, r.Properties?.ParentId) ?? 'root', scps: scps.get(key) ?? [] });
  }
  return { source: t.name, units, organizationTemplate: t.name };
};

const fromRepository = (blueprintDir: string): OrgModel => {
  const blueprint = loadBlueprint(blueprintDir);
  const layout = planOrganization(blueprint);
  const documents = loadScpDocuments(blueprint);
  const attached = (target: string) =>
    documents
      .filter((d) => (d.targets as readonly string[]).includes(target))
      .map((d) => ({ name: d.name, document: d.content as unknown as PolicyDoc }));
  const units = new Map<string, OrgUnit>([['root', { key: 'root', parent: null, scps: attached('root') }]]);
  for (const ou of layout.ous)
    units.set(ou.key, { key: ou.key, parent: ou.parent, scps: ou.scpTarget ? attached(ou.scpTarget) : [] });
  return { source: `policies/scp + ${blueprintDir}`, units };
};

export const organizationModel = (templates: readonly LoadedTemplate[], blueprintDir = 'blueprint'): OrgModel => {
  const org = templates.find((t) => !t.stackSet && isOrganizationTemplate(t));
  return org ? fromTemplate(org) : fromRepository(blueprintDir);
};

/** The OU keys a service-managed StackSet deploys to (its DeploymentTargets). */
export const stackSetTargets = (org: LoadedTemplate | undefined, stackSetId: string): string[] => {
  if (!org) return [];
  const keys = ouKeys(org);
  const groups = (org.body.Resources?.[stackSetId]?.Properties?.StackInstancesGroup as unknown[] | undefined) ?? [];
  return groups.flatMap((g) =>
    (
      ((g as { DeploymentTargets?: { OrganizationalUnitIds?: unknown[] } }).DeploymentTargets?.OrganizationalUnitIds ??
        []) as unknown[]
    ).flatMap((v) => targetKey(keys, v) ?? []),
  );
};

/** The regions a StackSet deploys to. */
export const stackSetRegions = (org: LoadedTemplate | undefined, stackSetId: string): string[] => {
  const groups = (org?.body.Resources?.[stackSetId]?.Properties?.StackInstancesGroup as unknown[] | undefined) ?? [];
  return [...new Set(groups.flatMap((g) => ((g as { Regions?: unknown[] }).Regions ?? []).map(String)))];
};

export { isOrganizationTemplate };
