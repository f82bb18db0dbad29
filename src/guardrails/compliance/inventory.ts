import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type App, CfnResource, Stack, Token } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { TAG_KEYS } from '../../contracts/names.js';
import { REPO_ROOT } from '../paths.js';
import { firstRepositoryFrame, type SourceLocation } from '../source-location.js';

/** One synthesized stack and what the report needs to place a finding in it. */
export interface StackInventory {
  readonly stack: Stack;
  /** Construct path (= stack name for top-level stacks). */
  readonly path: string;
  readonly account: string;
  readonly region: string;
  readonly customerId?: string;
  /** Absolute template path. */
  readonly templateFile: string;
  /** Repository-relative template path, forward slashes. */
  readonly template: string;
  /** Resource type of every logical id in the template. */
  readonly resourceTypes: ReadonlyMap<string, string>;
  /** Construct path of every logical id. */
  readonly constructPaths: ReadonlyMap<string, string>;
  /** Where each construct path's resource was created in the source. */
  readonly sources: ReadonlyMap<string, SourceLocation>;
}

export const repoRelative = (path: string): string => relative(REPO_ROOT, path).split('\\').join('/');

const CREATION_STACK = 'aws:cdk:creationStack';

/** Every top-level stack of the app, sorted by path, with its template and resource map. */
export const inventory = (app: App, assembly: CloudAssembly): StackInventory[] =>
  app.node
    .findAll()
    .filter((c): c is Stack => Stack.isStack(c))
    .filter((stack) => assembly.stacks.some((a) => a.id === stack.artifactId))
    .sort((a, b) => (a.node.path < b.node.path ? -1 : a.node.path > b.node.path ? 1 : 0))
    .map((stack) => {
      const templateFile = resolve(join(assembly.directory, stack.templateFile));
      const template = JSON.parse(readFileSync(templateFile, 'utf8')) as {
        Resources?: Record<string, { Type: string }>;
      };
      const resourceTypes = new Map(Object.entries(template.Resources ?? {}).map(([id, r]) => [id, r.Type]));
      const constructPaths = new Map<string, string>();
      const sources = new Map<string, SourceLocation>();
      for (const construct of stack.node.findAll()) {
        if (!CfnResource.isCfnResource(construct) || Stack.of(construct) !== stack) continue;
        constructPaths.set(stack.resolve(construct.logicalId) as string, construct.node.path);
        const trace = construct.node.metadata.find((m) => m.type === CREATION_STACK)?.data as string[] | undefined;
        const source = firstRepositoryFrame(trace);
        if (source) sources.set(construct.node.path, source);
      }
      const customerId = stack.tags.tagValues()[TAG_KEYS.customerId];
      return {
        stack,
        path: stack.node.path,
        account: Token.isUnresolved(stack.account) ? '(account-agnostic)' : stack.account,
        region: Token.isUnresolved(stack.region) ? '(region-agnostic)' : stack.region,
        ...(customerId ? { customerId } : {}),
        templateFile,
        template: repoRelative(templateFile),
        resourceTypes,
        constructPaths,
        sources,
      };
    });
