import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Blueprint } from '../../config/index.js';
import { ROLE_NAMES } from '../../config/index.js';
import type { ScpTarget } from '../layout.js';
import { scpName } from '../layout.js';
import { SCP_DIR } from '../paths.js';

/** One SCP as an auditor reads it in `policies/scp/` and as it is attached. */
export interface ScpDocument {
  /** File name under `policies/scp/`. */
  readonly file: string;
  /** Name in AWS Organizations (`panops-<file>`). */
  readonly name: string;
  readonly description: string;
  readonly targets: readonly ScpTarget[];
  /** The policy with its placeholders filled in: what CloudFormation sends to Organizations. */
  readonly content: PolicyDocument;
}

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Deny' | 'Allow';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Record<string, Record<string, string | readonly string[]>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

interface AttachmentsFile {
  readonly policies: ReadonlyArray<{ file: string; description: string; targets: ScpTarget[] }>;
}

/** Values of the `{{...}}` placeholders in the SCP documents. */
export const scpPlaceholders = (blueprint: Blueprint): Record<string, string | readonly string[]> => ({
  governedRegions: [...blueprint.organization.governedRegions],
  deployRole: ROLE_NAMES.deploy,
  breakGlassRole: ROLE_NAMES.breakGlass,
});

/**
 * Fills the placeholders: a string that is exactly `{{name}}` becomes the
 * value (a list stays a list); `{{name}}` inside a longer string is replaced
 * in place. An unknown placeholder is an error naming the file.
 */
export const renderPlaceholders = (
  value: unknown,
  values: Record<string, string | readonly string[]>,
  file: string,
): unknown => {
  if (typeof value === 'string') {
    const whole = /^\{\{(\w+)\}\}$/.exec(value);
    if (whole) {
      const replacement = values[whole[1] as string];
      if (replacement === undefined) throw new Error(`${file}: unknown placeholder ${value}`);
      return replacement;
    }
    return value.replace(/\{\{(\w+)\}\}/g, (match, name: string) => {
      const replacement = values[name];
      if (typeof replacement !== 'string') throw new Error(`${file}: placeholder ${match} must be a single value here`);
      return replacement;
    });
  }
  if (Array.isArray(value)) return value.map((item) => renderPlaceholders(item, values, file));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, renderPlaceholders(item, values, file)]),
    );
  return value;
};

/** Loads every SCP listed in `attachments.json`, placeholders filled in for this blueprint. */
export const loadScpDocuments = (blueprint: Blueprint, dir: string = SCP_DIR): ScpDocument[] => {
  const attachments = JSON.parse(readFileSync(join(dir, 'attachments.json'), 'utf8')) as AttachmentsFile;
  const values = scpPlaceholders(blueprint);
  return attachments.policies.map(({ file, description, targets }) => ({
    file,
    name: scpName(file),
    description,
    targets,
    content: renderPlaceholders(JSON.parse(readFileSync(join(dir, file), 'utf8')), values, file) as PolicyDocument,
  }));
};

/**
 * Characters of an SCP as Organizations counts them: CloudFormation sends the
 * `Content` object serialized without whitespace, so that is what is measured.
 */
export const scpCharacters = (content: PolicyDocument): number => JSON.stringify(content).length;
