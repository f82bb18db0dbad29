import { parseCidr } from 'cidr-tools';
import { Cause, Exit, Schema, SchemaIssue } from 'effect';
import type { BlueprintProblem } from './errors.js';
import { BlueprintInvalid } from './errors.js';
import { AWS_LIMITS } from './limits.js';
import { LISTING_SCOPES, type ScopeField } from './listing-scope.js';
import type { Blueprint, Customer } from './model.js';
import { checkCustomerNetwork, networkMode } from './network.js';
import { CustomerFile, type ListingScope, OrganizationFile, type Platform } from './schema.js';
import { checkSharedComputeScale } from './shared-compute-scale.js';

/** A blueprint file's parsed content, before validation. */
export interface RawFile {
  readonly file: string;
  readonly data: unknown;
}

export interface RawBlueprint {
  readonly organization: RawFile;
  readonly customers: readonly RawFile[];
}

const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1();

const valueAt = (data: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (node, key) =>
      node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined,
    data,
  );

/** Decodes one file against its schema; every issue becomes a problem naming file, field, value and rule. */
const decodeFile = <S extends Schema.Codec<unknown, unknown>>(
  schema: S,
  raw: RawFile,
  problems: BlueprintProblem[],
): S['Type'] | undefined => {
  const exit = Schema.decodeUnknownExit(schema as never)(raw.data, { errors: 'all', onExcessProperty: 'error' });
  if (Exit.isSuccess(exit)) return exit.value as S['Type'];
  const error = Cause.squash(exit.cause);
  if (!Schema.isSchemaError(error)) throw error;
  for (const issue of formatIssues(error.issue).issues) {
    const path = (issue.path ?? []).map((segment) =>
      typeof segment === 'object' && segment !== null && 'key' in segment ? segment.key : segment,
    ) as PropertyKey[];
    const value = valueAt(raw.data, path);
    // YAML reads an unquoted account id as a number: say how to fix it.
    const rule =
      typeof value === 'number' && issue.message.startsWith('Expected string')
        ? `Expected a string, got the number ${value} (quote it in YAML)`
        : issue.message;
    problems.push({ file: raw.file, field: path.length > 0 ? path.map(String).join('.') : '(file)', value, rule });
  }
  return undefined;
};

interface NamedCidr {
  readonly file: string;
  readonly field: string;
  readonly cidr: string;
}

/** Sweep over CIDRs sorted by start address: O(n log n), so 1,000 customers stay cheap. */
const overlappingCidrs = (cidrs: readonly NamedCidr[]): Array<[NamedCidr, NamedCidr]> => {
  const ranges = cidrs
    .map((c) => ({ c, ...parseCidr(c.cidr) }))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const pairs: Array<[NamedCidr, NamedCidr]> = [];
  let widest = ranges[0];
  for (const range of ranges.slice(1)) {
    if (widest && range.start <= widest.end) pairs.push([widest.c, range.c]);
    if (!widest || range.end > widest.end) widest = range;
  }
  return pairs;
};

const checkOrganization = (org: OrganizationFile, file: string, problems: BlueprintProblem[]): void => {
  const { organization, sharedCompute, pooledData } = org;
  if (!organization.governedRegions.includes(organization.homeRegion)) {
    problems.push({
      file,
      field: 'organization.governedRegions',
      value: organization.governedRegions,
      rule: `must include the home region ${organization.homeRegion}`,
    });
  }
  if (pooledData) {
    const { min, max } = pooledData.database;
    const limits = AWS_LIMITS.pooledAcu;
    for (const [bound, acu] of [
      ['min', min],
      ['max', max],
    ] as const)
      if (acu < limits.min || acu > limits.max)
        problems.push({
          file,
          field: `pooledData.database.${bound}`,
          value: acu,
          rule: `ACU must be within ${limits.min}–${limits.max} for the pooled cluster`,
        });
    if (min > max)
      problems.push({ file, field: 'pooledData.database', value: { min, max }, rule: 'ACU min must not exceed max' });
  }
  const platformAccounts: Array<[string, string]> = [
    ['organization.managementAccountId', organization.managementAccountId],
    ['organization.logArchiveAccountId', organization.logArchiveAccountId],
    ['organization.auditAccountId', organization.auditAccountId],
    ['sharedCompute.accountId', sharedCompute.accountId],
  ];
  const seen = new Map<string, string>();
  for (const [field, id] of platformAccounts) {
    const first = seen.get(id);
    if (first) problems.push({ file, field, value: id, rule: `duplicate account id: already used by ${first}` });
    else seen.set(id, field);
  }
};

