import { App, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { SESSION_CUSTOMER_VARIABLE } from '../../src/contracts/pooled-data.js';
import { CustomerKey } from '../../src/data-plane/customer-key.js';

/** The key grant through S3 for one prefix stops at that prefix: a prefix that could widen it is refused at synth. */
const grantFor = (prefix: string) => {
  const stack = new Stack(new App(), 'KeyTest', { env: { account: '200000000001', region: 'us-east-1' } });
  const key = new CustomerKey(stack, 'Key', { alias: 'panops/test' });
  const role = new Role(stack, 'Reader', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  return () =>
    key.allowThroughS3ForPrefix({
      identitySid: 'Use',
      keyPolicySid: 'ReaderUse',
      principal: role,
      actions: ['kms:Decrypt'],
      prefix,
      objectsArn: `arn:aws:s3:::archive/${prefix}*`,
    });
};

describe('CustomerKey.allowThroughS3ForPrefix', () => {
  it('grants a written-out folder, policy variables included', () => {
    expect(grantFor('customers/acme/raw/')).not.toThrow();
    expect(grantFor(`customers/${SESSION_CUSTOMER_VARIABLE}/`)).not.toThrow();
  });

  it.each([
    ['customers/*/', 'wildcard'],
    ['customers/acme?/', 'wildcard'],
    ['customers/acme', 'folder'],
    ['', 'folder'],
  ])('refuses %j (%s), naming the construct and the prefix', (prefix, why) => {
    expect(grantFor(prefix)).toThrow(new RegExp(`KeyTest/Key: allowThroughS3ForPrefix: prefix .*${why}`));
  });
});
