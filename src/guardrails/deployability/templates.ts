import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';

/** A CloudFormation template as the rehearsal reads it. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: unknown;
}
export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Parameters?: Record<string, { Default?: unknown }>;
}

/** One template to rehearse, with where it deploys. */
export interface LoadedTemplate {
  /** File name (`X.template.json`), or `<file>#<StackSet logical id>` for a StackSet's embedded template. */
  readonly name: string;
  /** The file on disk (the containing template's file for embedded ones). */
  readonly file: string;
  readonly body: CfnTemplate;
  /** Account and region from the cloud assembly manifest, when known. */
  readonly account: string;
  readonly region: string;
  /** False when the account is not known (no manifest, or a customer still to be vended): `account` is then a placeholder of its own. */
  readonly accountKnown: boolean;
  /** The StackSet that carries this template (service-managed: deployed by `stacksets-exec-*`). */
  readonly stackSet?: { readonly template: string; readonly logicalId: string };
}

export class TemplateUnreadable extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'TemplateUnreadable';
  }
}

/** Placeholder accounts (one per template, never shared: two unknown accounts are two accounts) and the default region. */
const placeholderAccount = (index: number): string => `9${String(index + 1).padStart(11, '0')}`;
export const DEFAULT_REGION = 'us-east-1';

interface ManifestArtifact {
  type?: string;
  environment?: string;
  properties?: { templateFile?: string };
}

/** Template file → account/region, from `manifest.json` of a cloud assembly. */
const environments = (dir: string): Map<string, { account: string | undefined; region: string }> => {
  const map = new Map<string, { account: string | undefined; region: string }>();
  const manifest = join(dir, 'manifest.json');
  if (!existsSync(manifest)) return map;
  const artifacts = (JSON.parse(readFileSync(manifest, 'utf8')) as { artifacts?: Record<string, ManifestArtifact> })
    .artifacts;
  for (const artifact of Object.values(artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const [, account, region] = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '') ?? [];
    map.set(artifact.properties.templateFile, {
      account: account && /^\d{12}$/.test(account) ? account : undefined,
      region: region && region !== 'unknown-region' ? region : DEFAULT_REGION,
    });
  }
  return map;
};

/** CloudFormation's short-form intrinsics (`!Ref`, `!Sub`, ...) as their long form, so YAML templates read like JSON ones. */
const CFN_TAGS = [
  'Ref',
  'Sub',
  'GetAtt',
  'Join',
  'Select',
  'Split',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'FindInMap',
  'Base64',
  'GetAZs',
  'ImportValue',
  'Condition',
].flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const wrap = (value: unknown) => ({
    [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value,
  });
  return (['scalar', 'seq', 'map'] as const).map((nodeClass) => ({
    tag: `!${name}`,
    collection: nodeClass === 'scalar' ? undefined : nodeClass,
    resolve: (value: unknown) =>
      wrap(
        value && typeof value === 'object' && 'toJSON' in value ? (value as { toJSON: () => unknown }).toJSON() : value,
      ),
  }));
});

/** Parses a template body given as JSON or YAML (a StackSet's TemplateBody is often the CDK bootstrap YAML). */
export const parseTemplateBody = (body: string, file: string): CfnTemplate => {
  try {
    return body.trimStart().startsWith('{')
      ? (JSON.parse(body) as CfnTemplate)
      : (parse(body, { customTags: CFN_TAGS as never }) as CfnTemplate);
  } catch (error) {
    throw new TemplateUnreadable(file, `not a JSON or YAML template (${(error as Error).message})`);
  }
};

/**
 * Every `*.template.json` of `dir` and the templates embedded in their
 * StackSets (`TemplateBody`), with account and region from the cloud
 * assembly manifest when the folder is one.
 */
export const loadTemplates = (dir: string): LoadedTemplate[] => {
  if (!existsSync(dir)) throw new TemplateUnreadable(dir, 'no such folder');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.template.json'))
    .sort();
  if (files.length === 0) throw new TemplateUnreadable(dir, 'no *.template.json in this folder');
  const envs = environments(dir);
  const templates: LoadedTemplate[] = [];
  for (const name of files) {
    const file = join(dir, name);
    const body = parseTemplateBody(readFileSync(file, 'utf8'), file);
    if (!body || typeof body !== 'object' || typeof body.Resources !== 'object')
      throw new TemplateUnreadable(file, 'has no Resources section');
    const env = envs.get(name) ?? { account: undefined, region: DEFAULT_REGION };
    templates.push({
      name,
      file,
      body,
      account: env.account ?? placeholderAccount(templates.length),
      accountKnown: env.account !== undefined,
      region: env.region,
    });
    for (const [logicalId, resource] of Object.entries(body.Resources ?? {})) {
      if (resource.Type !== 'AWS::CloudFormation::StackSet') continue;
      const inner = resource.Properties?.TemplateBody;
      if (typeof inner !== 'string') continue;
      templates.push({
        name: `${name}#${logicalId}`,
        file,
        body: parseTemplateBody(inner, `${file}#${logicalId}`),
        account: placeholderAccount(templates.length),
        accountKnown: false,
        region: env.region,
        stackSet: { template: name, logicalId },
      });
    }
  }
  return templates;
};

export const templateFileName = (file: string): string => basename(file);

export const resourcesOf = (template: LoadedTemplate): [string, CfnResource][] =>
  Object.entries(template.body.Resources ?? {});

/** The resource tags as a map (CloudFormation's `[{Key, Value}]` or a plain object). */
export const tagsOf = (resource: CfnResource): Record<string, string> => {
  const tags = resource.Properties?.Tags;
  if (Array.isArray(tags))
    return Object.fromEntries(
      tags
        .filter((t): t is { Key: string; Value: unknown } => !!t && typeof t === 'object' && 'Key' in t)
        .map((t) => [t.Key, String(t.Value)]),
    );
  if (tags && typeof tags === 'object') return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)]));
  return {};
};
