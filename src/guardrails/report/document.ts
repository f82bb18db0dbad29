import type { ComplianceReport, Counts, Finding, GuardrailResult } from '../compliance/model.js';
import { addCounts, emptyCounts } from '../compliance/rule-results.js';
import { liveCell, liveChecksOf, liveChecksOfStack } from '../evidence/live/join.js';
import { formatLocation } from '../source-location.js';
import { deployabilityBlocks } from './sections/deployability.js';
import { frameworkBlocks, guardrailAnchor, guardrailFrameworkItems } from './sections/frameworks.js';
import { liveBlocks, liveTable } from './sections/live.js';
import { provenanceBlocks } from './sections/provenance.js';
import { reconcileBlocks } from './sections/reconcile.js';
import { retentionBlocks } from './sections/retention.js';

export interface Link {
  readonly text: string;
  readonly href: string;
}

/**
 * A table cell or list item: text; text with a link to an anchor of the
 * report (`#guardrail-no-public-s3`); or several links. `anchor` makes the
 * cell itself a link target (a stack's row, a finding's row).
 */
export type Cell =
  | string
  | { readonly text: string; readonly href?: string; readonly anchor?: string }
  | { readonly links: readonly Link[]; readonly anchor?: string };

/** One bar of an outcome chart: a guardrail or an account, and its counts. */
export interface ChartBar {
  readonly label: string;
  readonly href?: string;
  readonly passed: number;
  readonly failed: number;
  readonly acknowledged: number;
  readonly notApplicable: number;
}

/** A report as renderer-neutral blocks: markdown.ts and html.ts print the same content. */
export type Block =
  | { readonly kind: 'heading'; readonly level: 1 | 2 | 3; readonly text: string; readonly anchor?: string }
  | { readonly kind: 'paragraph'; readonly text: string }
  | { readonly kind: 'list'; readonly items: readonly Cell[] }
  | { readonly kind: 'table'; readonly header: readonly string[]; readonly rows: readonly (readonly Cell[])[] }
  /** Outcome per bar as a small stacked chart (inline SVG in HTML; left out of markdown, whose tables hold the numbers). */
  | { readonly kind: 'chart'; readonly title: string; readonly bars: readonly ChartBar[] }
  /** A line of navigation links (back to a table, on to the exceptions). */
  | { readonly kind: 'links'; readonly links: readonly Link[] };

/** The text of a cell, whatever its kind. */
export const cellText = (cell: Cell): string =>
  typeof cell === 'string' ? cell : 'links' in cell ? cell.links.map((l) => l.text).join(', ') : cell.text;

export const STATUS = { pass: 'PASS', fail: 'FAIL', 'not-evaluated': 'NOT EVALUATED' } as const;

export const counts = (c: Counts): string[] => [
  String(c.evaluated),
  String(c.passed),
  String(c.notApplicable),
  String(c.failed),
  String(c.acknowledged),
];
export const COUNT_HEADER = ['evaluated', 'passed', 'not applicable', 'failed', 'acknowledged'];

const stackAnchor = (stack: string): string => `stack-${stack}`;
const findingAnchor = (index: number): string => `finding-${index}`;
const guardrailLinks = (ids: readonly string[]): Cell => ({
  links: ids.map((id) => ({ text: id, href: `#${guardrailAnchor(id)}` })),
});

/**
 * Findings as a table whose first column is their guardrails, each row the
 * anchor the guardrail sections link to (`columns` and `cells` are the rest),
 * or "None." when there are none.
 */
const findingsTable = (
  findings: readonly Finding[],
  findingIndex: ReadonlyMap<Finding, number>,
  columns: readonly string[],
  cells: (finding: Finding) => Cell[],
): Block =>
  findings.length === 0
    ? { kind: 'paragraph', text: 'None.' }
    : {
        kind: 'table',
        header: ['guardrail', ...columns],
        rows: findings.map((f): Cell[] => [
          { ...(guardrailLinks(f.guardrails) as { links: Link[] }), anchor: findingAnchor(findingIndex.get(f) ?? 0) },
          ...cells(f),
        ]),
      };

/** Outcome per account: the counts of every stack in it (an account may hold several stacks). */
const accountBars = (report: ComplianceReport): ChartBar[] => {
  const byAccount = new Map<string, { stacks: string[]; counts: Counts }>();
  for (const st of report.stacks) {
    const entry = byAccount.get(st.account) ?? { stacks: [], counts: emptyCounts() };
    entry.stacks.push(st.stack);
    addCounts(entry.counts, st.counts);
    byAccount.set(st.account, entry);
  }
  return [...byAccount].map(([account, { stacks, counts: c }]) => ({
    label: `${account} (${stacks.length === 1 ? stacks[0] : `${stacks.length} stacks`})`,
    href: `#${stackAnchor(stacks[0] ?? '')}`,
    passed: c.passed,
    failed: c.failed,
    acknowledged: c.acknowledged,
    notApplicable: c.notApplicable,
  }));
};

