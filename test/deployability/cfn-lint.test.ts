import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CfnLintMatch,
  CfnLintUnavailable,
  cfnLintVersion,
  loadCfnLintExceptions,
  schemaCheck,
} from '../../src/guardrails/deployability/cfn-lint.js';
import { type LoadedTemplate, loadTemplates } from '../../src/guardrails/deployability/templates.js';
import { ORGANIZATION_KINDS, type OrganizationKind, synthesizeOrganization } from '../support/organizations.js';

/**
 * cfn-lint over every synthesized template of the example organization, a
 * generated 20-customer organization and transit-gateway mode (~85
 * templates). cfn-lint takes many files per run, and each run pays its
 * start-up and schema loading once: the files go in a few size-balanced
 * batches, one cfn-lint process per batch, in parallel.
 */

/** Splits files into `count` batches of similar total size (largest first, each to the lightest batch). */
const batches = (files: readonly string[], count: number): string[][] => {
  const result = Array.from({ length: count }, () => ({ size: 0, files: [] as string[] }));
  for (const file of [...files].sort((a, b) => statSync(b).size - statSync(a).size)) {
    const lightest = result.reduce((min, b) => (b.size < min.size ? b : min));
    lightest.files.push(file);
    lightest.size += statSync(file).size;
  }
  return result.filter((b) => b.files.length > 0).map((b) => b.files);
};

/** One cfn-lint process over a batch (JSON output); it exits non-zero when it finds anything, only a crash rejects. */
const lintBatch = (files: readonly string[]): Promise<CfnLintMatch[]> =>
  new Promise((resolve, reject) => {
    const child = spawn('cfn-lint', ['--format', 'json', '--', ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', (error) => reject(new CfnLintUnavailable(error.message)));
    child.once('close', (code) => {
      try {
        resolve(JSON.parse(stdout || '[]') as CfnLintMatch[]);
      } catch {
        reject(new CfnLintUnavailable(`unexpected output (exit ${code}): ${(stderr || stdout).slice(0, 500)}`));
      }
    });
  });

const templates = new Map<OrganizationKind, LoadedTemplate[]>();
/** The schema check per organization (cfn-lint errors less the reviewed exceptions). */
const outcomes = new Map<OrganizationKind, ReturnType<typeof schemaCheck>>();
let matches: CfnLintMatch[];
let files: string[];
const STALE = 'no longer matches any error';

beforeAll(async () => {
  for (const kind of ORGANIZATION_KINDS) {
    const synthesized = synthesizeOrganization(kind);
    templates.set(kind, loadTemplates(dirname(synthesized.templates[0]?.file as string)));
  }
  files = [...templates.values()].flatMap((list) => list.filter((t) => !t.stackSet).map((t) => t.file));
  const parallel = Math.max(2, Math.min(4, availableParallelism()));
  matches = (await Promise.all(batches(files, parallel).map(lintBatch))).flat();
  for (const [kind, list] of templates) {
    const dir = dirname(list[0]?.file as string);
    outcomes.set(kind, schemaCheck(list, { matches: matches.filter((m) => m.Filename.startsWith(`${dir}/`)) }));
  }
}, 600_000);

describe('cfn-lint over every synthesized template', () => {
  it('lints all three organizations: example, 20 customers, transit-gateway mode', () => {
    for (const kind of ORGANIZATION_KINDS) expect(templates.get(kind)?.length, kind).toBeGreaterThan(5);
    expect(files.length).toBeGreaterThan(70);
  });

  it.each(ORGANIZATION_KINDS)('%s: no cfn-lint error outside the reviewed schema-lag exceptions', (kind) => {
    const errors = outcomes.get(kind)?.findings.filter((f) => !f.message.includes(STALE)) ?? [];
    expect(errors.map((f) => `${f.template} ${f.resource}: ${f.message}`)).toEqual([]);
  });

  it('every reviewed exception still fires somewhere (one that no longer does is reported)', () => {
    const stale = ORGANIZATION_KINDS.map(
      (kind) =>
        new Set(
          outcomes
            .get(kind)
            ?.findings.filter((f) => f.message.includes(STALE))
            .map((f) => f.resource) ?? [],
        ),
    );
    // Stale only if it fires in none of the organizations.
    const everywhere = [...(stale[0] ?? [])].filter((e) => stale.every((s) => s.has(e)));
    expect(everywhere).toEqual([]);
  });

  it('warns about no hard-coded availability zone (W3010) anywhere', () => {
    expect(matches.filter((m) => m.Rule.Id === 'W3010').map((m) => `${m.Filename}: ${m.Message}`)).toEqual([]);
  });

  it('the exceptions were reviewed with the cfn-lint that ran', () => {
    expect(cfnLintVersion()).toBe(loadCfnLintExceptions().cfnLintVersion);
  });
});
