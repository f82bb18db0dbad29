import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { CreateKeyCommand, EnableKeyRotationCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { StackRef } from '../../../src/guardrails/evidence/live/promises.js';
import type { Moto } from '../../support/moto.js';

export const MEMBER = '111111111111';
export const STACK = 'PanOps-Customer-acme';

/** A customer stack's template as the app synthesizes one: a WORM archive, a trail with its WORM bucket, a key. */
export const customerTemplate = {
  Resources: {
    ArchiveBucket: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } },
        },
        VersioningConfiguration: { Status: 'Enabled' },
      },
    },
    TrailBucket: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 365 } },
        },
      },
    },
    LogBucket: { Type: 'AWS::S3::Bucket', Properties: { VersioningConfiguration: { Status: 'Enabled' } } },
    Trail: {
      Type: 'AWS::CloudTrail::Trail',
      Properties: { TrailName: 'panops-acme', IsLogging: true, EnableLogFileValidation: true, S3BucketName: 'x' },
    },
    CustomerKey: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } },
  },
};

export const writeTemplate = (): StackRef => {
  const dir = mkdtempSync(join(tmpdir(), 'live-evidence-'));
  const template = join(dir, `${STACK}.template.json`);
  writeFileSync(template, JSON.stringify(customerTemplate, null, 1));
  return { stack: STACK, account: MEMBER, region: 'us-east-1', template };
};

/** Credentials of the member account in the emulator, the way the live run gets them (sts:AssumeRole). */
export const memberClients = async (moto: Moto) => {
  const sts = new STSClient(moto.client);
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${MEMBER}:role/AWSControlTowerExecution`,
      RoleSessionName: 'setup',
    }),
  );
  sts.destroy();
  const config = {
    ...moto.client,
    credentials: {
      accessKeyId: c?.AccessKeyId ?? '',
      secretAccessKey: c?.SecretAccessKey ?? '',
      sessionToken: c?.SessionToken ?? '',
    },
  };
  return {
    s3: new S3Client({ ...config, forcePathStyle: true }),
    kms: new KMSClient(config),
    cloudtrail: new CloudTrailClient(config),
  };
};

export interface Deployed {
  readonly archive: string;
  readonly trailBucket: string;
  readonly trail: string;
  readonly keyId: string;
}

/** What the deploy would have made, in the member account of the emulator; `drop` leaves settings out to make synth and live disagree. */
export const deploy = async (
  moto: Moto,
  suffix: string,
  drop: { archiveLock?: boolean; rotation?: boolean; logging?: boolean; validation?: boolean } = {},
): Promise<Deployed> => {
  const { s3, kms, cloudtrail } = await memberClients(moto);
  const archive = `acme-archive-${suffix}`;
  const trailBucket = `acme-trail-${suffix}`;
  await s3.send(new CreateBucketCommand({ Bucket: archive, ObjectLockEnabledForBucket: !drop.archiveLock }));
  if (!drop.archiveLock)
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: archive,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } },
        },
      }),
    );
  await s3.send(new CreateBucketCommand({ Bucket: trailBucket, ObjectLockEnabledForBucket: true }));
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: trailBucket,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 365 } },
      },
    }),
  );
  const trail = `panops-acme-${suffix}`;
  await cloudtrail.send(
    new CreateTrailCommand({ Name: trail, S3BucketName: trailBucket, EnableLogFileValidation: !drop.validation }),
  );
  if (!drop.logging) await cloudtrail.send(new StartLoggingCommand({ Name: trail }));
  const key = await kms.send(new CreateKeyCommand({}));
  const keyId = key.KeyMetadata?.KeyId ?? '';
  if (!drop.rotation) await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
  s3.destroy();
  kms.destroy();
  cloudtrail.destroy();
  return { archive, trailBucket, trail, keyId };
};

/**
 * CloudFormation answers through aws-sdk-client-mock (moto's CloudFormation
 * has no drift detection): the deployed template, the stack's resources and
 * the drift status.
 */
export const mockCloudFormation = (
  deployed: Deployed,
  options: { template?: unknown; drifted?: boolean; missing?: boolean } = {},
) => {
  const cfn = mockClient(CloudFormationClient);
  if (options.missing) {
    const error = Object.assign(new Error(`Stack with id ${STACK} does not exist`), { name: 'ValidationError' });
    cfn.on(GetTemplateCommand).rejects(error);
    return cfn;
  }
  cfn.on(GetTemplateCommand).resolves({ TemplateBody: JSON.stringify(options.template ?? customerTemplate) });
  cfn.on(ListStackResourcesCommand).resolves({
    StackResourceSummaries: [
      ['ArchiveBucket', deployed.archive],
      ['TrailBucket', deployed.trailBucket],
      ['LogBucket', 'acme-logs'],
      ['Trail', deployed.trail],
      ['CustomerKey', deployed.keyId],
    ].map(([LogicalResourceId, PhysicalResourceId]) => ({
      LogicalResourceId,
      PhysicalResourceId,
      ResourceType: 'x',
      ResourceStatus: 'CREATE_COMPLETE',
      LastUpdatedTimestamp: new Date(0),
    })),
  });
  cfn.on(DetectStackDriftCommand).resolves({ StackDriftDetectionId: 'detection-1' });
  cfn
    .on(DescribeStackDriftDetectionStatusCommand)
    .resolvesOnce({
      StackId: STACK,
      StackDriftDetectionId: 'detection-1',
      DetectionStatus: 'DETECTION_IN_PROGRESS',
      Timestamp: new Date(0),
    })
    .resolves({
      StackId: STACK,
      StackDriftDetectionId: 'detection-1',
      DetectionStatus: 'DETECTION_COMPLETE',
      StackDriftStatus: options.drifted ? 'DRIFTED' : 'IN_SYNC',
      Timestamp: new Date(0),
    });
  cfn.on(DescribeStackResourceDriftsCommand).resolves({
    StackResourceDrifts: options.drifted
      ? [
          {
            StackId: STACK,
            LogicalResourceId: 'LogBucket',
            ResourceType: 'AWS::S3::Bucket',
            StackResourceDriftStatus: 'MODIFIED',
            Timestamp: new Date(0),
            PropertyDifferences: [
              {
                PropertyPath: '/VersioningConfiguration/Status',
                ExpectedValue: 'Enabled',
                ActualValue: 'Suspended',
                DifferenceType: 'NOT_EQUAL',
              },
            ],
          },
        ]
      : [],
  });
  return cfn;
};
