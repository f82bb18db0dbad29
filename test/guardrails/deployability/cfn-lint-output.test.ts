import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CfnLintUnavailable,
  runCfnLint,
  startCfnLint,
  warmCfnLint,
} from '../../../src/guardrails/deployability/cfn-lint.js';

/**
 * cfn-lint prints `[]` when a template is clean. A cfn-lint that prints nothing (killed, crashed before its
 * output, a broken install) must fail the schema check loudly, never read as "no findings".
 */
const path = process.env.PATH;
afterEach(() => {
  process.env.PATH = path;
});

const silentCfnLint = (status: number) => {
  const bin = mkdtempSync(join(tmpdir(), 'silent-cfn-lint-'));
  writeFileSync(join(bin, 'cfn-lint'), `#!/bin/sh\necho 'Traceback: something broke' >&2\nexit ${status}\n`);
  chmodSync(join(bin, 'cfn-lint'), 0o755);
  process.env.PATH = `${bin}:${path}`;
};

describe('cfn-lint that says nothing', () => {
  it.each([0, 2])('exit %i with no output is an error naming what it printed, not a clean template', async (status) => {
    silentCfnLint(status);
    expect(() => runCfnLint(['A.template.json'])).toThrow(CfnLintUnavailable);
    expect(() => runCfnLint(['A.template.json'])).toThrow(/no output .*Traceback: something broke/);
    await expect(startCfnLint(['A.template.json'])).rejects.toThrow(/no output/);
  });
});

describe('a cfn-lint started before its files exist', () => {
  // One resource cfn-lint refuses (E3002: a property the type does not have) and one it accepts.
  const template = (extra: boolean) =>
    JSON.stringify({
      Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: extra ? { NoSuchProperty: 1 } : {} } },
    });

  it('lints what it is handed later exactly as the cfn-lint command does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warm-cfn-lint-'));
    const files = [join(dir, 'A.template.json'), join(dir, 'B.template.json')];
    const warm = warmCfnLint('python3');
    writeFileSync(files[0] as string, template(true));
    writeFileSync(files[1] as string, template(false));
    const matches = await warm.lint(files);
    expect(matches.map((m) => m.Rule.Id)).toContain('E3002');
    expect(matches).toEqual(await startCfnLint(files));
    await expect(warm.lint(files)).rejects.toThrow(/one list/);
  }, 60_000);

  it('closed unused, it lints nothing more; a missing interpreter is an error, not a clean template', async () => {
    const unused = warmCfnLint('python3');
    unused.close();
    expect(await unused.lint(['A.template.json']).catch((e: Error) => e.message)).toMatch(/one list/);
    await expect(warmCfnLint('no-such-python-3').lint(['A.template.json'])).rejects.toThrow(CfnLintUnavailable);
  }, 60_000);
});
