import { Duration } from 'aws-cdk-lib';
import { AutoScalingGroup, HealthChecks, ScalingEvents, SpotAllocationStrategy } from 'aws-cdk-lib/aws-autoscaling';
import { InstanceType, type ISecurityGroup, type IVpc, SubnetType } from 'aws-cdk-lib/aws-ec2';
import type { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, iam5 } from '../../common/acknowledge.js';
import type { WhisperModel } from '../../config/index.js';
import { RUNTIME_ENV } from '../../contracts/runtime-env.js';
import { SERVED_MODELS } from '../../services/models/layout.js';
import { encryptedLogGroup } from './encrypted-log-group.js';
import { awslogsOptions, ecrLoginCommands, GpuLaunchTemplate } from './gpu-launch-template.js';
import { localModelMountOptions, type ModelBucket } from './model-bucket.js';
import { EMPTY_MINUTES_BEFORE_SCALE_IN, QueueDepthScaling } from './queue-depth-scaling.js';

/** The seed: Whisper runs on g4dn.xlarge or g5.xlarge spot instances. */
export const WHISPER_INSTANCE_TYPES = ['g4dn.xlarge', 'g5.xlarge'] as const;
/** The seed: `large-v3` unless a customer's file says `medium`. */
export const DEFAULT_WHISPER_MODEL: WhisperModel = 'large-v3';
/** Port of the default model's Whisper server on each instance (loopback only). */
export const WHISPER_PORT = 8000;

/**
 * The Whisper servers on each instance, one per blueprint model (a vLLM
 * server serves one model): the model's weights from the model bucket, its
 * loopback port, and its share of the GPU's memory (both fit one 16 GiB T4:
 * large-v3 is ~3 GiB of fp16 weights, medium ~1.5 GiB).
 */
export const WHISPER_SERVERS: Readonly<
  Record<WhisperModel, { readonly modelId: string; readonly port: number; readonly gpuMemoryUtilization: number }>
> = {
  'large-v3': { modelId: SERVED_MODELS.whisperLargeV3, port: WHISPER_PORT, gpuMemoryUtilization: 0.5 },
  medium: { modelId: SERVED_MODELS.whisperMedium, port: 8001, gpuMemoryUtilization: 0.35 },
};

export interface WhisperFleetProps {
  readonly vpc: IVpc;
  readonly securityGroup: ISecurityGroup;
  /** More groups the workload joins (the inference clients' group for workers that call vLLM). @default none */
  readonly additionalSecurityGroups?: readonly ISecurityGroup[];
  /** The transcription-jobs queue: the fleet consumes it and scales on it. */
  readonly queue: IQueue;
  /** Its dead-letter queue: the worker copies a job that can never succeed there at once, with the reason. */
  readonly deadLetterQueue: IQueue;
  /** The transcription workload role (instance role). */
  readonly role: Role;
  /** g4dn.xlarge and/or g5.xlarge (the blueprint's `gpu.whisperInstanceTypes`). */
  readonly instanceTypes: readonly (typeof WHISPER_INSTANCE_TYPES)[number][];
  /**
   * The Whisper server image, pinned by digest: vLLM's OpenAI-compatible server
   * (`/v1/audio/transcriptions`), given each model's verified weights.
   */
  readonly serverImage: string;
  /**
   * The transcription worker image (`images/transcription-worker`, built by
   * the deploy). It must ship `ffmpeg` on its PATH: compressed recordings over
   * the request limit are decoded with it before splitting. The boot refuses an
   * image without it.
   */
  readonly workerImage: DockerImageAsset;
  /** Where the Whisper weights come from (checked against their SHA256SUMS at boot). */
  readonly models: ModelBucket;
  readonly alarmTopic: ITopic;
  readonly logKey: IKey;
  /** Model used when a job names none; jobs carry the customer's model. @default 'large-v3' */
  readonly defaultModel?: WhisperModel;
  /** More settings for the transcription worker (queue URLs, vLLM URL, ...). @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 5 (the seed) */
  readonly emptyMinutesBeforeScaleIn?: number;
  /** @default 8 */
  readonly maxInstances?: number;
}

/** What the boot prints when the worker image has no ffmpeg (and then starts no worker). */
export const MISSING_FFMPEG_MESSAGE =
  'PanOps: the transcription-worker image has no ffmpeg (needed to decode compressed recordings); rebuild it with ffmpeg. Not starting the worker.';

/**
 * Boot command that stops the boot, before any worker starts, when the worker
 * image lacks ffmpeg: a misbuilt image fails at once and visibly instead of
 * dead-lettering every large compressed recording.
 */
export const ffmpegCheckCommand = (workerImage: string): string =>
  `docker run --rm --entrypoint ffmpeg ${workerImage} -version > /dev/null || { echo '${MISSING_FFMPEG_MESSAGE}' >&2; exit 1; }`;

/**
 * The Whisper GPU fleet: an Auto Scaling group of spot GPU instances (mixed
 * instances, price-capacity-optimized, capacity rebalancing) at zero while the
 * transcription queue is empty. Each instance runs an OpenAI-compatible Whisper
 * server on loopback and the transcription worker that feeds it from the queue.
 */