/**
 * The fields of a customer file that are individually well-formed, so that a
 * file with one bad field still takes part in the rules that span files.
 */
const lenientCustomer = (data: unknown): Partial<CustomerFile> => {
  if (data === null || typeof data !== 'object') return {};
  const view: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(CustomerFile.fields)) {
    const value = (data as Record<string, unknown>)[key];
    if (value !== undefined && Schema.is(field as never)(value)) view[key] = value;
  }
  return view as Partial<CustomerFile>;
};

const checkCustomer = (
  c: Partial<CustomerFile>,
  file: string,
  problems: BlueprintProblem[],
  written: ReadonlySet<string>,
): void => {
  const expectedName = `${c.slug}.yaml`;
  if (c.slug !== undefined && !file.endsWith(`/${expectedName}`) && file !== expectedName) {
    problems.push({ file, field: 'slug', value: c.slug, rule: `must match the file name (expected ${expectedName})` });
  }
  if (c.tier === 'dedicated') {
    if (!written.has('accountId') && !written.has('accountEmail'))
      problems.push({
        file,
        field: 'accountId',
        rule: 'a dedicated customer needs accountId, or accountEmail to create the account',
      });
    if (!written.has('vpcCidr'))
      problems.push({ file, field: 'vpcCidr', rule: 'a dedicated customer needs its own VPC CIDR' });
    if (!written.has('database'))
      problems.push({ file, field: 'database', rule: 'a dedicated customer needs its database ACU range (min, max)' });
    if (c.database) {
      const limits = AWS_LIMITS.dedicatedAcu;
      for (const bound of ['min', 'max'] as const) {
        const value = c.database[bound];
        if (value < limits.min || value > limits.max)
          problems.push({
            file,
            field: `database.${bound}`,
            value,
            rule: `ACU must be within ${limits.min}–${limits.max} per customer account`,
          });
      }
      if (c.database.min > c.database.max)
        problems.push({ file, field: 'database', value: c.database, rule: 'ACU min must not exceed max' });
    }
  } else if (c.tier === 'pooled') {
    if (c.vpcCidr)
      problems.push({
        file,
        field: 'vpcCidr',
        value: c.vpcCidr,
        rule: 'a pooled customer has no VPC of its own (it uses the pooled cluster); remove the field',
      });
    if (c.database)
      problems.push({
        file,
        field: 'database',
        value: c.database,
        rule: 'a pooled customer shares the pooled cluster ACU range (pooledData.database); remove the field',
      });
    if (c.objectLock)
      problems.push({
        file,
        field: 'objectLock',
        value: c.objectLock,
        rule: 'object lock (WORM) is set per bucket and the pooled archive is shared; a customer that needs it must be dedicated',
      });
  }
  problems.push(...wormRetentionProblems(c, file));
  const connectorIds = new Set<string>();
  for (const [index, connector] of (c.connectors ?? []).entries()) {
    problems.push(...providerAccountProblems(file, index, connector));
    problems.push(...listingScopeProblems(file, index, connector));
    if (connectorIds.has(connector.id))
      problems.push({
        file,
        field: `connectors.${index}.id`,
        value: connector.id,
        rule: 'duplicate connector id within the customer',
      });
    connectorIds.add(connector.id);
  }
};

/**
 * The provider account id each push platform's webhook matches a signed event
 * against (issue #18 item 4): required, in the provider's own format. Without
 * it a connector would accept a signed event from any workspace or account
 * that shares the PanOps app's signing secret.
 */
export const PROVIDER_ACCOUNT_IDS: Readonly<
  Partial<Record<Platform, { readonly what: string; readonly pattern: RegExp; readonly example: string }>>
> = {
  slack: { what: 'the Slack workspace’s team id (team_id)', pattern: /^[TE][A-Z0-9]{6,20}$/, example: 'T061EG9R6' },
  zoom: {
    what: 'the Zoom account id (account_id)',
    pattern: /^[A-Za-z0-9_-]{10,40}$/,
    example: 'lAAAAAAAAAAAAAAAAAAAAA',
  },
  teams: {
    what: 'the Microsoft Entra tenant id (tenantId of every Graph notification)',
    pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    example: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  },
};

