import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AutoScalingGroup } from 'aws-cdk-lib/aws-autoscaling';
import { type CfnLaunchTemplate, InstanceType, MachineImage, SecurityGroup, Vpc } from 'aws-cdk-lib/aws-ec2';
import { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LogDestinationBucket } from '../../src/data-plane/log-destination-bucket.js';
import { ComputeVpc } from '../../src/shared-compute/constructs/compute-vpc.js';
import { ConnectorWorkerService } from '../../src/shared-compute/constructs/connector-worker-service.js';
import { GpuLaunchTemplate } from '../../src/shared-compute/constructs/gpu-launch-template.js';
import { JobQueue } from '../../src/shared-compute/constructs/job-queue.js';
import { ModelBucket } from '../../src/shared-compute/constructs/model-bucket.js';
import { QueueDepthScaling } from '../../src/shared-compute/constructs/queue-depth-scaling.js';
import { VllmService } from '../../src/shared-compute/constructs/vllm-service.js';
import { VpcFunction } from '../../src/shared-compute/constructs/vpc-function.js';
import { expectHardenedLaunchTemplates, expectJobQueue, expectScaleToZeroAfterEmptyMinutes } from './requirements.js';

/**
 * Each requirement's assertion bites: the same construct built with one seed
 * value changed (or a hardening setting overridden) fails the assertion that
 * the example stack passes, and settings outside the seed's ranges are refused.
 */
const env = { account: '100000000010', region: 'us-east-1' };
const app = new App({ builtinCloudFormationValidation: false });
const base = (id: string) => {
  const stack = new Stack(app, id, { env });
  const vpc = new Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  return { stack, vpc, key: new Key(stack, 'Key'), topic: new Topic(stack, 'Topic') };
};

const queueStack = (id: string, overrides: { maxReceiveCount?: number; visibilityTimeout?: Duration }) => {
  const { stack, key, topic } = base(id);
  new JobQueue(stack, 'Jobs', { queueName: 'jobs', key, alarmTopic: topic, ...overrides });
  return stack;
};

const scalingStack = (id: string, emptyMinutes?: number) => {
  const { stack, vpc } = base(id);
  const group = new AutoScalingGroup(stack, 'Group', {
    vpc,
    instanceType: new InstanceType('g5.xlarge'),
    machineImage: MachineImage.latestAmazonLinux2023(),
    minCapacity: 0,
    maxCapacity: 2,
  });
  new QueueDepthScaling(stack, 'Scaling', {
    queue: new Queue(stack, 'Queue'),
    cooldown: Duration.minutes(5),
    target: { autoScalingGroup: group },
    ...(emptyMinutes === undefined ? {} : { emptyMinutes }),
  });
  return stack;
};

