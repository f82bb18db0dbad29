import { CfnOutput, type CfnResource, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { acknowledge, iam5, KMS_GRANT_REASON, KMS_GRANT_WILDCARDS } from '../common/acknowledge.js';
import { imageContextFor, workerImageFiles } from '../common/image-context.js';
import { EMBEDDINGS_INSTANCE_TYPE, GPU_FLEET_SIZES } from '../config/gpu-capacity.js';
import { type Blueprint, dedicatedCustomers, ROLE_NAMES, roleArn, usesTransitGateway } from '../config/index.js';
import { DIRECTORY_PARAMETERS, parameterPathArn } from '../contracts/directory.js';
import { POOLED_DATA, UUID_GLOB } from '../contracts/pooled-data.js';
import { RUNTIME_ENV } from '../contracts/runtime-env.js';
import { accountAvailabilityZones } from '../data-plane/availability-zones.js';
import { LogDestinationBucket } from '../data-plane/log-destination-bucket.js';
import { AlertTopic } from './constructs/alert-topic.js';
import { ComputeVpc } from './constructs/compute-vpc.js';
import type { ScheduleTargets } from './constructs/connector-schedules.js';
import { ConnectorWorkerService } from './constructs/connector-worker-service.js';
import { CursorTable } from './constructs/cursor-table.js';
import { DeadLetterQueue, JobQueue } from './constructs/job-queue.js';
import { ModelBucket } from './constructs/model-bucket.js';
import { PlatformKey } from './constructs/platform-key.js';
import { ReconcileGapsAlarm } from './constructs/reconcile-gaps-alarm.js';
import { DEFAULT_EMBEDDING_MODEL, DEFAULT_VLLM_IMAGE, VllmService } from './constructs/vllm-service.js';
import { VpcFunction } from './constructs/vpc-function.js';
import { WebhookApi } from './constructs/webhook-api.js';
import { WhisperFleet } from './constructs/whisper-fleet.js';
import { PeeringAccepterRole, WorkloadRoles } from './constructs/workload-roles.js';
import { LAMBDA_ENTRIES, type LambdaEntries } from './handler-entries.js';

/** Lambda settings the seed fixes (512 MB–1 GB, 15 minutes for pollers). */
export const LAMBDA_SETTINGS = {
  webhook: { memorySize: 512, timeout: Duration.seconds(30), reservedConcurrency: 50 },
  connectorPoll: { memorySize: 1024, timeout: Duration.minutes(15), reservedConcurrency: 20 },
} as const;

/** Days the shared compute account keeps the model bucket's access logs. */
export const ACCESS_LOG_RETENTION_DAYS = 365;

export interface SharedComputeStackProps extends StackProps {
  readonly blueprint: Blueprint;
  /** Lambda handler modules. @default LAMBDA_ENTRIES (the services' handlers) */
  readonly lambdaEntries?: LambdaEntries;
}

/**
 * The shared compute account's core: VPC with NAT, job queues, cursor table,
 * workload roles, webhook API and poller Lambda, Fargate connector workers,
 * the Whisper GPU fleet, and two vLLM services (chat and embeddings, each
 * behind its own internal load balancer). Its size does not depend on the
 * number of customers (except one managed policy per 80 customer accounts);
 * what grows with customers (schedules, peering routes) lives in shard stacks.
 */
export class SharedComputeStack extends Stack {
  readonly network: ComputeVpc;
  readonly platformKey: PlatformKey;
  readonly alerts: AlertTopic;
  /** Server access logs of the account's buckets (the model bucket). */
  readonly accessLogs: LogDestinationBucket;
  /** Model weights the GPU fleets load at boot (`npx projen models:upload`). */
  readonly models: ModelBucket;
  readonly connectorJobs: JobQueue;
  readonly transcriptionJobs: JobQueue;
  readonly cursorTable: CursorTable;
  readonly workloads: WorkloadRoles;
  readonly peeringAccepter?: PeeringAccepterRole;
  readonly workloadSecurityGroup: SecurityGroup;
  /** Workers that embed or ask (poller, Fargate workers, Whisper fleet): the only members the vLLM load balancers admit. */
  readonly inferenceClientSecurityGroup: SecurityGroup;
  readonly webhookFunction: VpcFunction;
  readonly pollFunction: VpcFunction;
  readonly webhookApi: WebhookApi;
  readonly connectorWorkers: ConnectorWorkerService;
  readonly whisper: WhisperFleet;
  /** vLLM serving the chat model (`/v1/chat/completions`). */
  readonly vllm: VllmService;
  /** vLLM serving the embedding model (`/v1/embeddings`), beside the chat service with its own load balancer. */
  readonly embeddings: VllmService;
  /** What the connector schedule shards deliver to. */
  readonly scheduleTargets: ScheduleTargets;
  readonly reconcileGaps: ReconcileGapsAlarm;

  constructor(scope: Construct, id: string, props: SharedComputeStackProps) {
    super(scope, id, props);
    const { blueprint } = props;
    const { sharedCompute, organization } = blueprint;
    const entries = props.lambdaEntries ?? LAMBDA_ENTRIES;
    const region = organization.homeRegion;
    const vllmImage = sharedCompute.images?.vllm ?? DEFAULT_VLLM_IMAGE;
    const customerAccounts = dedicatedCustomers(blueprint).flatMap((c) => (c.accountId ? [c.accountId] : []));

    this.platformKey = new PlatformKey(this, 'PlatformKey');
    const key = this.platformKey.key;
    this.alerts = new AlertTopic(this, 'Alerts', { key });
    this.network = new ComputeVpc(this, 'Network', {
      cidr: sharedCompute.vpcCidr,
      // The account's own zones, resolved at deploy: zone letters differ per account.
      availabilityZones: accountAvailabilityZones(2),
      natGateways: 1,
      logKey: key,
    });
    const vpc = this.network.vpc;

    this.connectorJobs = new JobQueue(this, 'ConnectorJobs', {
      queueName: 'panops-connector-jobs',
      key,
      alarmTopic: this.alerts.topic,
    });
    this.transcriptionJobs = new JobQueue(this, 'TranscriptionJobs', {
      queueName: 'panops-transcription-jobs',
      key,
      alarmTopic: this.alerts.topic,
    });
    this.cursorTable = new CursorTable(this, 'Cursors', { key });

    this.workloads = new WorkloadRoles(this, 'Workloads', { customerAccounts });
    const roles = this.workloads.roles;
    // In transit-gateway mode nothing peers: customers attach to the Transit Gateway instead.
    if (customerAccounts.length > 0 && !usesTransitGateway(blueprint))
      this.peeringAccepter = new PeeringAccepterRole(this, 'PeeringAccepter', { vpcId: vpc.vpcId, customerAccounts });

    this.workloadSecurityGroup = new SecurityGroup(this, 'WorkloadSecurityGroup', {
      vpc,
      description: 'PanOps workloads: outbound to platform APIs (NAT), AWS and customer VPCs; no inbound',
      allowAllOutbound: true,
    });
    // Not the webhook handler: the internet-facing entry point archives and enqueues, it never calls a model.
    this.inferenceClientSecurityGroup = new SecurityGroup(this, 'InferenceClientSecurityGroup', {
      vpc,
      description: 'PanOps inference clients: workers that embed or ask; admitted by the vLLM load balancers only',
      allowAllOutbound: false,
      disableInlineRules: true,
    });
    const inferenceClients = [this.inferenceClientSecurityGroup];
    // Model weights for every GPU server come from this account's bucket, never from a model hub.
    this.accessLogs = new LogDestinationBucket(this, 'AccessLogs', {
      encryptionKey: key,
      retentionDays: ACCESS_LOG_RETENTION_DAYS,
    });
    this.models = new ModelBucket(this, 'Models', {
      key,
      accessLogs: this.accessLogs,
      alarmTopic: this.alerts.topic,
    });
    this.vllm = new VllmService(this, 'Vllm', {
      vpc,
      clientSecurityGroup: this.inferenceClientSecurityGroup,
      role: roles.inferenceService,
      instanceType: sharedCompute.gpu.vllmInstanceType,
      image: vllmImage,
      models: this.models,
      minInstances: GPU_FLEET_SIZES.vllmChat.min,
      maxInstances: GPU_FLEET_SIZES.vllmChat.max,
      alarmTopic: this.alerts.topic,
      logKey: key,
    });
    // Its own group and load balancer: chat load never delays indexing or search,
    // and the small embedding model needs only the smallest g5.
    this.embeddings = new VllmService(this, 'VllmEmbeddings', {
      vpc,
      clientSecurityGroup: this.inferenceClientSecurityGroup,
      role: roles.inferenceService,
      image: vllmImage,
      models: this.models,
      minInstances: GPU_FLEET_SIZES.vllmEmbeddings.min,
      maxInstances: GPU_FLEET_SIZES.vllmEmbeddings.max,
      instanceType: EMBEDDINGS_INSTANCE_TYPE,
      model: DEFAULT_EMBEDDING_MODEL,
      task: 'embed',
      purpose: 'embeddings',
      alarmTopic: this.alerts.topic,
      logKey: key,
    });
    const sharedEnv = {
      [RUNTIME_ENV.connectorJobsQueueUrl]: this.connectorJobs.queueUrl,
      [RUNTIME_ENV.connectorJobsDeadLetterQueueUrl]: this.connectorJobs.deadLetterQueueUrl,
      [RUNTIME_ENV.transcriptionJobsQueueUrl]: this.transcriptionJobs.queueUrl,
      [RUNTIME_ENV.cursorTableName]: this.cursorTable.tableName,
      [RUNTIME_ENV.customerDataRoleName]: ROLE_NAMES.customerDataAccess,
    };
    // Only for the inference clients: where the two vLLM services answer and which models they serve.
    const workerEnv = {
      ...sharedEnv,
      [RUNTIME_ENV.vllmBaseUrl]: this.vllm.baseUrl,
      [RUNTIME_ENV.chatModel]: this.vllm.model,
      [RUNTIME_ENV.embeddingsUrl]: this.embeddings.baseUrl,
      [RUNTIME_ENV.embeddingModel]: this.embeddings.model,
    };

    // Connector credentials and webhook secrets: `panops/<customerId>/<connectorId>` in Secrets Manager.
    const connectorSecrets = `arn:aws:secretsmanager:${region}:${this.account}:secret:panops/*`;
    for (const role of [roles.connectorWorker, roles.webhookHandler])
      role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [connectorSecrets] }),
      );
    // A pooled-data account of its own: the workloads assume its role with the customer session tag
    // (in the shared compute account the pooled-data stack grants this itself).
    const pooledAccount = blueprint.pooledData?.accountId;
    if (pooledAccount && pooledAccount !== sharedCompute.accountId) {
      for (const role of [roles.connectorWorker, roles.transcriptionWorker])
        role.addToPrincipalPolicy(
          new PolicyStatement({
            sid: 'AssumePooledDataAccess',
            actions: ['sts:AssumeRole', 'sts:TagSession'],
            resources: [roleArn(pooledAccount, POOLED_DATA.dataAccessRole)],
            conditions: { StringLike: { [`aws:RequestTag/${POOLED_DATA.sessionTag}`]: UUID_GLOB } },
          }),
        );
      // The webhook handler: only the pooled tier's write-only raw event role.
      roles.webhookHandler.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'AssumePooledRawEventWriter',
          actions: ['sts:AssumeRole', 'sts:TagSession'],
          resources: [roleArn(pooledAccount, POOLED_DATA.rawWriterRole)],
          conditions: { StringLike: { [`aws:RequestTag/${POOLED_DATA.sessionTag}`]: UUID_GLOB } },
        }),
      );
    }
    // The customer directory's entries (the directory shard stacks): which account, region and role hold each customer.
    const directoryEntries = parameterPathArn('aws', region, this.account, DIRECTORY_PARAMETERS.entriesPrefix);
    for (const role of [roles.connectorWorker, roles.webhookHandler, roles.transcriptionWorker])
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'ReadCustomerDirectory',
          actions: ['ssm:GetParameter'],
          resources: [directoryEntries],
        }),
      );

    this.webhookFunction = new VpcFunction(this, 'WebhookHandler', {
      entry: entries.webhook,
      description: 'PanOps webhooks: authenticate, archive raw, enqueue connector jobs',
      role: roles.webhookHandler,
      vpc,
      securityGroup: this.workloadSecurityGroup,
      memorySize: LAMBDA_SETTINGS.webhook.memorySize,
      timeout: LAMBDA_SETTINGS.webhook.timeout,
      reservedConcurrentExecutions: LAMBDA_SETTINGS.webhook.reservedConcurrency,
      deadLetterQueue: new DeadLetterQueue(this, 'WebhookDeadLetters', {
        queueName: 'panops-webhook-handler-dlq',
        key,
        alarmTopic: this.alerts.topic,
        source: 'webhookHandler',
      }).queue,
      // The contract's cursor table (the replay guard's) and connector-jobs queue, which the webhook entry reads
      // (src/services/webhooks/webhook.lambda.ts). Archive buckets are found through the customer directory (SSM).
      environment: sharedEnv,
      logKey: key,
    });
    this.webhookApi = new WebhookApi(this, 'Webhooks', { handler: this.webhookFunction.function, logKey: key });
    this.connectorJobs.grantSendMessages(roles.webhookHandler);
    this.cursorTable.grantReadWriteData(roles.webhookHandler);

    this.pollFunction = new VpcFunction(this, 'ConnectorPoller', {
      entry: entries.connectorPoll,
      description: 'PanOps short delta polls, one connector job per invocation',
      role: roles.connectorWorker,
      vpc,
      securityGroup: this.workloadSecurityGroup,
      memorySize: LAMBDA_SETTINGS.connectorPoll.memorySize,
      timeout: LAMBDA_SETTINGS.connectorPoll.timeout,
      additionalSecurityGroups: inferenceClients,
      reservedConcurrentExecutions: LAMBDA_SETTINGS.connectorPoll.reservedConcurrency,
      deadLetterQueue: new DeadLetterQueue(this, 'PollDeadLetters', {
        queueName: 'panops-connector-poll-dlq',
        key,
        alarmTopic: this.alerts.topic,
        source: 'connectorPoller',
      }).queue,
      environment: workerEnv,
      logKey: key,
    });
    this.connectorJobs.grantSendMessages(roles.connectorWorker);
    this.connectorJobs.grantSendDeadLetters(roles.connectorWorker);
    this.transcriptionJobs.grantSendMessages(roles.connectorWorker);
    this.cursorTable.grantReadWriteData(roles.connectorWorker);

    // Built from images/* by `cdk deploy` and pushed to the bootstrap asset repository (tagged by content hash).
    const imageFiles = workerImageFiles(blueprint.customers);
    const workerImage = (name: 'connectorWorker' | 'transcriptionWorker') =>
      new DockerImageAsset(this, `${name === 'connectorWorker' ? 'ConnectorWorker' : 'TranscriptionWorker'}Image`, {
        directory: imageContextFor(this, name, imageFiles[name]).directory,
        platform: Platform.LINUX_AMD64,
      });
    this.connectorWorkers = new ConnectorWorkerService(this, 'ConnectorWorkers', {
      vpc,
      securityGroup: this.workloadSecurityGroup,
      additionalSecurityGroups: inferenceClients,
      queue: this.connectorJobs.queue,
      taskRole: roles.connectorWorker,
      image: ContainerImage.fromDockerImageAsset(workerImage('connectorWorker')),
      environment: workerEnv,
      logKey: key,
      cpu: 1024,
      memoryLimitMiB: 2048,
    });

    this.whisper = new WhisperFleet(this, 'Whisper', {
      vpc,
      securityGroup: this.workloadSecurityGroup,
      additionalSecurityGroups: inferenceClients,
      queue: this.transcriptionJobs.queue,
      deadLetterQueue: this.transcriptionJobs.deadLetterQueue,
      role: roles.transcriptionWorker,
      instanceTypes: sharedCompute.gpu.whisperInstanceTypes,
      serverImage: vllmImage,
      workerImage: workerImage('transcriptionWorker'),
      models: this.models,
      maxInstances: GPU_FLEET_SIZES.whisper.max,
      alarmTopic: this.alerts.topic,
      logKey: key,
      defaultModel: 'large-v3',
      environment: workerEnv,
    });

    // EventBridge Scheduler delivers connector jobs (schedules live in the shard stacks).
    const schedulerRole = new Role(this, 'SchedulerRole', {
      description: 'EventBridge Scheduler: deliver connector jobs to the poller and the connector-jobs queue',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    });
    const scheduleDeadLetters = new DeadLetterQueue(this, 'ScheduleDeadLetters', {
      queueName: 'panops-connector-schedule-dlq',
      key,
      alarmTopic: this.alerts.topic,
      source: 'connectorSchedules',
    });
    this.pollFunction.function.grantInvoke(schedulerRole);
    this.connectorJobs.grantSendMessages(schedulerRole);
    scheduleDeadLetters.grantSendMessages(schedulerRole);
    this.scheduleTargets = {
      arnFor: { lambda: this.pollFunction.function.functionArn, fargate: this.connectorJobs.queueArn },
      roleArn: schedulerRole.roleArn,
      deadLetterQueueArn: scheduleDeadLetters.queueArn,
    };

    this.acknowledge(schedulerRole);

    // Completeness: `panops reconcile` publishes ArchiveGaps; any gap alerts the operators.
    this.reconcileGaps = new ReconcileGapsAlarm(this, 'ReconcileGaps', { alarmTopic: this.alerts.topic });

    new CfnOutput(this, 'VpcId', {
      value: vpc.vpcId,
      description:
        'The VPC customer VPCs peer with (npx projen deploy passes it to the customer and pooled-data stacks)',
    });
    new CfnOutput(this, 'WebhookUrl', { value: this.webhookApi.url });
    new CfnOutput(this, 'ModelBucketName', {
      value: this.models.bucket.bucketName,
      description: 'npx projen models:upload -- --bucket <this> --model <id> --from <folder>',
    });
    new CfnOutput(this, 'VllmBaseUrl', { value: this.vllm.baseUrl });
    new CfnOutput(this, 'EmbeddingsUrl', { value: this.embeddings.baseUrl });
  }

  /** Findings accepted for the stack as a whole, or for roles built from resource grants; each with its reason. */
  private acknowledge(schedulerRole: Role): void {
    const roles = this.workloads.roles;
    acknowledge(
      this,
      ['NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy'],
      'Each role’s policy is generated from grants on this stack’s own resources and belongs to that role alone; a standalone managed policy would be attached to exactly the same one role. Shared permissions (customer data access) are managed policies.',
    );
    for (const role of [roles.connectorWorker, roles.webhookHandler, roles.transcriptionWorker, schedulerRole])
      acknowledge(role, KMS_GRANT_WILDCARDS, KMS_GRANT_REASON);
    for (const role of [roles.connectorWorker, roles.webhookHandler])
      acknowledge(
        role,
        [iam5(`Resource::arn:aws:secretsmanager:${this.region}:${this.account}:secret:panops/*`)],
        'Connector credentials and webhook secrets are one secret per customer connector (panops/<customerId>/<connectorId>), created as customers connect; read-only, under the panops/ prefix only.',
      );
    for (const role of [roles.connectorWorker, roles.webhookHandler, roles.transcriptionWorker])
      acknowledge(
        role,
        [iam5(`Resource::arn:aws:ssm:${this.region}:${this.account}:parameter/panops/customers/*`)],
        'The customer directory holds one entry per customer (/panops/customers/<customerId>), written by the directory shard stacks as customers are added; ssm:GetParameter only (no write, no path listing), under that prefix only.',
      );
    acknowledge(
      schedulerRole,
      [iam5(`Resource::<${this.getLogicalId(this.pollFunction.function.node.defaultChild as CfnResource)}.Arn>:*`)],
      'lambda:InvokeFunction on the poller and its versions (CDK’s grantInvoke); no other function.',
    );
    if (this.peeringAccepter)
      acknowledge(
        this.peeringAccepter.role,
        [iam5(`Resource::arn:aws:ec2:${this.region}:${this.account}:vpc-peering-connection/*`)],
        'A peering connection’s id exists only once a customer requests it; conditions limit acceptance to requests to the shared compute VPC from the dedicated customers’ accounts.',
      );
  }
}
