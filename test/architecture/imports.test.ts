import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../support/source-files.js';

/**
 * Dependencies point down: contracts and common at the bottom, the data plane
 * above them, the stacks above that, the app on top. Each rule is a folder
 * pair that must not meet; a violation names the file and the import.
 */
const SRC = 'src';

/** Every relative import of a file, resolved to a path under src/ (`src/tenant/customer-stack.ts`). */
const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) =>
    normalize(join(dirname(file), (match[1] as string).replace(/\.js$/, '.ts'))),
  );

/** The top-level folder (or file) under src/ a path belongs to. */
const areaOf = (path: string): string => relative(SRC, path).split(sep)[0] as string;

const edges = sourceFiles(SRC).flatMap((file) => importsOf(file).map((target) => ({ file, target })));

const violations = (from: (file: string) => boolean, to: (target: string) => boolean): string[] =>
  edges.filter(({ file, target }) => from(file) && to(target)).map(({ file, target }) => `${file} -> ${target}`);

const inArea =
  (...areas: string[]) =>
  (path: string): boolean =>
    areas.includes(areaOf(path));

describe('imports point down', () => {
  it('contracts depend on nothing else in src/ (stacks, services and Lambda bundles all read them)', () => {
    expect(violations(inArea('contracts'), (t) => !inArea('contracts')(t))).toEqual([]);
  });

  it('common depends only on contracts and config', () => {
    expect(violations(inArea('common'), (t) => !inArea('common', 'contracts', 'config')(t))).toEqual([]);
  });

  it('the data plane does not reach up into the stacks that compose it', () => {
    expect(
      violations(
        inArea('data-plane'),
        inArea('tenant', 'pooled-data', 'shared-compute', 'org', 'guardrails', 'app.ts'),
      ),
    ).toEqual([]);
  });

  it('src/pooled-data does not import src/tenant (both build on src/data-plane)', () => {
    expect(violations(inArea('pooled-data'), inArea('tenant'))).toEqual([]);
  });

  it('org/ imports neither services/ nor shared-compute/, and services/ do not import org/', () => {
    expect(violations(inArea('org'), inArea('services', 'shared-compute'))).toEqual([]);
    expect(violations(inArea('services'), inArea('org'))).toEqual([]);
  });

  it('shared compute constructs do not import the data stacks (pooled-data, tenant)', () => {
    expect(
      violations((f) => f.startsWith(join(SRC, 'shared-compute', 'constructs')), inArea('pooled-data', 'tenant')),
    ).toEqual([]);
  });

  it('services do not import the stacks', () => {
    expect(
      violations(inArea('services'), inArea('tenant', 'pooled-data', 'shared-compute', 'data-plane', 'app.ts')),
    ).toEqual([]);
  });

  it('the deploy plan does not import the app entry point', () => {
    expect(violations((f) => f === join(SRC, 'org', 'deploy-plan.ts'), inArea('app.ts', 'main.ts'))).toEqual([]);
  });

  it('sees the imports it rules on (a broken scanner would pass every rule)', () => {
    expect(edges.length).toBeGreaterThan(500);
    expect(edges).toContainEqual({
      file: join(SRC, 'tenant', 'customer-stack.ts'),
      target: join(SRC, 'data-plane', 'data-plane.ts'),
    });
  });
});
