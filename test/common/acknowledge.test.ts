import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { acknowledge, iam4, iam5 } from '../../src/common/acknowledge.js';
import { collectAcknowledgements } from '../../src/guardrails/acknowledgements.js';
import { sourceFiles } from '../support/source-files.js';

describe('acknowledge (the one acknowledgement helper)', () => {
  it('records each prefixed id with its reason on the construct', () => {
    const stack = new Stack(new App(), 'S');
    acknowledge(stack, ['AwsSolutions::AwsSolutions-S1', iam5('Resource::*')], 'why');
    expect(collectAcknowledgements(stack).map(({ id, reason }) => [id, reason])).toEqual([
      ['AwsSolutions::AwsSolutions-S1', 'why'],
      ['AwsSolutions::AwsSolutions-IAM5[Resource::*]', 'why'],
    ]);
    expect(iam4('arn:aws:iam::aws:policy/P')).toBe(
      'AwsSolutions::AwsSolutions-IAM4[Policy::arn:aws:iam::aws:policy/P]',
    );
  });

  it('refuses a bare id (cdk-nag would drop the finding from every report)', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => acknowledge(stack, ['AwsSolutions-S1'], 'why')).toThrow(/needs its pack prefix/);
    expect(() => acknowledge(stack, ['::AwsSolutions-S1'], 'why')).toThrow(/needs its pack prefix/);
  });

  it('refuses an empty reason (no evidence for an auditor)', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => acknowledge(stack, ['AwsSolutions::AwsSolutions-S1'], '  ')).toThrow(/reason is required/);
  });

  it('is the only place in src/ that calls Validations.of(...).acknowledge', () => {
    const direct = sourceFiles('src')
      .filter((file) => file !== join('src', 'common', 'acknowledge.ts'))
      .filter((file) => /Validations\.of\([^)]*\)\s*\.acknowledge\(/.test(readFileSync(file, 'utf8')));
    expect(direct).toEqual([]);
  });
});
