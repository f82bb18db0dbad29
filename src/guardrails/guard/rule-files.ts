import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  CONTROL_TOWER_CONTROLS_FILE,
  CONTROL_TOWER_METADATA_DIR,
  CONTROL_TOWER_RULES_DIR,
  OWN_GUARD_RULES_DIR,
} from '../paths.js';

/** One control of `policies/control-tower/controls.json` (owned by the organization stack). */
export interface EnabledControl {
  /** `CT.S3.PR.1` */
  readonly id: string;
  /** Bundled cfn-guard rule file base name: `ct-s3-pr-1`. */
  readonly guardRule: string;
  /** OU names the control is enabled on. */
  readonly ous: readonly string[];
  /** The recorded control ARN; null or missing: resolved at deploy from the Control Catalog by its alias. */
  readonly controlIdentifier?: string | null;
}

/** One `.guard` file that the synth-time check runs. */
export interface GuardRuleFile {
  /** Absolute path of the `.guard` file. */
  readonly path: string;
  /** File base name: `ct-s3-pr-1`, `no-internet-gateway-in-customer-vpc`. */
  readonly fileName: string;
  /** The named (non-parameterized) rules of the file: what cfn-guard reports and what an acknowledgement names. */
  readonly ruleNames: readonly string[];
  /** `control-tower` for a bundled proactive control, `panops` for `policies/guard/`. */
  readonly origin: 'control-tower' | 'panops';
  /** The Control Tower control id (`CT.S3.PR.1`) for a bundled rule. */
  readonly controlId?: string;
  /** One-line description: the control's display name, or the rule file's `Description:` header. */
  readonly title: string;
  /** Resource types the rule reports on (Control Tower metadata or the file's `Reports on:` header). */
  readonly resourceTypes: readonly string[];
  /** Control Tower severity (`HIGH`) or the file's `Severity:` header. */
  readonly severity: string;
}

export const readEnabledControls = (file = CONTROL_TOWER_CONTROLS_FILE): readonly EnabledControl[] =>
  (JSON.parse(readFileSync(file, 'utf8')) as { controls: EnabledControl[] }).controls;

/** Named rules that cfn-guard evaluates and reports: `rule name when ...` / `rule name {`, not `rule f(x) {`. */
export const namedRules = (guardSource: string): string[] => [
  ...new Set([...guardSource.matchAll(/^rule\s+([A-Za-z_][\w]*)\s*(?:when\b|\{)/gm)].map((m) => m[1] as string)),
];

/** A `# Key:` header block value of a rule file (`Description:`, `Reports on:`, `Severity:`). */
const headerValue = (source: string, key: string): string | undefined => {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => l.trim() === `# ${key}:`);
  if (start === -1) return undefined;
  const value: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const text = line.replace(/^#\s?/, '').trim();
    if (!line.startsWith('#   ') || text === '') break;
    value.push(text);
  }
  return value.join(' ');
};

const findFile = (dir: string, name: string): string | undefined => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    } else if (entry.name === name) return path;
  }
  return undefined;
};

interface ControlMetadata {
  readonly DisplayName: string;
  readonly Severity: string;
  readonly EvaluatedResourceTypes: readonly string[];
}

/** The bundled Control Tower rule files that `controls.json` enables, in its order. */
export const controlTowerRuleFiles = (controls = readEnabledControls()): GuardRuleFile[] =>
  controls.map((control) => {
    const path = findFile(CONTROL_TOWER_RULES_DIR, `${control.guardRule}.guard`);
    const metadataPath = findFile(CONTROL_TOWER_METADATA_DIR, `${control.guardRule}.metadata.json`);
    if (!path || !metadataPath) {
      throw new Error(
        `Control ${control.id}: no bundled cfn-guard rule '${control.guardRule}' in ${CONTROL_TOWER_RULES_DIR}`,
      );
    }
    const metadata = JSON.parse(readFileSync(metadataPath, 'utf8')) as ControlMetadata;
    const source = readFileSync(path, 'utf8');
    return {
      path,
      fileName: control.guardRule,
      ruleNames: namedRules(source),
      origin: 'control-tower',
      controlId: control.id,
      title: metadata.DisplayName,
      resourceTypes: metadata.EvaluatedResourceTypes,
      severity: metadata.Severity,
    };
  });

/** The project's own rules: every `policies/guard/*.guard`, sorted by name. */
export const ownRuleFiles = (dir = OWN_GUARD_RULES_DIR): GuardRuleFile[] =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.guard'))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const source = readFileSync(path, 'utf8');
      return {
        path,
        fileName: basename(name, '.guard'),
        ruleNames: namedRules(source),
        origin: 'panops',
        title: headerValue(source, 'Description') ?? basename(name, '.guard'),
        resourceTypes: (headerValue(source, 'Reports on') ?? '').split(/[\s,]+/).filter(Boolean),
        severity: headerValue(source, 'Severity') ?? 'HIGH',
      };
    });

/** Everything the synth-time Guard check runs: the enabled Control Tower controls, then the project's own rules. */
export const synthTimeGuardRules = (): GuardRuleFile[] => [...controlTowerRuleFiles(), ...ownRuleFiles()];
