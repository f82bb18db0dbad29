import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Schema } from 'effect';
import { BUNDLED_CONTROL_METADATA_DIR, CONTROLS_FILE } from '../paths.js';

/**
 * The PanOps OU roles a control can be enabled on (the values of `ous` in
 * controls.json). Not the Security OU: the landing zone owns it and governs it
 * with its own mandatory controls.
 */
export const CONTROL_OU_ROLES = ['Infrastructure', 'Customers', 'Quarantine'] as const;
export type ControlOuRole = (typeof CONTROL_OU_ROLES)[number];

/** One Control Tower proactive control: enabled per OU at deploy, run as a Guard rule at synth. */
export interface ControlEntry {
  /** Control Tower's control id, e.g. `CT.S3.PR.1`. */
  readonly id: string;
  /** Base name of the bundled cfn-guard rule that implements it at synth, e.g. `ct-s3-pr-1`. */
  readonly guardRule: string;
  /** OU roles the control is enabled on. */
  readonly ous: readonly ControlOuRole[];
  /**
   * The ARN EnableControl takes, when it is recorded here from a source; `null`:
   * resolved at deploy time from the Control Catalog by its alias (`id`), never guessed.
   */
  readonly controlIdentifier: string | null;
  /** Where a recorded identifier comes from (the published table and the date it was read). */
  readonly source?: string;
}

export interface ControlCatalog {
  readonly file: string;
  readonly controls: readonly ControlEntry[];
}

/** The catalog file is wrong: every problem, each naming the entry and the rule it breaks. */
export class ControlCatalogInvalid extends Schema.TaggedError<ControlCatalogInvalid>()('ControlCatalogInvalid', {
  file: Schema.String,
  problems: Schema.Array(Schema.String),
}) {
  override get message(): string {
    const n = this.problems.length;
    return `${this.file} is invalid (${n} problem${n === 1 ? '' : 's'}):\n  - ${this.problems.join('\n  - ')}`;
  }
}

/** Global (Control Catalog) or Regional (Control Tower) control ARN. */
export const CONTROL_IDENTIFIER =
  /^arn:aws:controlcatalog:::control\/[a-z0-9]{10,40}$|^arn:aws:controltower:[a-z]{2}(-gov)?-[a-z]+-\d::control\/[A-Za-z0-9_-]{4,64}$/;

/** The bundled rule name for a control id: `CT.S3.PR.1` → `ct-s3-pr-1`. */
export const guardRuleFor = (id: string): string => id.toLowerCase().replaceAll('.', '-');

let bundledIndex: ReadonlyMap<string, string> | undefined;
/** Bundled Guard rule base name → the control id in its metadata. */
export const bundledControlRules = (): ReadonlyMap<string, string> => {
  if (!bundledIndex) {
    const index = new Map<string, string>();
    for (const service of readdirSync(BUNDLED_CONTROL_METADATA_DIR)) {
      for (const file of readdirSync(join(BUNDLED_CONTROL_METADATA_DIR, service))) {
        if (!file.endsWith('.metadata.json')) continue;
        const metadata = JSON.parse(readFileSync(join(BUNDLED_CONTROL_METADATA_DIR, service, file), 'utf8')) as {
          Id: string;
        };
        index.set(file.replace(/\.metadata\.json$/, ''), metadata.Id);
      }
    }
    bundledIndex = index;
  }
  return bundledIndex;
};

/**
 * Validates a parsed controls.json: each guard rule is bundled and its metadata
 * names the same control id, OU roles are known, identifiers are control ARNs
 * with a source or `null` (resolved at deploy), and no control or identifier
 * is listed twice.
 */
export const parseControlCatalog = (data: unknown, file: string): ControlCatalog => {
  const problems: string[] = [];
  const list = (data as { controls?: unknown })?.controls;
  if (!Array.isArray(list)) throw new ControlCatalogInvalid({ file, problems: ['controls: must be a list'] });
  const bundled = bundledControlRules();
  const seen = new Set<string>();
  const identifiers = new Map<string, string>();
  const controls: ControlEntry[] = [];
  for (const [index, raw] of list.entries()) {
    const entry = raw as Partial<ControlEntry>;
    const where = `controls.${index}${typeof entry.id === 'string' ? ` (${entry.id})` : ''}`;
    const before = problems.length;
    if (typeof entry.id !== 'string' || !/^CT\.[A-Z0-9]+\.PR\.\d+$/.test(entry.id))
      problems.push(`${where}.id: must be a Control Tower proactive control id such as CT.S3.PR.1`);
    else if (seen.has(entry.id)) problems.push(`${where}.id: listed twice`);
    else seen.add(entry.id);
    if (typeof entry.guardRule !== 'string' || !bundled.has(entry.guardRule))
      problems.push(
        `${where}.guardRule = ${JSON.stringify(entry.guardRule)}: no such bundled Control Tower Guard rule`,
      );
    else if (bundled.get(entry.guardRule) !== entry.id)
      problems.push(
        `${where}.guardRule = ${entry.guardRule}: the bundled rule implements ${bundled.get(entry.guardRule)}, not ${entry.id}`,
      );
    if (!Array.isArray(entry.ous) || entry.ous.length === 0)
      problems.push(`${where}.ous: must list at least one of ${CONTROL_OU_ROLES.join(', ')}`);
    else
      for (const ou of entry.ous)
        if (!CONTROL_OU_ROLES.includes(ou as ControlOuRole))
          problems.push(`${where}.ous: ${JSON.stringify(ou)} is not one of ${CONTROL_OU_ROLES.join(', ')}`);
    if (entry.controlIdentifier === undefined)
      problems.push(
        `${where}.controlIdentifier: must be the control ARN (with its source), or null to resolve it at deploy from the Control Catalog`,
      );
    else if (entry.controlIdentifier !== null && !CONTROL_IDENTIFIER.test(entry.controlIdentifier))
      problems.push(
        `${where}.controlIdentifier = ${JSON.stringify(entry.controlIdentifier)}: must be arn:aws:controlcatalog:::control/<id> or arn:aws:controltower:<region>::control/<ID>`,
      );
    else if (entry.controlIdentifier !== null && !entry.source)
      problems.push(
        `${where}.source: a recorded identifier needs its source (the published table and the date it was read)`,
      );
    else if (entry.controlIdentifier !== null) {
      const other = identifiers.get(entry.controlIdentifier);
      if (other) problems.push(`${where}.controlIdentifier: also the identifier of ${other}`);
      identifiers.set(entry.controlIdentifier, entry.id ?? where);
    }
    if (problems.length === before) controls.push(entry as ControlEntry);
  }
  if (problems.length > 0) throw new ControlCatalogInvalid({ file, problems });
  return { file, controls };
};

/** Loads and validates `policies/control-tower/controls.json` (or another file, for tests). */
export const loadControlCatalog = (file: string = CONTROLS_FILE): ControlCatalog =>
  parseControlCatalog(JSON.parse(readFileSync(file, 'utf8')), file);

/** The control is resolved at deploy time from the Control Catalog (no identifier recorded here). */
export const isResolvedAtDeploy = (control: ControlEntry): boolean => control.controlIdentifier === null;

/** Controls enabled on an OU role: every control of the catalog that lists it. */
export const controlsFor = (catalog: ControlCatalog, role: ControlOuRole): readonly ControlEntry[] =>
  catalog.controls.filter((c) => c.ous.includes(role));
