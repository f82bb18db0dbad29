import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROLE_NAMES, roleArn, SHARED_COMPUTE_SCALE, TAG_KEYS } from '../../src/config/index.js';
import { RUNTIME_ENV } from '../../src/contracts/runtime-env.js';
import { LAMBDA_MEMORY_RANGE_MB } from '../../src/shared-compute/constructs/vpc-function.js';
import {
  exampleBlueprint,
  logicalIdOf,
  propertiesOf,
  type SynthesizedSharedCompute,
  synthSharedCompute,
} from './fixtures.js';
import {
  expectHardenedLaunchTemplates,
  expectJobQueue,
  expectScaleOutOnVisibleMessages,
  expectScaleToZeroAfterEmptyMinutes,
} from './requirements.js';

/** The example organization's shared compute core stack: every seed row, one assertion each. */
let synth: SynthesizedSharedCompute;
let core: Template;
beforeAll(() => {
  synth = synthSharedCompute(exampleBlueprint());
  core = synth.core;
});

const functionId = (description: string) =>
  logicalIdOf(core, 'AWS::Lambda::Function', (p) => String(p.Description ?? '').startsWith(description));
const functionProps = (id: string) => core.findResources('AWS::Lambda::Function')[id]?.Properties;
const privateSubnetIds = () =>
  Object.entries(core.findResources('AWS::EC2::Subnet'))
    .filter(
      ([, r]) => r.Properties.MapPublicIpOnLaunch === false && /workloads/.test(JSON.stringify(r.Properties.Tags)),
    )
    .map(([id]) => id);

describe('shared compute network', () => {
  it('has private subnets in at least two availability zones', () => {
    const zones = privateSubnetIds().map(
      (id) => core.findResources('AWS::EC2::Subnet')[id]?.Properties.AvailabilityZone,
    );
    expect(new Set(zones).size).toBeGreaterThanOrEqual(2);
  });

  it('sends the private subnets’ internet traffic through a NAT gateway', () => {
    core.resourceCountIs('AWS::EC2::NatGateway', 1);
    const natRoutes = propertiesOf(core, 'AWS::EC2::Route').filter(
      (r) => r.DestinationCidrBlock === '0.0.0.0/0' && r.NatGatewayId,
    );
    expect(natRoutes).toHaveLength(privateSubnetIds().length);
  });

  it('holds exactly the routes the config validator reserves before customer routes', () => {
    const tables = Object.keys(core.findResources('AWS::EC2::RouteTable')).filter((id) => id.includes('workloads'));
    for (const table of tables) {
      const routes = propertiesOf(core, 'AWS::EC2::Route').filter((r) => r.RouteTableId.Ref === table);
      const endpoints = propertiesOf(core, 'AWS::EC2::VPCEndpoint').filter((e) =>
        (e.RouteTableIds ?? []).some((t: { Ref: string }) => t.Ref === table),
      );
      const local = 1;
      expect(local + routes.length + endpoints.length).toBe(SHARED_COMPUTE_SCALE.baseRoutesPerRouteTable);
    }
  });

  it('records flow logs of all traffic into a log group with retention', () => {
    core.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
    const logGroupRef = propertiesOf(core, 'AWS::EC2::FlowLog')[0]?.LogGroupName;
    const groupId = (logGroupRef as { Ref: string }).Ref;
    expect(core.findResources('AWS::Logs::LogGroup')[groupId]?.Properties.RetentionInDays).toBe(365);
  });

  it('tags the VPC for the customer stacks to find (panops:role = shared-compute-vpc)', () => {
    core.hasResourceProperties('AWS::EC2::VPC', {
      CidrBlock: '10.0.0.0/16',
      Tags: Match.arrayWith([{ Key: TAG_KEYS.role, Value: 'shared-compute-vpc' }]),
    });
  });

  it('creates no load balancer that faces the internet', () => {
    for (const lb of propertiesOf(core, 'AWS::ElasticLoadBalancingV2::LoadBalancer'))
      expect(lb.Scheme).toBe('internal');
  });
});

describe('job queues', () => {
  it('has a connector-jobs queue: standard, 30 min visibility, own DLQ after 3 receives, KMS, TLS only, DLQ alarm', () => {
    expectJobQueue(core, 'panops-connector-jobs');
  });

  it('has a transcription-jobs queue with the same guarantees', () => {
    expectJobQueue(core, 'panops-transcription-jobs');
  });

  it('encrypts and alarms every dead-letter queue, including those of functions and schedules', () => {
    const dlqs = propertiesOf(core, 'AWS::SQS::Queue').filter((q) => String(q.QueueName).endsWith('-dlq'));
    expect(dlqs.map((q) => q.QueueName).sort()).toEqual([
      'panops-connector-jobs-dlq',
      'panops-connector-poll-dlq',
      'panops-connector-schedule-dlq',
      'panops-transcription-jobs-dlq',
      'panops-webhook-handler-dlq',
    ]);
    for (const dlq of dlqs) expect(dlq.KmsMasterKeyId).toBeDefined();
    const depthAlarms = propertiesOf(core, 'AWS::CloudWatch::Alarm').filter((a) =>
      String(a.AlarmDescription).includes('dead-letter queue'),
    );
    expect(depthAlarms).toHaveLength(dlqs.length);
  });
});