export class WhisperFleet extends Construct {
  readonly autoScalingGroup: AutoScalingGroup;
  readonly scaling: QueueDepthScaling;

  constructor(scope: Construct, id: string, props: WhisperFleetProps) {
    super(scope, id);
    if (props.instanceTypes.length === 0) throw new RangeError('WhisperFleet: instanceTypes must not be empty');
    const defaultModel = props.defaultModel ?? DEFAULT_WHISPER_MODEL;
    const logs = encryptedLogGroup(this, 'Logs', props.logKey);
    const servers = Object.entries(WHISPER_SERVERS) as [WhisperModel, (typeof WHISPER_SERVERS)[WhisperModel]][];
    const env: Record<string, string> = {
      ...props.environment,
      [RUNTIME_ENV.transcriptionJobsQueueUrl]: props.queue.queueUrl,
      [RUNTIME_ENV.transcriptionJobsDeadLetterQueueUrl]: props.deadLetterQueue.queueUrl,
      [RUNTIME_ENV.whisperBaseUrl]: `http://127.0.0.1:${WHISPER_SERVERS[defaultModel].port}/v1`,
      [RUNTIME_ENV.whisperBaseUrls]: JSON.stringify(
        Object.fromEntries(servers.map(([model, server]) => [model, `http://127.0.0.1:${server.port}/v1`])),
      ),
      [RUNTIME_ENV.whisperDefaultModel]: defaultModel,
    };
    // JSON (the Whisper URLs) is single-quoted so that it reaches the container as one argument.
    const envFlags = Object.entries(env)
      .map(([name, value]) => (value.startsWith('{') ? `-e '${name}=${value}'` : `-e ${name}=${value}`))
      .join(' ');
    const workerImage = props.workerImage.imageUri;
    const whisperServers = servers.flatMap(([model, server]) => [
      ...props.models.fetchModelCommands(server.modelId),
      `docker run -d --restart always --gpus all --ipc=host --name whisper-${model} -p 127.0.0.1:${server.port}:8000 ${awslogsOptions(this, logs.logGroupName, `whisper-${model}`)} ${localModelMountOptions(server.modelId)} ${props.serverImage} --model /models/${server.modelId} --served-model-name ${server.modelId} --gpu-memory-utilization ${server.gpuMemoryUtilization}`,
    ]);
    const template = new GpuLaunchTemplate(this, 'LaunchTemplate', {
      role: props.role,
      securityGroup: props.securityGroup,
      ...(props.additionalSecurityGroups ? { additionalSecurityGroups: props.additionalSecurityGroups } : {}),
      bootCommands: [
        ...ecrLoginCommands(this),
        ffmpegCheckCommand(workerImage),
        ...props.models.installVerifierCommands(),
        ...whisperServers,
        `docker run -d --restart always --network host --name transcription-worker ${envFlags} ${awslogsOptions(this, logs.logGroupName, 'worker')} ${workerImage}`,
      ],
    });
    this.autoScalingGroup = new AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      mixedInstancesPolicy: {
        launchTemplate: template.launchTemplate,
        launchTemplateOverrides: props.instanceTypes.map((type) => ({ instanceType: new InstanceType(type) })),
        instancesDistribution: {
          onDemandBaseCapacity: 0,
          onDemandPercentageAboveBaseCapacity: 0,
          spotAllocationStrategy: SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
        },
      },
      minCapacity: 0,
      maxCapacity: props.maxInstances ?? 8,
      capacityRebalance: true,
      healthChecks: HealthChecks.ec2({ gracePeriod: Duration.minutes(10) }),
      notifications: [{ topic: props.alarmTopic, scalingEvents: ScalingEvents.ALL }],
    });
    // Consume includes ChangeMessageVisibility: the worker extends a long recording's visibility.
    props.queue.grantConsumeMessages(props.role);
    props.deadLetterQueue.grantSendMessages(props.role);
    acknowledge(
      this.autoScalingGroup,
      ['AwsSolutions::AwsSolutions-EC26', 'NIST.800.53.R5::NIST.800.53.R5-EC2IMDSv2Enabled'],
      'The group launches from a mixed-instances launch template that these rules do not follow; that template requires IMDSv2 and encrypts its only volume (checked by the Control Tower rules CT.EC2.PR.1 and CT.EC2.PR.14 and by this stack’s tests).',
    );
    acknowledge(
      props.role,
      [iam5('Resource::*')],
      'ecr:GetAuthorizationToken (pulling the worker image) supports no resource-level permissions; the pull is scoped to the image asset repository.',
    );
    props.workerImage.repository.grantPull(props.role);
    props.models.grantBoot(props.role);
    logs.grantWrite(props.role);
    this.scaling = new QueueDepthScaling(this, 'QueueScaling', {
      queue: props.queue,
      emptyMinutes: props.emptyMinutesBeforeScaleIn ?? EMPTY_MINUTES_BEFORE_SCALE_IN,
      cooldown: Duration.minutes(5),
      target: { autoScalingGroup: this.autoScalingGroup },
    });
  }
}