/**
 * From a guardrail to what it found: its outcome per stack, and every
 * resource with a finding or an exception, each linking to its row in the
 * findings or exceptions table (whose guardrail cell links back here).
 */
const guardrailResources = (
  report: ComplianceReport,
  g: GuardrailResult,
  findingIndex: Map<Finding, number>,
): Block[] => {
  const perStack = new Map<string, Counts>();
  for (const rule of report.rules.filter((r) => r.guardrails.includes(g.id)))
    for (const row of rule.stacks) {
      const c = perStack.get(row.stack) ?? emptyCounts();
      addCounts(c, row);
      perStack.set(row.stack, c);
    }
  const findings = report.findings.filter((f) => f.guardrails.includes(g.id));
  return [
    {
      kind: 'links',
      links: [
        { text: '↑ all guardrails', href: '#guardrails' },
        { text: `exceptions (${findings.filter((f) => f.status === 'acknowledged').length})`, href: '#exceptions' },
        { text: `unacknowledged (${findings.filter((f) => f.status === 'failed').length})`, href: '#failed' },
      ],
    },
    ...(perStack.size === 0
      ? []
      : [
          {
            kind: 'table' as const,
            header: ['outcome per stack', ...COUNT_HEADER],
            rows: [...perStack].map(([stack, c]): Cell[] => [
              { text: stack, href: `#${stackAnchor(stack)}` },
              ...counts(c),
            ]),
          },
        ]),
    ...(findings.length === 0
      ? []
      : [
          {
            kind: 'table' as const,
            header: ['resource', 'stack', 'rule', 'status', 'reason or message'],
            rows: findings.map((f): Cell[] => [
              { text: f.constructPath, href: `#${findingAnchor(findingIndex.get(f) ?? 0)}` },
              { text: f.stack, href: `#${stackAnchor(f.stack)}` },
              f.ruleId,
              f.status,
              f.acknowledgement?.reason ?? f.message,
            ]),
          },
        ]),
  ];
};

const layerCell = (g: GuardrailResult): string =>
  [
    g.layers.scp.length ? `SCP ${g.layers.scp.length}` : '',
    g.layers.controlTower.length ? `CT ${g.layers.controlTower.map((c) => c.id).join(', ')}` : '',
    g.layers.nag.length ? `nag ${g.layers.nag.length}` : '',
    g.layers.guard.length ? `Guard ${g.layers.guard.length}` : '',
    g.layers.database.length ? `database ${g.layers.database.length}` : '',
  ]
    .filter(Boolean)
    .join('; ');

const guardrailDetail = (report: ComplianceReport, g: GuardrailResult, findingIndex: Map<Finding, number>): Block[] => {
  const rules = report.rules.filter((r) => r.guardrails.includes(g.id));
  const layers: string[] = [
    ...g.layers.scp.map(
      (s) =>
        `SCP (preventive): policies/scp/${s.file} statement ${s.sid}${s.exists ? '' : ' — MISSING from policies/scp'}`,
    ),
    ...g.layers.controlTower.map(
      (c) =>
        `Control Tower ${c.id} (${c.title}) on OUs ${c.ous.join(', ') || '(none)'}: ${
          c.enabledAtDeploy ? 'enforced at deploy by Control Tower' : 'NOT ENABLED AT DEPLOY (not in controls.json)'
        }, verified at synth by bundled Guard rule ${c.guardRule}`,
    ),
    ...g.layers.nag.map((n) => `cdk-nag (synth): ${n}`),
    ...g.layers.guard.map((r) => `Guard (synth, policies/guard): ${r}`),
    ...g.layers.database.map(
      (d) =>
        `Database: ${d.control} — evidence: ${d.evidence}; checked by ${d.rules.map((r) => `database ${r}`).join(', ')}`,
    ),
  ];
  if (g.preventiveGap) layers.push(`No preventive layer: ${g.preventiveGap}`);
  for (const risk of g.residualRisks ?? []) layers.push(`Residual channel: ${risk}`);
  return [
    { kind: 'heading', level: 3, text: `${g.id} — ${STATUS[g.status]}`, anchor: `guardrail-${g.id}` },
    { kind: 'paragraph', text: `${g.title}. Severity ${g.severity}; applies to ${g.appliesTo}.` },
    { kind: 'paragraph', text: `Seed: ${g.seedWords.map((w) => `“${w}”`).join('; ')}` },
    { kind: 'list', items: layers },
    { kind: 'paragraph', text: 'Frameworks:' },
    { kind: 'list', items: guardrailFrameworkItems(g) },
    {
      kind: 'table',
      header: ['layer', 'rule', 'source', ...COUNT_HEADER],
      rows: rules.map((r) => [
        r.layer,
        r.ruleId,
        r.controlId ? `${r.source} (${r.controlId})` : r.source,
        ...counts(r.totals),
      ]),
    },
    ...(g.layers.database.length > 0 ? databaseEvidence(report, g) : []),
    ...(report.live && liveChecksOf(report, g.id).length > 0
      ? [
          { kind: 'paragraph' as const, text: 'Live organization (synth beside what is deployed):' },
          liveTable(liveChecksOf(report, g.id)),
        ]
      : []),
    ...guardrailResources(report, g, findingIndex),
  ];
};

