import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CfnResource } from './templates.js';

/**
 * The IAM actions CloudFormation calls to create and update a resource: the
 * create/update handler permissions of each type's resource provider schema
 * (data/handler-permissions.json says where they come from and why the table
 * is committed rather than read from cfn-lint's copy of the schemas).
 */
interface PropertyGate {
  readonly property: string;
  /** The value that needs the actions; absent: any value. */
  readonly value?: unknown;
  readonly actions: readonly string[];
}
interface TypePermissions {
  readonly create: readonly string[];
  readonly update: readonly string[];
  readonly byProperty?: readonly PropertyGate[];
}
interface Table {
  readonly source: string;
  readonly types: Readonly<Record<string, TypePermissions>>;
}

export const HANDLER_PERMISSIONS_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  'data',
  'handler-permissions.json',
);

let table: Table | undefined;
const load = (): Table => {
  table ??= JSON.parse(readFileSync(HANDLER_PERMISSIONS_FILE, 'utf8')) as Table;
  return table;
};

export const handlerPermissionsSource = (): string => load().source;

/** Whether the table knows the type (custom resources count as `Custom::*`). */
export const knowsType = (type: string): boolean =>
  type in load().types || type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';

/** Actions CloudFormation calls to create and update this resource; `undefined` for a type the table lacks. */
export const actionsFor = (resource: CfnResource): string[] | undefined => {
  const types = load().types;
  const key =
    resource.Type.startsWith('Custom::') || resource.Type === 'AWS::CloudFormation::CustomResource'
      ? 'Custom::*'
      : resource.Type;
  const entry = types[key];
  if (!entry) return undefined;
  const props = resource.Properties ?? {};
  const gated = (entry.byProperty ?? []).flatMap((g) =>
    g.property in props && (g.value === undefined || props[g.property] === g.value) ? g.actions : [],
  );
  return [...new Set([...entry.create, ...entry.update, ...gated])];
};