describe('cursor table', () => {
  it('is on-demand, with a TTL attribute, point-in-time recovery and the platform key', () => {
    core.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { KMSMasterKeyId: Match.anyValue() },
        }),
      ],
    });
  });

  it('keys one item per (customer, connector, scope) under the partition key the cursor store writes', () => {
    core.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    });
  });
});

describe('Lambda functions', () => {
  it('gives both functions 512 MB–1 GB, the VPC’s private subnets, reserved concurrency and a DLQ', () => {
    const privateSubnets = new Set(privateSubnetIds());
    for (const id of [functionId('PanOps webhooks'), functionId('PanOps short delta polls')]) {
      const fn = functionProps(id);
      expect(fn.MemorySize).toBeGreaterThanOrEqual(LAMBDA_MEMORY_RANGE_MB.min);
      expect(fn.MemorySize).toBeLessThanOrEqual(LAMBDA_MEMORY_RANGE_MB.max);
      const subnets = (fn.VpcConfig.SubnetIds as Array<{ Ref: string }>).map((s) => s.Ref);
      expect(subnets.length).toBeGreaterThanOrEqual(2);
      for (const subnet of subnets) expect(privateSubnets.has(subnet)).toBe(true);
      expect(fn.ReservedConcurrentExecutions).toBeGreaterThan(0);
      expect(fn.DeadLetterConfig?.TargetArn).toBeDefined();
    }
  });

  it('gives the poller the 15-minute timeout and the webhook handler a short one', () => {
    expect(functionProps(functionId('PanOps short delta polls')).Timeout).toBe(900);
    expect(functionProps(functionId('PanOps webhooks')).Timeout).toBeLessThanOrEqual(30);
  });

  it('deploys the services’ bundled handler code, one asset per bundle however many functions use it', () => {
    const keys = [functionId('PanOps webhooks'), functionId('PanOps short delta polls')].map(
      (id) => functionProps(id).Code.S3Key as string,
    );
    // Both test entries are the same module: one bundle, one asset (no inline code, no per-use build).
    expect(keys[0]).toMatch(/^[0-9a-f]{64}\.zip$/);
    expect(keys[1]).toBe(keys[0]);
    expect(functionProps(functionId('PanOps webhooks')).Handler).toBe('index.handler');
  });

  it('sets both functions only variables of the runtime contract, the webhook handler its cursor table and queue', () => {
    const contract: readonly string[] = Object.values(RUNTIME_ENV);
    for (const id of [functionId('PanOps webhooks'), functionId('PanOps short delta polls')])
      for (const name of Object.keys(functionProps(id).Environment.Variables)) expect(contract).toContain(name);
    // What webhookLambdaConfig reads (src/services/webhooks/webhook.lambda.ts).
    expect(functionProps(functionId('PanOps webhooks')).Environment.Variables).toMatchObject({
      [RUNTIME_ENV.cursorTableName]: { Ref: expect.stringMatching(/^CursorsTable/) },
      [RUNTIME_ENV.connectorJobsQueueUrl]: { Ref: expect.stringMatching(/^ConnectorJobsQueue/) },
    });
  });

  it('retries failed asynchronous invocations twice before dead-lettering them', () => {
    const configs = propertiesOf(core, 'AWS::Lambda::EventInvokeConfig');
    expect(configs).toHaveLength(2);
    for (const config of configs) expect(config.MaximumRetryAttempts).toBe(2);
  });

  it('exposes only the webhook handler publicly: one HTTPS route, POST, throttled', () => {
    core.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    core.resourceCountIs('AWS::Lambda::Url', 0);
    core.resourceCountIs('AWS::ApiGateway::RestApi', 0);
    const routes = propertiesOf(core, 'AWS::ApiGatewayV2::Route');
    expect(routes.map((r) => r.RouteKey)).toEqual(['POST /webhooks/{provider}/{customer}/{connector}']);
    core.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    const permissions = propertiesOf(core, 'AWS::Lambda::Permission').filter(
      (p) => p.Principal === 'apigateway.amazonaws.com',
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]?.FunctionName).toEqual({ 'Fn::GetAtt': [functionId('PanOps webhooks'), 'Arn'] });
    expect(permissions[0]?.SourceAccount).toBe('100000000010');
  });
});

