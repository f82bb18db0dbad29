import { Duration } from 'aws-cdk-lib';
import { AdditionalHealthCheckType, AutoScalingGroup, HealthChecks, ScalingEvents } from 'aws-cdk-lib/aws-autoscaling';
import {
  InstanceType,
  type ISecurityGroup,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
} from 'aws-cdk-lib/aws-ec2';
import { NetworkLoadBalancer, Protocol } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledge } from '../../common/acknowledge.js';
import { SERVED_MODELS } from '../../services/models/layout.js';
import { encryptedLogGroup } from './encrypted-log-group.js';
import { awslogsOptions, GpuLaunchTemplate } from './gpu-launch-template.js';
import { localModelMountOptions, type ModelBucket } from './model-bucket.js';

/** Where vLLM listens on each instance, and where the load balancer listens. */
export const VLLM_PORTS = { instance: 8000, loadBalancer: 80 } as const;
export type VllmPorts = { readonly instance: number; readonly loadBalancer: number };
/**
 * The vLLM server image (chat, embeddings and Whisper), pinned by digest so
 * that every instance runs the same bytes whatever the tag later points to:
 * `vllm/vllm-openai:v0.28.0` as published on 2026-08-26. Refresh with
 * `docker buildx imagetools inspect vllm/vllm-openai:<tag>`; the blueprint's
 * `sharedCompute.images.vllm` may override it, also by digest only.
 */
export const DEFAULT_VLLM_IMAGE =
  'vllm/vllm-openai:v0.28.0@sha256:61fc8a896b0a4fbbbdc063bc4b0dbc25ce98e02b5050c24aeb7830ac02039b14';
/** The default chat model (Apache-2.0, fits one A10G in bf16). */
export const DEFAULT_VLLM_MODEL = SERVED_MODELS.chat;
/**
 * The embedding model the services index and search with (MIT, 33M
 * parameters), and its dimension: the `vector(384)` column of `chunks`.
 */
export const DEFAULT_EMBEDDING_MODEL = SERVED_MODELS.embeddings;
export const EMBEDDING_DIMENSIONS = 384;

/** What a vLLM server does with its model: generate text (chat completions) or embed it (`/v1/embeddings`). */
export type VllmTask = 'generate' | 'embed';
/**
 * Server flags per task. Since vLLM 0.10.1 `--runner pooling --convert embed`
 * replaces the deprecated `--task embed`; generation is vLLM's default.
 */
export const VLLM_TASK_ARGS: Readonly<Record<VllmTask, readonly string[]>> = {
  generate: [],
  embed: ['--runner', 'pooling', '--convert', 'embed'],
};

export interface VllmServiceProps {
  readonly vpc: IVpc;
  /**
   * The only security group whose members may call the service (the workers
   * that embed or ask). It gets an egress rule to the load balancer, unless it
   * already allows all outbound traffic.
   */
  readonly clientSecurityGroup: ISecurityGroup;
  /** The inference workload role (instance role). */
  readonly role: Role;
  /** A g5 instance type (the blueprint's `gpu.vllmInstanceType`). */
  readonly instanceType: string;
  /** @default DEFAULT_VLLM_IMAGE */
  readonly image?: string;
  /** @default DEFAULT_VLLM_MODEL */
  readonly model?: string;
  /** Where the model's weights come from (checked against their SHA256SUMS at boot; no model hub is reached). */
  readonly models: ModelBucket;
  /** @default 'generate' (chat completions) */
  readonly task?: VllmTask;
  /** More server flags after the model and task flags (for example `--max-model-len 8192`). @default none */
  readonly extraArgs?: readonly string[];
  /** What the service is for, named in its security groups' descriptions (`vLLM <purpose> load balancer`). @default none (the chat service keeps its original descriptions) */
  readonly purpose?: string;
  /** @default VLLM_PORTS (8000 on the instances, 80 on the load balancer) */
  readonly ports?: VllmPorts;
  readonly alarmTopic: ITopic;
  readonly logKey: IKey;
  /** @default 1 (answers and embeddings are interactive: no cold start) */
  readonly minInstances?: number;
  /** @default 2 */
  readonly maxInstances?: number;
}

/**
 * vLLM's OpenAI-compatible server on g5 instances, behind an internal network
 * load balancer in the private subnets: reachable from the workers' security
 * group and nothing else, never from the internet.
 */
export class VllmService extends Construct {
  readonly autoScalingGroup: AutoScalingGroup;
  readonly loadBalancer: NetworkLoadBalancer;
  /** The model the server loads (and the name clients send). */
  readonly model: string;
  readonly task: VllmTask;
  readonly ports: VllmPorts;

