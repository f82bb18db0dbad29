/**
 * `npx projen rehearse`: synthesizes the organization from the blueprint and
 * rehearses its deploy offline (cfn-lint, IAM simulation of SCPs, key, bucket
 * and trust policies, the customer-data access matrix, and the SDK-driven
 * steps against moto_server). `-- --templates DIR` rehearses a folder of
 * `*.template.json` instead (the SDK steps are about our organization and
 * are left out). `--json FILE` writes the full report; `--skip-sdk` leaves
 * the emulator out. Exit 1 on any finding, 2 when the rehearsal cannot run.
 *
 * Environment: PANOPS_BLUEPRINT_DIR (default blueprint).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BlueprintInvalid } from '../../config/index.js';
import { exitOnExpected, option } from '../command-line.js';
import { CfnLintExceptionsInvalid, CfnLintUnavailable } from './cfn-lint.js';
import { findingLine, type RehearsalReport } from './model.js';
import { rehearseOrganization, rehearseTemplates } from './rehearse.js';
import { sdkStepsCheck } from './sdk-steps.js';
import { TemplateUnreadable } from './templates.js';

const args = process.argv.slice(2);

export const summary = (report: RehearsalReport): string[] => {
  const lines = [
    `Deploy rehearsal: ${report.outcome.toUpperCase()} — ${report.templates.length} templates; cfn-lint ${report.tool.cfnLint ?? 'missing'}, iam-simulate ${report.tool.iamSimulate}, iam-data ${report.tool.iamData}`,
  ];
  for (const c of report.checks) {
    lines.push(
      `  ${c.skipped ? 'SKIP' : c.findings.length > 0 ? 'FAIL' : 'PASS'} ${c.check}: ${c.findings.length} finding(s), ${c.evaluated} evaluated${c.skipped ? ` — skipped: ${c.skipped}` : ''}`,
    );
    for (const f of c.findings) lines.push(`    ${findingLine(f)}`);
    for (const n of c.notes) lines.push(`    note: ${n}`);
  }
  const reached = report.accessMatrix.filter((c) => c.allowed);
  lines.push(`  access matrix: ${reached.length} role/resource pairs reach customer data`);
  return lines;
};

const blueprintDir = process.env.PANOPS_BLUEPRINT_DIR ?? 'blueprint';
try {
  const templatesDir = option('--templates');
  if (args.includes('--templates') && (!templatesDir || templatesDir.startsWith('--'))) {
    console.error('--templates needs a folder of *.template.json');
    process.exit(2);
  }
  const report = templatesDir
    ? await rehearseTemplates(templatesDir, { blueprintDir })
    : await rehearseOrganization({
        blueprintDir,
        ...(args.includes('--skip-sdk') ? {} : { extraChecks: () => sdkStepsCheck({ blueprintDir }) }),
      });
  for (const line of summary(report)) console.log(line);
  const json = option('--json');
  if (json) {
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  }
  process.exitCode = report.outcome === 'pass' ? 0 : 1;
} catch (error) {
  exitOnExpected(error, [BlueprintInvalid, TemplateUnreadable, CfnLintUnavailable, CfnLintExceptionsInvalid], 2);
}