/** The database layer's evidence for a guardrail: what ran, and every check on every table and role. */
const databaseEvidence = (report: ComplianceReport, g: GuardrailResult): Block[] => {
  const db = report.database;
  if (db.status === 'skipped')
    return [
      {
        kind: 'paragraph',
        text: `Database checks were skipped in this run (--skip-database): ${g.id} is not evaluated. CI runs them.`,
      },
    ];
  const ruleIds = new Set(g.layers.database.flatMap((d) => d.rules));
  return [
    {
      kind: 'paragraph',
      text: `Database evidence: the migrations in ${db.migrationsDir} on ${db.engine ?? 'PGlite'} (${db.migrations.join(', ') || 'none applied'}${db.skipped.length ? `; skipped: ${db.skipped.join(', ')}` : ''}); checks and probes run as the application role ${db.appRole}.`,
    },
    {
      kind: 'table',
      header: ['check', 'subject', 'status', 'what was seen', 'migration'],
      rows: db.outcomes
        .filter((o) => ruleIds.has(o.ruleId))
        .map((o) => [o.ruleId, o.subject, o.status, o.detail, o.file]),
    },
  ];
};

/** Builds the auditors' document from the report: summary, accounts, findings, exceptions, every guardrail and rule. */
/** Which isolation each database tier gives (pooled: logical; dedicated: account + RLS + own key). */
const tierBlocks = (report: ComplianceReport): Block[] =>
  report.tiers && report.tiers.length > 0
    ? [
        { kind: 'heading', level: 2, text: 'Database tiers: the isolation each customer gets', anchor: 'tiers' },
        ...report.tiers.flatMap((t): Block[] => [
          { kind: 'heading', level: 3, text: `${t.tier} (${t.kind} isolation)`, anchor: `tier-${t.tier}` },
          { kind: 'paragraph', text: `${t.summary} Customers: ${t.customers.join(', ')}.` },
          {
            kind: 'table',
            header: ['layer', 'control', 'evidence'],
            rows: t.layers.map((l) => [l.layer, l.control, l.evidence.join(', ')]),
          },
          ...(t.residualChannels.length > 0
            ? [
                { kind: 'paragraph', text: `Side channels between ${t.tier} tenants, mitigated or stated:` } as Block,
                {
                  kind: 'table',
                  header: ['channel', 'reveals', 'status', 'mitigation', 'evidence'],
                  rows: t.residualChannels.map((c) => [
                    c.channel,
                    c.reveals,
                    c.status,
                    c.mitigation,
                    c.evidence.join(', '),
                  ]),
                } as Block,
              ]
            : []),
        ]),
      ]
    : [];

