import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { BUNDLED_HANDLER, bundledLambdaCode } from '../../src/common/lambda-code.js';

const writeHandler = (body: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'handler-'));
  const entry = join(dir, 'handler.ts');
  writeFileSync(entry, body);
  return entry;
};

describe('bundled Lambda code', () => {
  it('gives every stack that uses one handler the same asset', () => {
    const entry = writeHandler('export const handler = async () => ({ answer: 42 as number });\n');
    const app = new App();
    const stacks = ['One', 'Two'].map((id) => {
      const stack = new Stack(app, id);
      new LambdaFunction(stack, 'Fn', {
        runtime: Runtime.NODEJS_22_X,
        handler: BUNDLED_HANDLER,
        code: bundledLambdaCode(stack, entry),
      });
      return stack;
    });
    const hashes = stacks.map((stack) => Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    const keyOf = (resources: Record<string, { Properties: { Code: { S3Key: string } } }>) =>
      Object.values(resources)[0]?.Properties.Code.S3Key;
    expect(keyOf(hashes[0] as never)).toBeDefined();
    expect(keyOf(hashes[0] as never)).toBe(keyOf(hashes[1] as never));
  });

  it('gives a changed handler a different asset hash', () => {
    const a = writeHandler('export const handler = async () => 1;\n');
    const b = writeHandler('export const handler = async () => 2;\n');
    const app = new App();
    const stack = new Stack(app, 'S');
    const fn = (id: string, entry: string) =>
      new LambdaFunction(stack, id, {
        runtime: Runtime.NODEJS_22_X,
        handler: BUNDLED_HANDLER,
        code: bundledLambdaCode(stack, entry),
      });
    fn('A', a);
    fn('B', b);
    const keys = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).map(
      (r) => (r as { Properties: { Code: { S3Key: string } } }).Properties.Code.S3Key,
    );
    expect(new Set(keys).size).toBe(2);
  });
});