const providerAccountProblems = (
  file: string,
  index: number,
  connector: { readonly platform: Platform; readonly providerAccountId?: string | undefined },
): BlueprintProblem[] => {
  const required = PROVIDER_ACCOUNT_IDS[connector.platform];
  if (!required) return [];
  const field = `connectors.${index}.providerAccountId`;
  if (connector.providerAccountId === undefined)
    return [
      {
        file,
        field,
        rule: `required for a ${connector.platform} connector: ${required.what}, e.g. ${required.example}; without it a signed event from any ${connector.platform} account sharing the app's signing secret would be accepted`,
      },
    ];
  if (!required.pattern.test(connector.providerAccountId))
    return [
      { file, field, value: connector.providerAccountId, rule: `must be ${required.what}, e.g. ${required.example}` },
    ];
  return [];
};

/** The Twilio account SID a Twilio connector's reconcile lists Messages and Recordings under. */
const TWILIO_ACCOUNT_SID = /^AC[0-9a-f]{32}$/;

const listingScopeProblems = (
  file: string,
  index: number,
  connector: {
    readonly platform: Platform;
    readonly providerAccountId?: string | undefined;
    readonly scope?: ListingScope | undefined;
  },
): BlueprintProblem[] => {
  const rules = LISTING_SCOPES[connector.platform];
  const scope = connector.scope ?? {};
  const problems: BlueprintProblem[] = [];
  for (const field of Object.keys(scope) as ScopeField[])
    if (!rules.fields.includes(field))
      problems.push({
        file,
        field: `connectors.${index}.scope.${field}`,
        value: scope[field],
        rule: `a ${connector.platform} connector does not list by ${field}${rules.fields.length > 0 ? ` (it takes ${rules.fields.join(', ')})` : ' (it takes no scope)'}`,
      });
  if (rules.oneOf.length > 0 && !rules.oneOf.some((field) => scope[field] !== undefined))
    problems.push({
      file,
      field: `connectors.${index}.scope`,
      rule: `a ${connector.platform} connector needs scope.${rules.oneOf.join(' and/or scope.')}: ${rules.why}; without it every scheduled poll and reconcile is dead-lettered`,
    });
  if (connector.platform === 'twilio') {
    const field = `connectors.${index}.providerAccountId`;
    if (connector.providerAccountId === undefined)
      problems.push({
        file,
        field,
        rule: 'required for a twilio connector: the Twilio account SID (AC…), under which the daily reconcile lists Messages and Recordings',
      });
    else if (!TWILIO_ACCOUNT_SID.test(connector.providerAccountId))
      problems.push({
        file,
        field,
        value: connector.providerAccountId,
        rule: 'must be a Twilio account SID: AC followed by 32 hex digits',
      });
  }
  return problems;
};

/** Reports the second and later holders of a value that must be unique across files. */
const checkUnique = (
  entries: ReadonlyArray<{ file: string; field: string; value: string | undefined }>,
  what: string,
  problems: BlueprintProblem[],
): void => {
  const firstHolder = new Map<string, { file: string; field: string }>();
  for (const entry of entries) {
    if (entry.value === undefined) continue;
    const first = firstHolder.get(entry.value);
    if (first)
      problems.push({
        file: entry.file,
        field: entry.field,
        value: entry.value,
        rule: `duplicate ${what}: already used in ${first.file} (${first.field})`,
      });
    else firstHolder.set(entry.value, entry);
  }
};

/**
 * Validates a whole blueprint: each file against its schema, then the rules
 * that span files. Throws `BlueprintInvalid` with every problem found.
 */
