import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CfnLintUnavailable, runCfnLint, startCfnLint } from '../../../src/guardrails/deployability/cfn-lint.js';

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
