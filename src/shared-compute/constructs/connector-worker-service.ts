import { Duration } from 'aws-cdk-lib';
import { ScalableTarget, ServiceNamespace } from 'aws-cdk-lib/aws-applicationautoscaling';
import { type ISecurityGroup, type IVpc, SubnetType } from 'aws-cdk-lib/aws-ec2';
import {
  Cluster,
  type ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, iam5 } from '../../common/acknowledge.js';
import { encryptedLogGroup } from './encrypted-log-group.js';
import { QueueDepthScaling } from './queue-depth-scaling.js';

/** The seed: Fargate workers get 0.5–2 vCPU (CPU units) and 1–4 GB. */
export const FARGATE_CPU_UNITS = [512, 1024, 2048] as const;
export const FARGATE_MEMORY_RANGE_MIB = { min: 1024, max: 4096 } as const;

/**
 * Spot first, on-demand beside it: three of every four tasks run on Fargate
 * Spot; the fourth runs on demand, so the queue keeps draining when Spot
 * capacity is short or reclaimed (the on-demand share is the fallback).
 */
export const FARGATE_CAPACITY = { spotWeight: 3, onDemandWeight: 1, onDemandBase: 0 } as const;

export interface ConnectorWorkerServiceProps {
  readonly vpc: IVpc;
  readonly securityGroup: ISecurityGroup;
  /** More groups the workload joins (the inference clients' group for workers that call vLLM). @default none */
  readonly additionalSecurityGroups?: readonly ISecurityGroup[];
  /** The connector-jobs queue: the service consumes it and scales on its depth. */
  readonly queue: IQueue;
  /** The connector workload role (the task role). */
  readonly taskRole: Role;
  /** The worker image (`images/connector-worker`, a CDK image asset built and pushed by the deploy). */
  readonly image: ContainerImage;
  readonly environment: Record<string, string>;
  readonly logKey: IKey;
  /** CPU units: 512, 1024 or 2048. @default 1024 */
  readonly cpu?: number;
  /** Memory in MiB, 1024–4096 and valid for the CPU. @default 2048 */
  readonly memoryLimitMiB?: number;
  /** Most tasks at once. @default 20 */
  readonly maxTasks?: number;
}

/**
 * Fargate connector workers for long polls and recording downloads: a service
 * at zero tasks while the connector-jobs queue is empty, Spot capacity with an
 * on-demand share, scaled by the queue's depth, logs in an encrypted group.
 */
export class ConnectorWorkerService extends Construct {
  readonly cluster: Cluster;
  readonly service: FargateService;
  readonly taskDefinition: FargateTaskDefinition;

  constructor(scope: Construct, id: string, props: ConnectorWorkerServiceProps) {
    super(scope, id);
    const cpu = props.cpu ?? 1024;
    const memoryLimitMiB = props.memoryLimitMiB ?? 2048;
    if (!(FARGATE_CPU_UNITS as readonly number[]).includes(cpu))
      throw new RangeError(`ConnectorWorkerService: cpu must be one of ${FARGATE_CPU_UNITS.join(', ')}, got ${cpu}`);
    if (memoryLimitMiB < FARGATE_MEMORY_RANGE_MIB.min || memoryLimitMiB > FARGATE_MEMORY_RANGE_MIB.max)
      throw new RangeError(`ConnectorWorkerService: memoryLimitMiB must be 1024–4096, got ${memoryLimitMiB}`);
    const maxTasks = props.maxTasks ?? 20;

    this.cluster = new Cluster(this, 'Cluster', {
      vpc: props.vpc,
      enableFargateCapacityProviders: true,
      containerInsightsV2: ContainerInsights.ENABLED,
    });
    this.taskDefinition = new FargateTaskDefinition(this, 'Task', {
      cpu,
      memoryLimitMiB,
      taskRole: props.taskRole,
      runtimePlatform: {
        cpuArchitecture: CpuArchitecture.X86_64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
    });
    this.taskDefinition.addContainer('worker', {
      image: props.image,
      essential: true,
      environment: props.environment,
      logging: LogDrivers.awsLogs({
        streamPrefix: 'connector-worker',
        logGroup: encryptedLogGroup(this, 'Logs', props.logKey),
      }),
      readonlyRootFilesystem: false,
      stopTimeout: Duration.seconds(120),
    });
    if (this.taskDefinition.executionRole)
      acknowledge(
        this.taskDefinition.executionRole,
        [iam5('Resource::*')],
        'ecr:GetAuthorizationToken (pulling the worker image) supports no resource-level permissions; the pull itself is scoped to the image asset repository.',
      );
    acknowledge(
      this.taskDefinition,
      ['AwsSolutions::AwsSolutions-ECS2'],
      'The environment holds only resource names (queue URLs, table name, role name, internal vLLM URLs and model names), no secrets; connector credentials come from Secrets Manager at run time.',
    );
    this.service = new FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: 0,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      assignPublicIp: false,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [props.securityGroup, ...(props.additionalSecurityGroups ?? [])],
      circuitBreaker: { rollback: true },
      capacityProviderStrategies: [
        { capacityProvider: 'FARGATE_SPOT', weight: FARGATE_CAPACITY.spotWeight },
        { capacityProvider: 'FARGATE', weight: FARGATE_CAPACITY.onDemandWeight, base: FARGATE_CAPACITY.onDemandBase },
      ],
    });
    props.queue.grantConsumeMessages(props.taskRole);

    const scalableTarget = new ScalableTarget(this, 'TaskCount', {
      serviceNamespace: ServiceNamespace.ECS,
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${this.cluster.clusterName}/${this.service.serviceName}`,
      minCapacity: 0,
      maxCapacity: maxTasks,
    });
    scalableTarget.node.addDependency(this.service);
    new QueueDepthScaling(this, 'QueueScaling', {
      queue: props.queue,
      cooldown: Duration.minutes(2),
      target: { scalableTarget },
    });
  }
}
