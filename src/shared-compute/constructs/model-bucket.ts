import { readFileSync } from 'node:fs';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type IGrantable, type IPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct, type IConstruct } from 'constructs';
import { acknowledge, iam5, KMS_GRANT_REASON } from '../../common/acknowledge.js';
import type { LockedBucket } from '../../data-plane/locked-bucket.js';
import { MODEL_KEY_PREFIX, MODEL_MANIFEST_FILE } from '../../services/models/layout.js';

/** Where the boot writes the weight check and the models on each GPU instance. */
export const BOOT_VERIFY_SCRIPT = '/opt/panops/verify-model.sh';
export const INSTANCE_MODEL_ROOT = '/opt/panops/models';
/** The weight check the boot runs (tested as it is deployed: test/images/verify-model.test.ts). */
export const VERIFY_MODEL_SCRIPT_SOURCE = 'images/boot/verify-model.sh';

export interface ModelBucketProps {
  /** The shared compute platform key (SSE-KMS with a bucket key). */
  readonly key: IKey;
  /** Where server access logs go (a log destination bucket of the same account). */
  readonly accessLogs: LockedBucket;
  /** Where a boot that refuses a model says so. */
  readonly alarmTopic: ITopic;
}

/**
 * The bucket the GPU fleets read their model weights from at boot (Whisper
 * large-v3 and medium, the chat and the embedding model): private, TLS only,
 * versioned, encrypted with the platform key and reached through the VPC's S3
 * gateway endpoint, so no instance downloads weights from a model hub through
 * the NAT. `npx projen models:upload` fills it (`models/<id>/` + SHA256SUMS).
 */
export class ModelBucket extends Construct {
  readonly bucket: Bucket;
  private readonly alarmTopic: ITopic;

  constructor(scope: Construct, id: string, props: ModelBucketProps) {
    super(scope, id);
    this.alarmTopic = props.alarmTopic;
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // Current weights stay until replaced; a replaced upload's old versions go after 30 days.
      lifecycleRules: [
        {
          id: 'replaced-weights',
          enabled: true,
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      // Weights are re-uploadable, but a stack deletion must never take a fleet's models with it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    props.accessLogs.receiveServerAccessLogsOf(this.bucket, 'model-bucket/');
    acknowledge(
      this.bucket,
      ['NIST.800.53.R5::NIST.800.53.R5-S3BucketReplicationEnabled'],
      'The bucket holds copies of published model weights that `npx projen models:upload` can put again; versioning keeps replaced uploads, and no customer data is stored here.',
    );
  }

  /**
   * What a GPU instance's boot needs: list and read `models/` (decrypting
   * through S3 only), and report a refusal on the alarm topic.
   */
  grantBoot(grantee: IGrantable & IConstruct): void {
    const principal: IPrincipal = grantee.grantPrincipal;
    principal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${MODEL_KEY_PREFIX}*`] } },
      }),
    );
    principal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects(`${MODEL_KEY_PREFIX}*`)],
      }),
    );
    this.bucket.encryptionKey?.grant(grantee, 'kms:Decrypt');
    this.alarmTopic.grantPublish(grantee);
    acknowledge(
      grantee,
      [
        iam5(
          `Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>/${MODEL_KEY_PREFIX}*`,
        ),
      ],
      'The GPU instances read every model under models/ of the model bucket (one folder per model, names known only as models are uploaded); read-only, that prefix only.',
    );
    acknowledge(grantee, [iam5('Action::kms:GenerateDataKey*')], KMS_GRANT_REASON);
  }

  /** Boot commands that write the weight check onto the instance (once per boot, before any model is fetched). */
  installVerifierCommands(): string[] {
    const script = readFileSync(VERIFY_MODEL_SCRIPT_SOURCE, 'utf8');
    return [
      `mkdir -p ${INSTANCE_MODEL_ROOT}`,
      `cat > ${BOOT_VERIFY_SCRIPT} <<'PANOPS_VERIFY_MODEL'\n${script.trimEnd()}\nPANOPS_VERIFY_MODEL`,
      `chmod 0755 ${BOOT_VERIFY_SCRIPT}`,
    ];
  }

  /**
   * Boot commands that bring one model from the bucket to
   * `/opt/panops/models/<id>` and check it against its SHA256SUMS: a missing or
   * differing model stops the boot (no server starts) and is reported on the
   * alarm topic and in the instance's console output.
   */
  fetchModelCommands(modelId: string): string[] {
    const region = Stack.of(this).region;
    const local = `${INSTANCE_MODEL_ROOT}/${modelId}`;
    const source = `s3://${this.bucket.bucketName}/${MODEL_KEY_PREFIX}${modelId}/`;
    const refusal = `PanOps: the boot refused to start the server for ${modelId}: weights missing from ${source} or not matching its ${MODEL_MANIFEST_FILE} (see the instance's console output)`;
    return [
      `mkdir -p ${local}`,
      `aws s3 sync ${source} ${local}/ --only-show-errors --region ${region} || echo "PanOps: could not sync ${source}" >&2`,
      `${BOOT_VERIFY_SCRIPT} ${modelId} ${local} || { aws sns publish --region ${region} --topic-arn ${this.alarmTopic.topicArn} --subject "PanOps GPU boot refused ${modelId}" --message "${refusal}" || true; exit 1; }`,
    ];
  }
}

/** `docker run` options that give a vLLM container one verified model, read-only, and keep it off every model hub. */
export const localModelMountOptions = (modelId: string): string =>
  `-v ${INSTANCE_MODEL_ROOT}/${modelId}:/models/${modelId}:ro -e HF_HUB_OFFLINE=1 -e TRANSFORMERS_OFFLINE=1`;