const launchTemplateStack = (id: string, mutate?: (cfn: CfnLaunchTemplate) => void) => {
  const { stack, vpc } = base(id);
  const template = new GpuLaunchTemplate(stack, 'Template', {
    role: new Role(stack, 'Role', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') }),
    securityGroup: new SecurityGroup(stack, 'Group', { vpc }),
    bootCommands: ['true'],
  });
  mutate?.(template.launchTemplate.node.defaultChild as CfnLaunchTemplate);
  return stack;
};

const templates: Record<string, Template> = {};
beforeAll(() => {
  const stacks = {
    queueAsSeeded: queueStack('QueueAsSeeded', {}),
    queueFiveReceives: queueStack('QueueFiveReceives', { maxReceiveCount: 5 }),
    queueTenMinuteVisibility: queueStack('QueueTenMinutes', { visibilityTimeout: Duration.minutes(10) }),
    scalingAsSeeded: scalingStack('ScalingAsSeeded'),
    scalingTenMinutes: scalingStack('ScalingTenMinutes', 10),
    launchTemplateAsBuilt: launchTemplateStack('TemplateAsBuilt'),
    launchTemplateImdsOptional: launchTemplateStack('TemplateImdsOptional', (cfn) =>
      cfn.addPropertyOverride('LaunchTemplateData.MetadataOptions.HttpTokens', 'optional'),
    ),
    launchTemplateUnencrypted: launchTemplateStack('TemplateUnencrypted', (cfn) =>
      cfn.addPropertyOverride('LaunchTemplateData.BlockDeviceMappings.0.Ebs.Encrypted', false),
    ),
    launchTemplatePublicIp: launchTemplateStack('TemplatePublicIp', (cfn) =>
      cfn.addPropertyOverride('LaunchTemplateData.NetworkInterfaces.0.AssociatePublicIpAddress', true),
    ),
  };
  for (const [name, stack] of Object.entries(stacks)) templates[name] = Template.fromStack(stack);
});
const t = (name: string) => templates[name] as Template;

describe('mutations the requirement assertions catch', () => {
  it('passes the seeded job queue and fails one that dead-letters after 5 receives', () => {
    expect(() => expectJobQueue(t('queueAsSeeded'), 'jobs')).not.toThrow();
    expect(() => expectJobQueue(t('queueFiveReceives'), 'jobs')).toThrow(/DLQ after 3 receives/);
  });

  it('fails a job queue with a 10-minute visibility timeout', () => {
    expect(() => expectJobQueue(t('queueTenMinuteVisibility'), 'jobs')).toThrow(/visibility timeout/);
  });

  it('passes scale-to-zero after 5 empty minutes and fails it after 10', () => {
    const policy = 'AWS::AutoScaling::ScalingPolicy';
    expect(() => expectScaleToZeroAfterEmptyMinutes(t('scalingAsSeeded'), policy)).not.toThrow();
    expect(() => expectScaleToZeroAfterEmptyMinutes(t('scalingTenMinutes'), policy)).toThrow();
  });

  it('passes the GPU launch template and fails it without IMDSv2, encryption, or with a public IP', () => {
    expect(() => expectHardenedLaunchTemplates(t('launchTemplateAsBuilt'))).not.toThrow();
    expect(() => expectHardenedLaunchTemplates(t('launchTemplateImdsOptional'))).toThrow(/IMDSv2/);
    expect(() => expectHardenedLaunchTemplates(t('launchTemplateUnencrypted'))).toThrow(/encrypted volume/);
    expect(() => expectHardenedLaunchTemplates(t('launchTemplatePublicIp'))).toThrow(/no public IP/);
  });
});

describe('settings outside the seed’s ranges are refused', () => {
  const scratch = () => base(`Scratch${Math.random().toString(36).slice(2, 8)}`);

  it('refuses a Lambda with more than 1 GB', () => {
    const { stack, vpc, key } = scratch();
    expect(
      () =>
        new VpcFunction(stack, 'Fn', {
          entry: 'test/shared-compute/fixtures/handler.ts',
          description: 'too big',
          role: new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }),
          vpc,
          securityGroup: new SecurityGroup(stack, 'Sg', { vpc }),
          memorySize: 2048,
          timeout: Duration.minutes(1),
          reservedConcurrentExecutions: 1,
          deadLetterQueue: new Queue(stack, 'Dlq'),
          environment: {},
          logKey: key,
        }),
    ).toThrow(/memorySize must be 512–1024 MB/);
  });

  it('refuses a Fargate worker with 4 vCPU or 8 GB', () => {
    const make = (cpu: number, memoryLimitMiB: number) => {
      const { stack, vpc, key } = scratch();
      return () =>
        new ConnectorWorkerService(stack, 'Workers', {
          vpc,
          securityGroup: new SecurityGroup(stack, 'Sg', { vpc }),
          queue: new Queue(stack, 'Queue'),
          taskRole: new Role(stack, 'Role', { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com') }),
          image: ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
          environment: {},
          logKey: key,
          cpu,
          memoryLimitMiB,
        });
    };
    expect(make(4096, 4096)).toThrow(/cpu must be one of 512, 1024, 2048/);
    expect(make(2048, 8192)).toThrow(/memoryLimitMiB must be 1024–4096/);
  });

  it('refuses vLLM on anything but g5', () => {
    const { stack, vpc, key, topic } = scratch();
    expect(
      () =>
        new VllmService(stack, 'Vllm', {
          vpc,
          clientSecurityGroup: new SecurityGroup(stack, 'Sg', { vpc }),
          role: new Role(stack, 'Role', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') }),
          instanceType: 'p4d.24xlarge',
          models: new ModelBucket(stack, 'Models', {
            key,
            accessLogs: new LogDestinationBucket(stack, 'Logs', {
              encryptionKey: key,
              retentionDays: 30,
            }),
            alarmTopic: topic,
          }),
          alarmTopic: topic,
          logKey: key,
        }),
    ).toThrow(/must be a g5 type/);
  });

  it('refuses a VPC in a single availability zone', () => {
    const { stack, key } = scratch();
    expect(
      () => new ComputeVpc(stack, 'Net', { cidr: '10.0.0.0/16', availabilityZones: ['us-east-1a'], logKey: key }),
    ).toThrow(/at least two zones/);
  });

  it('flags a function whose handler module does not exist, so deploy-time synth fails', () => {
    const { stack, vpc, key } = scratch();
    new VpcFunction(stack, 'Fn', {
      entry: 'src/services/does-not-exist.lambda.ts',
      description: 'missing',
      role: new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }),
      vpc,
      securityGroup: new SecurityGroup(stack, 'Sg', { vpc }),
      memorySize: 512,
      timeout: Duration.minutes(1),
      reservedConcurrentExecutions: 1,
      deadLetterQueue: new Queue(stack, 'Dlq'),
      environment: {},
      logKey: key,
    });
    Annotations.fromStack(stack).hasError('*', Match.stringLikeRegexp('does-not-exist\\.lambda\\.ts does not exist'));
  });
});
