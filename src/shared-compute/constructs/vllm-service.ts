import { Duration, Validations } from 'aws-cdk-lib';
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
import { acknowledge } from '../acknowledge.js';
import { encryptedLogGroup } from './encrypted-log-group.js';
import { awslogsOptions, GpuLaunchTemplate } from './gpu-launch-template.js';

/** Where vLLM listens on each instance, and where the load balancer listens. */
export const VLLM_PORTS = { instance: 8000, loadBalancer: 80 } as const;
/** Default vLLM image (public registry) and model (Apache-2.0, fits one A10G in bf16). */
export const DEFAULT_VLLM_IMAGE = 'vllm/vllm-openai:v0.10.1';
export const DEFAULT_VLLM_MODEL = 'Qwen/Qwen2.5-7B-Instruct';

export interface VllmServiceProps {
  readonly vpc: IVpc;
  /** The only security group whose members may call the service (the workers'). */
  readonly clientSecurityGroup: ISecurityGroup;
  /** The inference workload role (instance role). */
  readonly role: Role;
  /** A g5 instance type (the blueprint's `gpu.vllmInstanceType`). */
  readonly instanceType: string;
  /** @default DEFAULT_VLLM_IMAGE */
  readonly image?: string;
  /** @default DEFAULT_VLLM_MODEL */
  readonly model?: string;
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

  constructor(scope: Construct, id: string, props: VllmServiceProps) {
    super(scope, id);
    if (!/^g5\.\w+$/.test(props.instanceType))
      throw new RangeError(`VllmService: instanceType must be a g5 type (the seed), got ${props.instanceType}`);
    const lbSecurityGroup = new SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: props.vpc,
      description: 'vLLM load balancer: workers only',
      allowAllOutbound: false,
      // Rules as separate resources: the two groups name each other.
      disableInlineRules: true,
    });
    lbSecurityGroup.addIngressRule(
      Peer.securityGroupId(props.clientSecurityGroup.securityGroupId),
      Port.tcp(VLLM_PORTS.loadBalancer),
      'OpenAI-compatible API from the workers',
    );
    const instanceSecurityGroup = new SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc: props.vpc,
      description: 'vLLM instances: the load balancer only',
      allowAllOutbound: true,
      disableInlineRules: true,
    });
    instanceSecurityGroup.addIngressRule(
      Peer.securityGroupId(lbSecurityGroup.securityGroupId),
      Port.tcp(VLLM_PORTS.instance),
      'vLLM from its load balancer (traffic and health checks)',
    );
    lbSecurityGroup.addEgressRule(
      Peer.securityGroupId(instanceSecurityGroup.securityGroupId),
      Port.tcp(VLLM_PORTS.instance),
      'to the vLLM instances',
    );

    const logs = encryptedLogGroup(this, 'Logs', props.logKey);
    logs.grantWrite(props.role);
    const image = props.image ?? DEFAULT_VLLM_IMAGE;
    const model = props.model ?? DEFAULT_VLLM_MODEL;
    const template = new GpuLaunchTemplate(this, 'LaunchTemplate', {
      role: props.role,
      securityGroup: instanceSecurityGroup,
      instanceType: new InstanceType(props.instanceType),
      bootCommands: [
        `docker run -d --restart always --gpus all --ipc=host --name vllm -p ${VLLM_PORTS.instance}:8000 ${awslogsOptions(this, logs.logGroupName, 'vllm')} ${image} --model ${model}`,
      ],
    });
    this.autoScalingGroup = new AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate: template.launchTemplate,
      minCapacity: props.minInstances ?? 1,
      maxCapacity: props.maxInstances ?? 2,
      // Model download and load take minutes; the load balancer's health check decides after that.
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
    const listener = this.loadBalancer.addListener('Api', { port: VLLM_PORTS.loadBalancer, protocol: Protocol.TCP });
    listener.addTargets('Instances', {
      port: VLLM_PORTS.instance,
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
    Validations.of(this.loadBalancer).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-ELB2',
        reason:
          'A network load balancer writes access logs only for TLS listeners; this internal TCP listener is covered by the VPC flow logs.',
      },
      {
        id: 'NIST.800.53.R5::NIST.800.53.R5-ELBLoggingEnabled',
        reason:
          'A network load balancer writes access logs only for TLS listeners; this internal TCP listener is covered by the VPC flow logs.',
      },
    );
  }

  /** Base URL of the OpenAI-compatible API (`http://<internal dns>/v1`). */
  get baseUrl(): string {
    return `http://${this.loadBalancer.loadBalancerDnsName}/v1`;
  }
}