export const validateBlueprint = (raw: RawBlueprint, rootDir = '.'): Blueprint => {
  const problems: BlueprintProblem[] = [];
  const org = decodeFile(OrganizationFile, raw.organization, problems);
  if (org) checkOrganization(org, raw.organization.file, problems);

  const customers: Customer[] = [];
  // Every customer file takes part in the cross-file rules, even one with a bad field.
  const views: Array<Partial<CustomerFile> & { file: string }> = [];
  for (const rawCustomer of raw.customers) {
    const customer = decodeFile(CustomerFile, rawCustomer, problems);
    const view = { ...(customer ?? lenientCustomer(rawCustomer.data)), file: rawCustomer.file };
    const written = new Set(
      rawCustomer.data !== null && typeof rawCustomer.data === 'object' ? Object.keys(rawCustomer.data) : [],
    );
    checkCustomer(view, rawCustomer.file, problems, written);
    views.push(view);
    if (customer) customers.push(view as Customer);
  }

  checkUnique(
    views.map((c) => ({ file: c.file, field: 'id', value: c.id?.toLowerCase() })),
    'customer id',
    problems,
  );
  checkUnique(
    views.map((c) => ({ file: c.file, field: 'slug', value: c.slug })),
    'customer slug',
    problems,
  );
  const platformAccounts = org
    ? [
        {
          file: raw.organization.file,
          field: 'organization.managementAccountId',
          value: org.organization.managementAccountId,
        },
        {
          file: raw.organization.file,
          field: 'organization.logArchiveAccountId',
          value: org.organization.logArchiveAccountId,
        },
        { file: raw.organization.file, field: 'organization.auditAccountId', value: org.organization.auditAccountId },
        { file: raw.organization.file, field: 'sharedCompute.accountId', value: org.sharedCompute.accountId },
        ...(org.pooledData?.accountId && org.pooledData.accountId !== org.sharedCompute.accountId
          ? [{ file: raw.organization.file, field: 'pooledData.accountId', value: org.pooledData.accountId }]
          : []),
      ]
    : [];
  // Platform accounts among themselves are checked in checkOrganization; here, customers against everything.
  const accountProblems: BlueprintProblem[] = [];
  checkUnique(
    [...platformAccounts, ...views.map((c) => ({ file: c.file, field: 'accountId', value: c.accountId }))],
    'account id',
    accountProblems,
  );
  problems.push(...accountProblems.filter((p) => p.file !== raw.organization.file));
  checkUnique(
    views.map((c) => ({ file: c.file, field: 'accountEmail', value: c.accountEmail?.toLowerCase() })),
    'account email',
    problems,
  );

  const cidrs: NamedCidr[] = [
    ...(org ? [{ file: raw.organization.file, field: 'sharedCompute.vpcCidr', cidr: org.sharedCompute.vpcCidr }] : []),
    ...(org?.pooledData
      ? [{ file: raw.organization.file, field: 'pooledData.vpcCidr', cidr: org.pooledData.vpcCidr }]
      : []),
    ...views.flatMap((c) => (c.vpcCidr ? [{ file: c.file, field: 'vpcCidr', cidr: c.vpcCidr }] : [])),
  ];
  for (const [a, b] of overlappingCidrs(cidrs)) {
    problems.push({
      file: b.file,
      field: b.field,
      value: b.cidr,
      rule: `CIDR overlaps ${a.cidr} of ${a.file} (${a.field}); peered VPCs need disjoint ranges`,
    });
  }

  const dedicated = views.filter((c) => c.tier === 'dedicated');
  checkCustomerNetwork(org, dedicated, raw.organization.file, problems);
  if (org && networkMode(org.sharedCompute) === 'peering')
    checkSharedComputeScale(
      org.sharedCompute,
      dedicated.length + (org.pooledData ? 1 : 0),
      raw.organization.file,
      problems,
    );
  if (org && !org.pooledData && views.some((c) => c.tier === 'pooled')) {
    const firstPooled = views.find((c) => c.tier === 'pooled');
    problems.push({
      file: firstPooled?.file ?? raw.organization.file,
      field: 'tier',
      value: 'pooled',
      rule: `pooled customers need a pooledData section in ${raw.organization.file}`,
    });
  }

  if (problems.length > 0 || !org) throw new BlueprintInvalid({ problems });
  return {
    rootDir,
    organization: org.organization,
    sharedCompute: org.sharedCompute,
    pooledData: org.pooledData,
    customers: [...customers].sort((a, b) => a.slug.localeCompare(b.slug)),
  };
};

/**
 * A COMPLIANCE-mode Object Lock cannot be shortened or removed by anyone, the
 * root user included (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html#object-lock-retention-modes):
 * a retention shorter than the lock would promise a disposition the bucket
 * refuses, so the blueprint refuses it. (GOVERNANCE locks, which a privileged
 * user may bypass, are checked by `LockedBucket` against `retentionDays`.)
 */
const wormRetentionProblems = (c: Partial<CustomerFile>, file: string): BlueprintProblem[] => {
  if (c.objectLock?.mode !== 'COMPLIANCE' || c.retentionDays === undefined) return [];
  const lockDays = c.objectLock.days ?? c.retentionDays;
  const rule = (days: number) =>
    `retention of ${days} days is shorter than the COMPLIANCE object lock of ${lockDays} days (objectLock.days), which no one can shorten; retain at least ${lockDays} days`;
  const problems: BlueprintProblem[] = [];
  if (c.retentionDays < lockDays)
    problems.push({ file, field: 'retentionDays', value: c.retentionDays, rule: rule(c.retentionDays) });
  for (const [kind, days] of Object.entries(c.retentionByKind ?? {}))
    if (days !== undefined && days < lockDays)
      problems.push({ file, field: `retentionByKind.${kind}`, value: days, rule: rule(days) });
  return problems;
};