export const reportDocument = (report: ComplianceReport): Block[] => {
  const failed = report.findings.filter((f) => f.status === 'failed');
  const acknowledged = report.findings.filter((f) => f.status === 'acknowledged');
  const s = report.summary;
  const findingIndex = new Map(report.findings.map((f, i) => [f, i]));
  const live = report.live !== undefined;
  return [
    { kind: 'heading', level: 1, text: 'PanOps compliance report' },
    {
      kind: 'paragraph',
      text: `Outcome: ${s.outcome.toUpperCase()}. ${s.guardrails.passed} of ${s.guardrails.total} guardrails pass, ${s.guardrails.failed} fail, ${s.guardrails.notEvaluated} had nothing to evaluate. ${s.stacks} stacks, ${s.rules} rules, ${s.failedFindings} unacknowledged findings, ${s.acknowledgedFindings} acknowledged.`,
    },
    {
      kind: 'paragraph',
      text: `Schema ${report.schemaVersion}; ${report.generatedAt ? `generated ${report.generatedAt}; ` : ''}cdk-nag ${report.tool.cdkNag}, cdk-validator-cfnguard ${report.tool.cfnGuardValidator}, aws-cdk-lib ${report.tool.cdk}. Counts are resources (templates for template-level Guard rules; tables and roles for database checks); "not applicable" counts stacks where a rule had nothing to check.`,
    },
    ...provenanceBlocks(report),
    ...(live
      ? [
          {
            kind: 'paragraph' as const,
            text: `Live: ${report.live?.summary.agree} of ${report.live?.summary.checks} checks of the deployed organization agree with synth, ${report.live?.summary.disagree} disagree, ${report.live?.summary.unverified} could not be read (see "Live organization").`,
          },
        ]
      : []),
    { kind: 'heading', level: 2, text: 'Guardrails', anchor: 'guardrails' },
    {
      kind: 'table',
      header: ['guardrail', 'severity', 'status', 'layers', ...COUNT_HEADER, ...(live ? ['live'] : [])],
      rows: report.guardrails.map((g): Cell[] => [
        { text: g.id, href: `#${guardrailAnchor(g.id)}` },
        g.severity,
        STATUS[g.status],
        layerCell(g),
        ...counts(g.totals),
        ...(live ? [liveCell(liveChecksOf(report, g.id), true)] : []),
      ]),
    },
    {
      kind: 'chart',
      title: 'Outcome per guardrail',
      bars: report.guardrails.map((g) => ({
        label: g.id,
        href: `#${guardrailAnchor(g.id)}`,
        passed: g.totals.passed,
        failed: g.totals.failed,
        acknowledged: g.totals.acknowledged,
        notApplicable: g.totals.notApplicable,
      })),
    },
    ...liveBlocks(report),
    ...tierBlocks(report),
    ...frameworkBlocks(report),
    ...deployabilityBlocks(report),
    ...reconcileBlocks(report),
    ...retentionBlocks(report),
    { kind: 'heading', level: 2, text: 'Accounts and stacks', anchor: 'accounts' },
    {
      kind: 'table',
      header: ['stack', 'kind', 'account', 'region', 'resources', ...COUNT_HEADER, ...(live ? ['live'] : [])],
      rows: report.stacks.map((st): Cell[] => [
        { text: st.stack, anchor: stackAnchor(st.stack) },
        st.customerId ? `customer ${st.customerId}` : st.kind,
        st.account,
        st.region,
        String(st.resources),
        ...counts(st.counts),
        ...(live ? [liveCell(liveChecksOfStack(report, st.stack), true)] : []),
      ]),
    },
    { kind: 'chart', title: 'Outcome per account', bars: accountBars(report) },
    { kind: 'heading', level: 2, text: `Unacknowledged findings (${failed.length})`, anchor: 'failed' },
    findingsTable(failed, findingIndex, ['severity', 'rule', 'stack', 'resource', 'created at', 'message'], (f) => [
      f.severity,
      f.ruleId,
      { text: f.stack, href: `#${stackAnchor(f.stack)}` },
      f.constructPath,
      formatLocation(f.source),
      [f.message, f.fix ? `Fix: ${f.fix}` : '', f.acknowledgementProblem ? `Note: ${f.acknowledgementProblem}` : '']
        .filter(Boolean)
        .join(' '),
    ]),
    {
      kind: 'heading',
      level: 2,
      text: `Exceptions: acknowledged findings (${acknowledged.length})`,
      anchor: 'exceptions',
    },
    findingsTable(
      acknowledged,
      findingIndex,
      ['rule', 'stack', 'resource', 'reason', 'acknowledged on', 'acknowledged in'],
      (f) => [
        f.ruleId,
        { text: f.stack, href: `#${stackAnchor(f.stack)}` },
        f.constructPath,
        f.acknowledgement?.reason ?? '',
        f.acknowledgement?.at ?? '',
        formatLocation(f.acknowledgement?.source),
      ],
    ),
    { kind: 'heading', level: 2, text: 'Guardrails in detail', anchor: 'detail' },
    ...report.guardrails.flatMap((g) => guardrailDetail(report, g, findingIndex)),
    {
      kind: 'heading',
      level: 2,
      text: `Every acknowledgement in the code (${report.acknowledgements.length})`,
      anchor: 'acknowledgements',
    },
    {
      kind: 'table',
      header: ['id', 'on construct', 'in source', 'findings accepted', 'reason', 'problem'],
      rows: report.acknowledgements.map((a) => [
        a.id,
        a.at,
        formatLocation(a.source),
        String(a.findings),
        a.reason,
        a.problem ?? '',
      ]),
    },
    { kind: 'heading', level: 2, text: 'Every rule, per stack', anchor: 'rules' },
    {
      kind: 'table',
      header: ['layer', 'rule', 'guardrails', 'stack', 'status', ...COUNT_HEADER],
      rows: report.rules.flatMap((r) =>
        r.stacks.length === 0
          ? [[r.layer, r.ruleId, r.guardrails.join(', '), '(every stack)', 'not applicable', ...counts(r.totals)]]
          : r.stacks.map((st) => [r.layer, r.ruleId, r.guardrails.join(', '), st.stack, st.status, ...counts(st)]),
      ),
    },
  ];
};
