/**
 * `npx projen compliance`: synthesizes the whole organization from the
 * blueprint (no AWS credentials), runs every guardrail check, writes
 * compliance-report/ and exits 1 on any unacknowledged finding.
 *
 * Environment: PANOPS_BLUEPRINT_DIR (default blueprint), CDK_OUTDIR (default
 * cdk.out), COMPLIANCE_REPORT_DIR (default compliance-report),
 * COMPLIANCE_TIMESTAMP=0 to leave the generation time out (byte-identical reports).
 */
import { BlueprintInvalid } from '../config/index.js';
import { checkOrganization } from './compliance/run.js';
import { summaryLines, writeReport } from './report/write.js';

const reportDir = process.env.COMPLIANCE_REPORT_DIR ?? 'compliance-report';
try {
  const started = Date.now();
  const phases: string[] = [];
  const report = await checkOrganization({
    blueprintDir: process.env.PANOPS_BLUEPRINT_DIR ?? 'blueprint',
    outdir: process.env.CDK_OUTDIR ?? 'cdk.out',
    generatedAt: process.env.COMPLIANCE_TIMESTAMP === '0' ? null : new Date().toISOString(),
    onPhase: (phase, ms) => phases.push(`${phase} ${(ms / 1000).toFixed(1)} s`),
  });
  writeReport(report, reportDir);
  for (const line of summaryLines(report, reportDir)) console.log(line);
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s: blueprint and stacks, then ${phases.join(', ')})`);
  process.exitCode = report.summary.outcome === 'pass' ? 0 : 1;
} catch (error) {
  if (error instanceof BlueprintInvalid) {
    console.error(error.message);
    process.exitCode = 1;
  } else throw error;
}
