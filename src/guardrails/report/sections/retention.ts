import type { RetentionStatus } from '../../../contracts/retention-status.js';
import type { ComplianceReport } from '../../compliance/model.js';
import { type CustomerRetention, DISPOSABLE_TAG_TEXT } from '../../compliance/retention.js';
import type { Block, Cell } from '../document.js';

const NOT_SUPPLIED = 'not supplied';

const days = (d: number): string => `${d} d`;
const byKind = (kinds: Readonly<Record<string, number>>): string =>
  Object.entries(kinds)
    .map(([k, d]) => `${k} ${days(d)}`)
    .join(', ');

const policyCell = (c: CustomerRetention): string =>
  `${days(c.retentionDays)}${Object.keys(c.retentionByKind).length ? `; ${byKind(c.retentionByKind)}` : ''}`;
const effectiveCell = (c: CustomerRetention): string =>
  `${days(c.effectiveRetentionDays)}${Object.keys(c.effectiveRetentionByKind).length ? `; ${byKind(c.effectiveRetentionByKind)}` : ''}${
    c.objectLock ? ' (max of policy and lock)' : ''
  }`;

/** Whether the policy the database holds is the blueprint's, scope by scope ('*' and each kind). */
const policyInDatabase = (c: CustomerRetention, s: RetentionStatus): string => {
  const recorded = new Map(
    s.policyInDatabase.filter((p) => p.platform === '*').map((p) => [p.kind, p.retentionDays] as const),
  );
  const expected: [string, number][] = [['*', c.retentionDays], ...Object.entries(c.retentionByKind)];
  const differs = expected.filter(([kind, d]) => recorded.get(kind) !== d).map(([kind]) => kind);
  const scopes = s.policyInDatabase.map((p) => `${p.platform}/${p.kind} ${days(p.retentionDays)}`).join(', ');
  return `${scopes || 'none recorded'}${differs.length === 0 ? ' (as the blueprint)' : ` (DIFFERS from the blueprint: ${differs.join(', ')})`}`;
};

const lastRun = (s: RetentionStatus): string => {
  const d = s.lastDisposition;
  if (!d) return 'none recorded (a run that deletes nothing writes no audit record)';
  return `cutoff ${d.cutoff}, recorded ${d.recordedFrom}${d.recordedTo === d.recordedFrom ? '' : `..${d.recordedTo}`} by ${d.actor}: ${d.batches} batch(es), ${Object.entries(
    d.deleted,
  )
    .map(([t, n]) => `${t} ${n}`)
    .join(
      ', ',
    )}; ${d.objectsReleasedToLifecycle} object(s) released to the lifecycle; ids sha256 ${d.idsSha256.join(', ')}`;
};

/**
 * Retention and legal holds, per customer: the blueprint's policy, the
 * archive's Object Lock and the effective retention, the archive lifecycle as
 * synthesized (does it spare every object disposition did not tag?), and from
 * each customer's database (`--retention <dir>`, written by
 * `panops retention-status`) the open matters, what they hold and the last
 * disposition run, or "not supplied".
 */
export const retentionBlocks = (report: ComplianceReport): Block[] => {
  const r = report.retention;
  if (!r || r.customers.length === 0) return [];
  const statuses = new Map((r.status?.statuses ?? []).map((s) => [s.customerSlug, s]));
  return [
    { kind: 'heading', level: 2, text: 'Retention and legal holds', anchor: 'retention' },
    {
      kind: 'paragraph',
      text: `Per customer: the blueprint's retention policy, the archive's Object Lock (WORM) and the effective retention (the policy, or under Object Lock the longer of policy and lock), and the archive bucket's lifecycle as synthesized: it may expire only objects the disposition job tagged ${DISPOSABLE_TAG_TEXT} (never a held record), checked by the guardrail held-records-never-deleted. Open matters, held records and the last disposition run come from each customer's database: ${
        r.status
          ? `from ${r.status.source} (npx projen panops retention-status --customer <slug>), ${r.status.statuses.length} customer(s).`
          : 'not supplied to this run (write them with npx projen panops retention-status --customer <slug> against each database, then npx projen compliance -- --retention <dir>).'
      }`,
    },
    {
      kind: 'table',
      header: [
        'customer',
        'tier',
        'policy',
        'Object Lock',
        'effective retention',
        'archive lifecycle (as synthesized)',
        'untagged (held) objects spared',
      ],
      rows: r.customers.map((c): Cell[] => [
        c.customerSlug,
        c.tier,
        policyCell(c),
        c.objectLock ? `${c.objectLock.mode}, ${days(c.objectLock.days)}` : 'none',
        effectiveCell(c),
        c.lifecycle
          ? `${c.lifecycle.stack} ${c.lifecycle.bucket}: ${c.lifecycle.rules.join('; ')}`
          : 'no archive bucket found',
        c.lifecycle ? (c.lifecycle.sparesUntagged ? 'yes' : 'NO') : '',
      ]),
    },
    {
      kind: 'table',
      header: [
        'customer',
        'status read',
        'policy in the database',
        'open matters',
        'held (communications, attachments, recordings)',
        'held past retention',
        'last disposition run',
      ],
      rows: r.customers.map((c): Cell[] => {
        const s = statuses.get(c.customerSlug);
        if (!s)
          return [c.customerSlug, NOT_SUPPLIED, NOT_SUPPLIED, NOT_SUPPLIED, NOT_SUPPLIED, NOT_SUPPLIED, NOT_SUPPLIED];
        return [
          c.customerSlug,
          s.generatedAt,
          policyInDatabase(c, s),
          s.openMatters.length === 0
            ? 'none'
            : s.openMatters.map((m) => `${m.matter} (${m.communications}, since ${m.since})`).join('; '),
          `${s.held.communications}, ${s.held.attachments}, ${s.held.recordings}`,
          String(s.heldPastRetention),
          lastRun(s),
        ];
      }),
    },
  ];
};