describe('Fargate connector workers', () => {
  it('run with 1 vCPU and 2 GB (within 0.5–2 vCPU, 1–4 GB) and log to a group with retention', () => {
    const [task] = propertiesOf(core, 'AWS::ECS::TaskDefinition');
    expect(Number(task?.Cpu)).toBe(1024);
    expect(Number(task?.Memory)).toBe(2048);
    const logGroup = task?.ContainerDefinitions[0].LogConfiguration;
    expect(logGroup.LogDriver).toBe('awslogs');
    const groupId = logGroup.Options['awslogs-group'].Ref;
    expect(core.findResources('AWS::Logs::LogGroup')[groupId]?.Properties.RetentionInDays).toBe(365);
  });

  it('prefer Fargate Spot with an on-demand share to fall back on', () => {
    core.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [
        { CapacityProvider: 'FARGATE_SPOT', Weight: 3 },
        { CapacityProvider: 'FARGATE', Weight: 1, Base: 0 },
      ],
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
  });

  it('scale between zero and their maximum on the connector-jobs queue depth', () => {
    core.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ScalableDimension: 'ecs:service:DesiredCount',
      MinCapacity: 0,
      MaxCapacity: 20,
    });
    expectScaleOutOnVisibleMessages(core, 'AWS::ApplicationAutoScaling::ScalingPolicy');
    expectScaleToZeroAfterEmptyMinutes(core, 'AWS::ApplicationAutoScaling::ScalingPolicy');
  });
});

describe('Whisper GPU fleet', () => {
  it('is a spot-only mixed-instances group of g4dn.xlarge and g5.xlarge that starts at zero', () => {
    core.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '0',
      MixedInstancesPolicy: {
        InstancesDistribution: {
          OnDemandBaseCapacity: 0,
          OnDemandPercentageAboveBaseCapacity: 0,
          SpotAllocationStrategy: 'price-capacity-optimized',
        },
        LaunchTemplate: Match.objectLike({
          Overrides: [{ InstanceType: 'g4dn.xlarge' }, { InstanceType: 'g5.xlarge' }],
        }),
      },
    });
  });

  it('scales out when the transcription queue has a visible message and to zero after 5 empty minutes', () => {
    const whisperAlarms = propertiesOf(core, 'AWS::CloudWatch::Alarm').filter((a) =>
      (a.AlarmActions ?? []).some((action: { Ref?: string }) => action.Ref?.startsWith('WhisperQueueScaling')),
    );
    expect(whisperAlarms).toHaveLength(2);
    expect(JSON.stringify(whisperAlarms)).toContain('TranscriptionJobsQueue');
    expectScaleOutOnVisibleMessages(core, 'AWS::AutoScaling::ScalingPolicy');
    expectScaleToZeroAfterEmptyMinutes(core, 'AWS::AutoScaling::ScalingPolicy');
  });

  it('launches from templates with IMDSv2 required, encrypted volumes and no public IP', () => {
    expectHardenedLaunchTemplates(core);
  });

  it('tells the worker its default model, large-v3 (jobs carry a customer’s medium)', () => {
    const userData = JSON.stringify(
      propertiesOf(core, 'AWS::EC2::LaunchTemplate').map((t) => t.LaunchTemplateData.UserData),
    );
    expect(userData).toContain('PANOPS_WHISPER_DEFAULT_MODEL=large-v3');
  });

  it('tells the worker its dead-letter queue and lets it send there (a hopeless job is copied with its reason)', () => {
    const dlq = logicalIdOf(core, 'AWS::SQS::Queue', (p) =>
      String(p.QueueName ?? '').includes('transcription-jobs-dlq'),
    );
    expect(dlq).toBeDefined();
    const userData = JSON.stringify(
      propertiesOf(core, 'AWS::EC2::LaunchTemplate').map((t) => t.LaunchTemplateData.UserData),
    );
    expect(userData).toContain('-e PANOPS_TRANSCRIPTION_JOBS_DLQ_URL=');
    expect(userData).toContain(JSON.stringify({ Ref: dlq }).slice(1, -1));
    const role = logicalIdOf(core, 'AWS::IAM::Role', (p) => p.RoleName === ROLE_NAMES.transcriptionWorker);
    const sends = propertiesOf(core, 'AWS::IAM::Policy')
      .filter((p) => JSON.stringify(p.Roles).includes(String(role)))
      .flatMap((p) => p.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>)
      .filter((s) => [s.Action].flat().includes('sqs:SendMessage'));
    expect(sends.map((s) => s.Resource)).toContainEqual({ 'Fn::GetAtt': [dlq, 'Arn'] });
  });
});

