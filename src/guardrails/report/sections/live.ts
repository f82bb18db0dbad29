import type { ComplianceReport } from '../../compliance/model.js';
import { LIVE_SOURCES, type LiveCheck } from '../../evidence/live/model.js';
import type { Block, Cell } from '../document.js';
import { guardrailAnchor } from './frameworks.js';

const STATUS_TEXT: Record<LiveCheck['status'], string> = {
  agrees: 'agrees',
  disagrees: 'DISAGREES',
  unverified: 'UNVERIFIED',
};

const guardrailCell = (c: LiveCheck): Cell =>
  c.guardrails.length > 0
    ? { links: c.guardrails.map((id) => ({ text: id, href: `#${guardrailAnchor(id)}` })) }
    : (c.frameworkControls ?? []).join(', ') || 'organization';

const where = (c: LiveCheck): string => `${c.account} ${c.region}${c.stack ? ` ${c.stack}` : ''}`;

/** Synth beside live, one row per check. */
export const liveTable = (checks: readonly LiveCheck[]): Block => ({
  kind: 'table',
  header: ['source', 'guardrail', 'where', 'subject', 'synth', 'live', 'status'],
  rows: checks.map((c): Cell[] => [
    c.source,
    guardrailCell(c),
    where(c),
    c.subject,
    c.synth,
    c.live,
    STATUS_TEXT[c.status],
  ]),
});

/** The live organization: what was read, every disagreement, then every check. */
export const liveBlocks = (report: ComplianceReport): Block[] => {
  const live = report.live;
  if (!live) return [];
  const s = live.summary;
  const disagreements = live.checks.filter((c) => c.status !== 'agrees');
  return [
    { kind: 'heading', level: 2, text: 'Live organization: synth beside what is deployed', anchor: 'live' },
    {
      kind: 'paragraph',
      text: `${live.collectedAt ? `Read ${live.collectedAt}; ` : ''}${s.checks} checks: ${s.agree} agree, ${s.disagree} disagree, ${s.unverified} could not be read. Sources: ${live.sources.map((x) => LIVE_SOURCES[x]).join('; ')}. Access: ${live.access}. A disagreement, or a check that could not be read, fails the report.`,
    },
    { kind: 'heading', level: 3, text: `Disagreements (${disagreements.length})`, anchor: 'live-disagreements' },
    disagreements.length === 0
      ? { kind: 'paragraph', text: 'None: the live organization shows what synth promised.' }
      : liveTable(disagreements),
    { kind: 'heading', level: 3, text: 'Every live check', anchor: 'live-checks' },
    liveTable(live.checks),
  ];
};
