import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { GPU_QUOTAS, gpuQuotaDemand, vcpusOf } from '../../src/config/gpu-capacity.js';
import { BlueprintInvalid, loadBlueprint } from '../../src/config/index.js';
import { SERVED_MODELS } from '../../src/services/models/layout.js';
import { DEFAULT_VLLM_IMAGE } from '../../src/shared-compute/constructs/vllm-service.js';
import { organization, writeBlueprint } from '../config/fixtures.js';
import { type CfnProperties, exampleBlueprint, synthSharedCompute } from './fixtures.js';

/**
 * Everything the shared compute stack runs is built or pinned by this
 * repository: the two worker images are CDK image assets (built from images/*
 * by `cdk deploy`), the vLLM image is pinned by digest, and every model is read
 * from the account's model bucket and checked before its server starts.
 */
type Resources = Record<string, { Type: string; Properties: CfnProperties }>;

let app: App;
let resources: Resources;
let assemblyDir: string;
beforeAll(() => {
  const synthesized = synthSharedCompute(exampleBlueprint());
  app = synthesized.app;
  resources = synthesized.core.toJSON().Resources as Resources;
  assemblyDir = app.synth().directory;
});

const bootScripts = (): string[] =>
  Object.values(resources)
    .filter((r) => r.Type === 'AWS::EC2::LaunchTemplate')
    .map((r) =>
      (r.Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Join'][1] as unknown[])
        .map((p) => (typeof p === 'string' ? p : ((p as { 'Fn::Sub'?: string })['Fn::Sub'] ?? '<ref>')))
        .join(''),
    );

describe('the worker images', () => {
  it('are image assets in cdk.out, built from the repository Dockerfiles with the bundled entry points', () => {
    const manifests = JSON.parse(readFileSync(join(assemblyDir, 'manifest.json'), 'utf8')).artifacts as Record<
      string,
      { type: string; properties?: { file?: string } }
    >;
    const assetFile = Object.values(manifests).find(
      (a) => a.type === 'cdk:asset-manifest' && a.properties?.file?.startsWith('PanOps-SharedCompute.'),
    )?.properties?.file as string;
    const images = Object.values(
      JSON.parse(readFileSync(join(assemblyDir, assetFile), 'utf8')).dockerImages as Record<
        string,
        { source: { directory: string; platform?: string } }
      >,
    );
    expect(images).toHaveLength(2);
    const staged = images.map((image) => join(assemblyDir, image.source.directory));
    const dockerfiles = staged.map((dir) => readFileSync(join(dir, 'Dockerfile'), 'utf8'));
    expect(dockerfiles.filter((d) => d.includes('apt-get install') && d.includes('ffmpeg'))).toHaveLength(1);
    for (const dir of staged) expect(existsSync(join(dir, 'dist', 'main.mjs'))).toBe(true);
    for (const image of images) expect(image.source.platform).toBe('linux/amd64');
  });

  it('replace the empty ECR repositories the stack used to create', () => {
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::ECR::Repository')).toEqual([]);
    const task = Object.values(resources).find((r) => r.Type === 'AWS::ECS::TaskDefinition');
    const image = JSON.stringify(task?.Properties.ContainerDefinitions[0].Image);
    expect(image).toContain('cdk-hnb659fds-container-assets');
    expect(image).not.toContain(':latest');
  });
});

describe('the GPU servers', () => {
  it('run vLLM pinned by digest and nothing by tag alone', () => {
    expect(DEFAULT_VLLM_IMAGE).toMatch(/^vllm\/vllm-openai:v[\d.]+@sha256:[0-9a-f]{64}$/);
    const runs = bootScripts().flatMap((s) => s.split('\n').filter((l) => l.startsWith('docker run -d')));
    expect(runs.length).toBe(5); // chat, embeddings, Whisper large-v3 and medium, the transcription worker
    for (const run of runs)
      expect(run.includes(DEFAULT_VLLM_IMAGE) || run.includes('cdk-hnb659fds-container-assets')).toBe(true);
  });

  it('load every model from the model bucket, checked before its server starts, and never from a hub', () => {
    const served = [
      SERVED_MODELS.chat,
      SERVED_MODELS.embeddings,
      SERVED_MODELS.whisperLargeV3,
      SERVED_MODELS.whisperMedium,
    ];
    const all = bootScripts().join('\n');
    for (const model of served) {
      const lines = all.split('\n');
      const check = lines.findIndex((l) => l.startsWith(`/opt/panops/verify-model.sh ${model} `));
      const server = lines.findIndex(
        (l) => l.startsWith('docker run -d') && l.includes(`--served-model-name ${model}`),
      );
      expect(check, model).toBeGreaterThan(0);
      expect(server, model).toBeGreaterThan(check);
      expect(lines[check]).toContain('exit 1');
      expect(lines[server]).toContain(`-v /opt/panops/models/${model}:/models/${model}:ro -e HF_HUB_OFFLINE=1`);
      expect(lines[server]).toContain(`--model /models/${model} `);
      expect(lines.some((l) => l.startsWith(`aws s3 sync s3://<ref>/models/${model}/ `))).toBe(true);
    }
    expect(all).not.toMatch(/huggingface\.co|hf_hub_download|HF_TOKEN/);
  });

  it('read their weights from a private, versioned, KMS-encrypted, TLS-only bucket', () => {
    const [bucketId, bucket] = Object.entries(resources).find(
      ([id, r]) => r.Type === 'AWS::S3::Bucket' && id.startsWith('ModelsBucket'),
    ) as [string, { Properties: CfnProperties }];
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const sse = bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
    expect(sse.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    expect(sse.ServerSideEncryptionByDefault.KMSMasterKeyID).toBeDefined();
    // Current weights never expire (only replaced versions do).
    for (const rule of bucket.Properties.LifecycleConfiguration.Rules) expect(rule.ExpirationInDays).toBeUndefined();
    const policy = Object.values(resources).find(
      (r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket.Ref === bucketId,
    );
    expect(JSON.stringify(policy?.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  });
});

describe('the blueprint’s vLLM image', () => {
  it('is refused unless pinned by digest, naming the field', () => {
    const org = organization();
    const dir = writeBlueprint(
      { ...org, sharedCompute: { ...org.sharedCompute, images: { vllm: 'vllm/vllm-openai:v0.10.1' } } },
      {},
    );
    let problems: BlueprintInvalid['problems'] = [];
    try {
      loadBlueprint(dir, dir);
    } catch (error) {
      if (error instanceof BlueprintInvalid) problems = error.problems;
    }
    expect(problems.map((p) => [p.field, p.rule])).toContainEqual([
      'sharedCompute.images.vllm',
      expect.stringContaining('must be pinned by digest'),
    ]);
  });
});

describe('GPU capacity for preflight', () => {
  it('asks of each quota what the synthesized fleets can launch at their maximum size', () => {
    const demand = gpuQuotaDemand(exampleBlueprint());
    const groups = Object.values(resources).filter((r) => r.Type === 'AWS::AutoScaling::AutoScalingGroup');
    // From the template: max size × vCPUs of the largest type each group may launch.
    const templates = Object.fromEntries(
      Object.entries(resources).filter(([, r]) => r.Type === 'AWS::EC2::LaunchTemplate'),
    ) as Resources;
    const fromTemplate = { spot: 0, onDemand: 0 };
    for (const group of groups) {
      const mixed = group.Properties.MixedInstancesPolicy;
      const types: string[] = mixed
        ? mixed.LaunchTemplate.Overrides.map((o: CfnProperties) => o.InstanceType)
        : [templates[group.Properties.LaunchTemplate.LaunchTemplateId.Ref]?.Properties.LaunchTemplateData.InstanceType];
      const vcpus = Number(group.Properties.MaxSize) * Math.max(...types.map(vcpusOf));
      if (mixed?.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity === 0) fromTemplate.spot += vcpus;
      else fromTemplate.onDemand += vcpus;
    }
    expect(demand.find((d) => d.quotaCode === GPU_QUOTAS.spot.code)?.vcpus).toBe(fromTemplate.spot);
    expect(demand.find((d) => d.quotaCode === GPU_QUOTAS.onDemand.code)?.vcpus).toBe(fromTemplate.onDemand);
    expect(fromTemplate.spot).toBe(32); // 8 Whisper instances of 4 vCPUs
    expect(fromTemplate.onDemand).toBe(16); // 2 chat + 2 embeddings g5.xlarge
  });
});
