import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AssumeRoleFailed, assumedRoleCredentials } from '../../../src/services/directory/assumed-role.js';

const sts = mockClient(STSClient);
afterEach(() => sts.reset());

const ROLE = 'arn:aws:iam::222233334444:role/panops-customer-data-access';
const issued = (n: number, expiresAt: number) => ({
  Credentials: {
    AccessKeyId: `ASIA${n}`,
    SecretAccessKey: `s${n}`,
    SessionToken: `t${n}`,
    Expiration: new Date(expiresAt),
  },
});

describe('data-access role sessions', () => {
  it('shares one AssumeRole among concurrent callers and reuses it until shortly before it expires', async () => {
    let now = 0;
    sts.on(AssumeRoleCommand).resolvesOnce(issued(1, 3600_000)).resolves(issued(2, 7200_000));
    const credentials = assumedRoleCredentials(
      new STSClient({ region: 'eu-west-1' }),
      { roleArn: ROLE, sessionName: 'panops-test' },
      { refreshBeforeMs: 300_000, now: () => now },
    );
    const first = await Promise.all([credentials(), credentials(), credentials()]);
    expect(first.map((c) => c.accessKeyId)).toEqual(['ASIA1', 'ASIA1', 'ASIA1']);
    now = 3600_000 - 300_001;
    expect((await credentials()).accessKeyId).toBe('ASIA1');
    now = 3600_000 - 299_999;
    expect((await credentials()).accessKeyId).toBe('ASIA2');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toMatchObject({
      RoleArn: ROLE,
      DurationSeconds: 3600,
    });
  });

  it('names the role and STS’s error when refused, and tries again on the next call', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }))
      .resolves(issued(3, Date.now() + 3600_000));
    const credentials = assumedRoleCredentials(new STSClient({ region: 'eu-west-1' }), {
      roleArn: ROLE,
      sessionName: 'panops-test',
    });
    const refused = await credentials().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AssumeRoleFailed);
    expect(refused).toMatchObject({ roleArn: ROLE, errorName: 'AccessDenied' });
    expect((await credentials()).accessKeyId).toBe('ASIA3');
  });
});
