import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComplianceReport } from '../compliance/model.js';
import { MANIFEST_FILE, SIGNATURE_FILE, writeManifest } from '../evidence/manifest.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif } from './sarif.js';

/** The files of `compliance-report/`. */
export const REPORT_FILES = ['report.json', 'report.md', 'report.html', 'report.sarif', 'junit.xml'] as const;

/**
 * Writes every report file into `dir`, then `SHA256SUMS` over every file of
 * the folder (a stale signature is removed: it signed another manifest).
 * The same report gives byte-identical files and manifest.
 */
export const writeReport = (report: ComplianceReport, dir: string): string[] => {
  mkdirSync(dir, { recursive: true });
  const contents: Record<(typeof REPORT_FILES)[number], string> = {
    'report.json': `${JSON.stringify(report, null, 2)}\n`,
    'report.md': renderMarkdown(report),
    'report.html': renderHtml(report),
    'report.sarif': renderSarif(report),
    'junit.xml': renderJunit(report),
  };
  const written = REPORT_FILES.map((name) => {
    const path = join(dir, name);
    writeFileSync(path, contents[name]);
    return path;
  });
  rmSync(join(dir, SIGNATURE_FILE), { force: true });
  writeManifest(dir);
  return [...written, join(dir, MANIFEST_FILE)];
};

/** The few lines the CLI prints: outcome, per-guardrail failures, where the report is. */
export const summaryLines = (report: ComplianceReport, dir: string): string[] => {
  const s = report.summary;
  const lines = [
    `Compliance: ${s.outcome.toUpperCase()} — ${s.guardrails.passed}/${s.guardrails.total} guardrails pass, ${s.guardrails.failed} fail, ${s.guardrails.notEvaluated} not evaluated; ${s.stacks} stacks, ${s.rules} rules; ${s.failedFindings} unacknowledged, ${s.acknowledgedFindings} acknowledged findings.`,
  ];
  const live = report.live;
  if (live) {
    lines.push(
      `Live: ${live.summary.agree}/${live.summary.checks} checks agree with synth, ${live.summary.disagree} disagree, ${live.summary.unverified} could not be read.`,
    );
    for (const c of live.checks.filter((x) => x.status !== 'agrees').slice(0, 20))
      lines.push(
        `  ${c.status === 'disagrees' ? 'DISAGREES' : 'UNVERIFIED'} [${c.source}] ${c.account} ${c.subject}: synth ${c.synth}; live ${c.live}`,
      );
  }
  for (const g of report.guardrails.filter((x) => x.status === 'fail')) {
    lines.push(`  FAIL ${g.id} (${g.severity}): ${g.totals.failed} finding(s)`);
  }
  for (const f of report.findings.filter((x) => x.status === 'failed').slice(0, 20)) {
    lines.push(`    ${f.ruleId} ${f.constructPath}${f.acknowledgementProblem ? ` — ${f.acknowledgementProblem}` : ''}`);
  }
  if (s.failedFindings > 20) lines.push(`    ... and ${s.failedFindings - 20} more (see ${dir}/report.md)`);
  if (report.deployability) {
    const d = report.deployability;
    const count = d.checks.reduce((n, c) => n + c.findings.length, 0);
    lines.push(
      `Deployability (rehearsal): ${d.outcome.toUpperCase()} — ${count} finding(s); see the Deployability section (npx projen rehearse fails on them)`,
    );
  }
  lines.push(`Report: ${dir}/{report.md,report.html,report.json,report.sarif,junit.xml}, ${dir}/${MANIFEST_FILE}`);
  return lines;
};