  constructor(scope: Construct, id: string, props: VllmServiceProps) {
    super(scope, id);
    if (!/^g5\.\w+$/.test(props.instanceType))
      throw new RangeError(`VllmService: instanceType must be a g5 type (the seed), got ${props.instanceType}`);
    this.model = props.model ?? DEFAULT_VLLM_MODEL;
    this.task = props.task ?? 'generate';
    this.ports = props.ports ?? VLLM_PORTS;
    const ports = this.ports;
    const named = props.purpose ? `vLLM ${props.purpose}` : 'vLLM';
    const lbSecurityGroup = new SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: props.vpc,
      description: `${named} load balancer: workers only`,
      allowAllOutbound: false,
      // Rules as separate resources: the two groups name each other.
      disableInlineRules: true,
    });
    lbSecurityGroup.addIngressRule(
      Peer.securityGroupId(props.clientSecurityGroup.securityGroupId),
      Port.tcp(ports.loadBalancer),
      'OpenAI-compatible API from the workers',
    );
    const instanceSecurityGroup = new SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc: props.vpc,
      description: `${named} instances: the load balancer only`,
      allowAllOutbound: true,
      disableInlineRules: true,
    });
    instanceSecurityGroup.addIngressRule(
      Peer.securityGroupId(lbSecurityGroup.securityGroupId),
      Port.tcp(ports.instance),
      'vLLM from its load balancer (traffic and health checks)',
    );
    props.clientSecurityGroup.addEgressRule(
      Peer.securityGroupId(lbSecurityGroup.securityGroupId),
      Port.tcp(ports.loadBalancer),
      `to the ${named} load balancer`,
    );
    lbSecurityGroup.addEgressRule(
      Peer.securityGroupId(instanceSecurityGroup.securityGroupId),
      Port.tcp(ports.instance),
      'to the vLLM instances',
    );

    const logs = encryptedLogGroup(this, 'Logs', props.logKey);
    logs.grantWrite(props.role);
    const image = props.image ?? DEFAULT_VLLM_IMAGE;
    const serverArgs = [
      '--model',
      `/models/${this.model}`,
      '--served-model-name',
      this.model,
      ...VLLM_TASK_ARGS[this.task],
      ...(props.extraArgs ?? []),
    ].join(' ');
    props.models.grantBoot(props.role);
    const template = new GpuLaunchTemplate(this, 'LaunchTemplate', {
      role: props.role,
      securityGroup: instanceSecurityGroup,
      instanceType: new InstanceType(props.instanceType),
      bootCommands: [
        ...props.models.installVerifierCommands(),
        ...props.models.fetchModelCommands(this.model),
        `docker run -d --restart always --gpus all --ipc=host --name vllm -p ${ports.instance}:8000 ${awslogsOptions(this, logs.logGroupName, 'vllm')} ${localModelMountOptions(this.model)} ${image} ${serverArgs}`,
      ],
    });
    this.autoScalingGroup = new AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate: template.launchTemplate,
      minCapacity: props.minInstances ?? 1,
      maxCapacity: props.maxInstances ?? 2,
      // Model sync from S3 and load take minutes; the load balancer's health check decides after that.
      healthChecks: HealthChecks.withAdditionalChecks({
        gracePeriod: Duration.minutes(15),
        additionalTypes: [AdditionalHealthCheckType.ELB],
      }),
      notifications: [{ topic: props.alarmTopic, scalingEvents: ScalingEvents.ALL }],
    });

    this.loadBalancer = new NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: false,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [lbSecurityGroup],
      crossZoneEnabled: true,
      deletionProtection: true,
    });
    const listener = this.loadBalancer.addListener('Api', { port: ports.loadBalancer, protocol: Protocol.TCP });
    listener.addTargets('Instances', {
      port: ports.instance,
      protocol: Protocol.TCP,
      targets: [this.autoScalingGroup],
      healthCheck: { protocol: Protocol.HTTP, path: '/health', interval: Duration.seconds(30) },
      deregistrationDelay: Duration.seconds(60),
    });
    acknowledge(
      listener,
      ['NIST.800.53.R5::NIST.800.53.R5-ELBv2ACMCertificateRequired'],
      'An internal load balancer with no public DNS name, reachable only from the workers’ security group inside the VPC; traffic never leaves the VPC.',
    );
    acknowledge(
      this.loadBalancer,
      ['AwsSolutions::AwsSolutions-ELB2', 'NIST.800.53.R5::NIST.800.53.R5-ELBLoggingEnabled'],
      'A network load balancer writes access logs only for TLS listeners; this internal TCP listener is covered by the VPC flow logs.',
    );
  }

  /** Base URL of the OpenAI-compatible API (`http://<internal dns>/v1`). */
  get baseUrl(): string {
    return `http://${this.loadBalancer.loadBalancerDnsName}/v1`;
  }
}
