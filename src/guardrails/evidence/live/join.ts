import type { ComplianceReport } from '../../compliance/model.js';
import type { LiveCheck, LiveEvidence } from './model.js';

/**
 * The report with its live evidence: synth and live disagreeing is a
 * finding, and so is a check that could not be read (no evidence is not
 * agreement), so either makes the outcome `fail`.
 */
export const withLiveEvidence = (report: ComplianceReport, live: LiveEvidence): ComplianceReport => ({
  ...report,
  summary: {
    ...report.summary,
    outcome: live.summary.disagree + live.summary.unverified > 0 ? 'fail' : report.summary.outcome,
  },
  live,
});

/** The live checks that give evidence for one guardrail. */
export const liveChecksOf = (report: ComplianceReport, guardrail: string): LiveCheck[] =>
  (report.live?.checks ?? []).filter((c) => c.guardrails.includes(guardrail));

/** The live checks of one stack. */
export const liveChecksOfStack = (report: ComplianceReport, stack: string): LiveCheck[] =>
  (report.live?.checks ?? []).filter((c) => c.stack === stack);

/** `3 agree` / `1 DISAGREES, 2 agree` / `—` (no live run or nothing to check): a report cell. */
export const liveCell = (checks: readonly LiveCheck[], ran: boolean): string => {
  if (!ran) return '';
  if (checks.length === 0) return '—';
  const n = (status: LiveCheck['status']) => checks.filter((c) => c.status === status).length;
  return [
    n('disagrees') ? `${n('disagrees')} DISAGREE` : '',
    n('unverified') ? `${n('unverified')} UNVERIFIED` : '',
    n('agrees') ? `${n('agrees')} agree` : '',
  ]
    .filter(Boolean)
    .join(', ');
};
