import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One finding in CDK's `validation-report.json` (open or acknowledged). */
export interface ReportedViolation {
  readonly ruleName: string;
  readonly acknowledgedId?: string;
  readonly reason?: string;
  readonly violatingConstructs: ReadonlyArray<{ readonly constructPath: string }>;
}

/** One plugin's part of the report (cdk-nag packs, the Guard validator). */
export interface PluginReport {
  readonly pluginName: string;
  readonly conclusion?: string;
  readonly violations: readonly ReportedViolation[];
  readonly suppressedViolations?: readonly ReportedViolation[];
}

/** The plugin reports CDK wrote into a synthesized app's output folder. */
export const readPluginReports = (outdir: string): PluginReport[] =>
  (JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: PluginReport[] })
    .pluginReports;

/** Every unacknowledged finding as `<plugin> <rule>: <construct paths>` (empty when the app passes). */
export const openFindings = (reports: readonly PluginReport[]): string[] =>
  reports.flatMap((r) =>
    r.violations.map((v) => `${r.pluginName} ${v.ruleName}: ${v.violatingConstructs.map((c) => c.constructPath)}`),
  );

/** Every acknowledged finding, with the id and reason it was accepted under. */
export const acknowledgedFindings = (reports: readonly PluginReport[]): ReportedViolation[] =>
  reports.flatMap((r) => r.suppressedViolations ?? []);