describe('vLLM inference service', () => {
  it('runs on g5 behind an internal network load balancer', () => {
    core.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ InstanceType: 'g5.xlarge' }),
    });
    core.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Type: 'network', Scheme: 'internal' });
  });

  it('admits only the inference clients’ security group (workers that embed or ask), never an address range', () => {
    const lbGroup = logicalIdOf(core, 'AWS::EC2::SecurityGroup', (p) => p.GroupDescription?.startsWith('vLLM load'));
    const ingress = propertiesOf(core, 'AWS::EC2::SecurityGroupIngress').filter(
      (r) => r.GroupId?.['Fn::GetAtt']?.[0] === lbGroup,
    );
    expect(ingress).toHaveLength(1);
    expect(ingress[0]?.CidrIp).toBeUndefined();
    expect(ingress[0]?.SourceSecurityGroupId['Fn::GetAtt'][0]).toMatch(/^InferenceClientSecurityGroup/);
  });
});

describe('IAM', () => {
  const roleByName = (name: string) => logicalIdOf(core, 'AWS::IAM::Role', (p) => p.RoleName === name);

  it('gives each workload its own role, named as the customer accounts expect', () => {
    for (const name of [
      ROLE_NAMES.connectorWorker,
      ROLE_NAMES.webhookHandler,
      ROLE_NAMES.transcriptionWorker,
      ROLE_NAMES.inferenceService,
    ])
      expect(roleByName(name)).toBeDefined();
  });

  it('lets the data-reaching workloads assume exactly the dedicated customers’ data-access roles', () => {
    const policies = propertiesOf(core, 'AWS::IAM::ManagedPolicy');
    expect(policies).toHaveLength(2);
    const dataAccess = policies.filter((p) => String(p.Description).startsWith('Assume the data-access role'));
    expect(dataAccess).toHaveLength(1);
    expect(dataAccess[0]?.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        // borealis-health has no account yet (accountEmail only): nothing to name until it is vended.
        Resource: roleArn('200000000001', ROLE_NAMES.customerDataAccess),
      },
    ]);
    const attached = ((dataAccess[0]?.Roles ?? []) as Array<{ Ref: string }>).map((r) => r.Ref).sort();
    // Not the internet-facing webhook handler (#18 item 5), not the inference service.
    expect(attached).toEqual([ROLE_NAMES.connectorWorker, ROLE_NAMES.transcriptionWorker].map(roleByName).sort());
  });

  it('lets the webhook handler assume only the dedicated customers’ write-only raw event roles', () => {
    const rawWriters = propertiesOf(core, 'AWS::IAM::ManagedPolicy').filter((p) =>
      String(p.Description).startsWith('Webhook handler: assume the write-only raw event role'),
    );
    expect(rawWriters).toHaveLength(1);
    expect(rawWriters[0]?.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn('200000000001', ROLE_NAMES.webhookRawWriter) },
    ]);
    expect(rawWriters[0]?.Roles).toEqual([{ Ref: roleByName(ROLE_NAMES.webhookHandler) }]);
  });

  it('gives no role sts:AssumeRole beyond those roles', () => {
    const statements = [
      ...propertiesOf(core, 'AWS::IAM::Policy').flatMap((p) => p.PolicyDocument.Statement),
      ...propertiesOf(core, 'AWS::IAM::Role').flatMap((r) =>
        (r.Policies ?? []).flatMap((p: { PolicyDocument: { Statement: unknown[] } }) => p.PolicyDocument.Statement),
      ),
    ] as Array<{ Action: string | string[] }>;
    expect(statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('sts:')))).toEqual([]);
  });

  it('lets only the dedicated customers’ accounts assume the peering accepter, to accept peering to this VPC', () => {
    const id = roleByName(ROLE_NAMES.peeringAccepter);
    const role = core.findResources('AWS::IAM::Role')[id]?.Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { AWS: '*' },
        Condition: { StringEquals: { 'aws:PrincipalAccount': ['200000000001'] } },
      },
    ]);
    expect(role.Policies[0].PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'ec2:AcceptVpcPeeringConnection',
        Resource: 'arn:aws:ec2:us-east-1:100000000010:vpc-peering-connection/*',
        Condition: {
          ArnEquals: {
            'ec2:AccepterVpc': {
              'Fn::Join': ['', ['arn:aws:ec2:us-east-1:100000000010:vpc/', { Ref: 'NetworkVpc7FB7348F' }]],
            },
          },
          ArnLike: { 'ec2:RequesterVpc': ['arn:aws:ec2:us-east-1:200000000001:vpc/*'] },
        },
      },
    ]);
  });
});
