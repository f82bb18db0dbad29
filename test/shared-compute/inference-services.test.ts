import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SecurityGroup, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_ENV } from '../../src/contracts/runtime-env.js';
import { LogDestinationBucket } from '../../src/data-plane/log-destination-bucket.js';
import { DEFAULT_MIGRATION_PARAMETERS } from '../../src/services/db/index.js';
import { defaultInferenceSettings } from '../../src/services/inference/settings.js';
import { ModelBucket } from '../../src/shared-compute/constructs/model-bucket.js';
import {
  DEFAULT_EMBEDDING_MODEL,
  DEFAULT_VLLM_MODEL,
  EMBEDDING_DIMENSIONS,
  VllmService,
} from '../../src/shared-compute/constructs/vllm-service.js';
import { MISSING_FFMPEG_MESSAGE } from '../../src/shared-compute/constructs/whisper-fleet.js';
import { resourcesOfType } from '../support/template.js';
import { type CfnProperties, exampleBlueprint, propertiesOf, synthSharedCompute } from './fixtures.js';

/**
 * The two vLLM services of the shared compute core (chat and embeddings): what
 * each serves, that only the workers reach them, and that every worker's
 * environment points at the right one. One synth for the file; the wiring
 * assertions are also run on mutated copies of the template, which they reject.
 */

type TemplateJson = { Resources: Record<string, { Type: string; Properties: CfnProperties }> };

const refOf = (value: unknown): string | undefined =>
  (value as { Ref?: string })?.Ref ?? (value as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];
const ofType = (json: TemplateJson, type: string) => resourcesOfType(json.Resources, type);

/** The boot script of a launch template, as its literal parts and references (Fn::Base64 of Fn::Join). */
const userDataParts = (launchTemplate: CfnProperties): unknown[] => {
  const userData = launchTemplate.LaunchTemplateData?.UserData?.['Fn::Base64'];
  if (typeof userData === 'string') return [userData];
  return (userData?.['Fn::Join']?.[1] as unknown[] | undefined) ?? [];
};
const userDataText = (launchTemplate: CfnProperties): string =>
  userDataParts(launchTemplate)
    .map((p) => (typeof p === 'string' ? p : ((p as { 'Fn::Sub'?: string })['Fn::Sub'] ?? `<${refOf(p)}>`)))
    .join('');

interface VllmDeployment {
  readonly loadBalancerId: string;
  readonly loadBalancer: CfnProperties;
  readonly bootScript: string;
}

/** Each network load balancer with the boot script of the instances behind it (listener → target group → group → template). */
const vllmDeployments = (json: TemplateJson): VllmDeployment[] =>
  ofType(json, 'AWS::ElasticLoadBalancingV2::LoadBalancer').map(([loadBalancerId, { Properties: loadBalancer }]) => {
    const targetGroups = ofType(json, 'AWS::ElasticLoadBalancingV2::Listener')
      .filter(([, l]) => refOf(l.Properties.LoadBalancerArn) === loadBalancerId)
      .flatMap(([, l]) => l.Properties.DefaultActions.map((a: CfnProperties) => refOf(a.TargetGroupArn)));
    const groups = ofType(json, 'AWS::AutoScaling::AutoScalingGroup').filter(([, g]) =>
      (g.Properties.TargetGroupARNs ?? []).some((t: unknown) => targetGroups.includes(refOf(t))),
    );
    const templateIds = groups.map(([, g]) => refOf(g.Properties.LaunchTemplate?.LaunchTemplateId));
    const bootScript = templateIds.map((id) => userDataText(json.Resources[id as string]?.Properties ?? {})).join('\n');
    return { loadBalancerId, loadBalancer, bootScript };
  });

/** The one deployment whose instances run vLLM with this model. */
const deploymentServing = (json: TemplateJson, model: string): VllmDeployment => {
  const matches = vllmDeployments(json).filter((d) => d.bootScript.includes(`--served-model-name ${model}`));
  if (matches.length !== 1) throw new Error(`expected one load balancer in front of ${model}, found ${matches.length}`);
  return matches[0] as VllmDeployment;
};

/** `http://<load balancer DNS name>/v1` as CloudFormation writes it: the load balancer's id, or undefined for any other shape. */
const loadBalancerOfUrl = (value: unknown): string | undefined => {
  const parts = (value as { 'Fn::Join'?: [string, unknown[]] })?.['Fn::Join']?.[1];
  if (parts?.length !== 3 || parts[0] !== 'http://' || parts[2] !== '/v1') return undefined;
  const getAtt = (parts[1] as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  return getAtt?.[1] === 'DNSName' ? getAtt[0] : undefined;
};

/** A workload of the stack: its security groups, and its `name` setting (`present`; the load balancer of its URL). */
interface Workload {
  readonly id: string;
  readonly groups: readonly (string | undefined)[];
  readonly setting: (name: string) => { readonly present: boolean; readonly loadBalancer: string | undefined };
}

/**
 * Every workload in the VPC: Lambda functions, Fargate services (their task's
 * containers) and launch templates (the `-e` settings of the containers they
 * start). A URL's load balancer is undefined unless the value is exactly
 * `http://<its DNS name>/v1`.
 */
const workloads = (json: TemplateJson): Workload[] => {
  const found: Workload[] = [];
  for (const [id, { Properties: fn }] of ofType(json, 'AWS::Lambda::Function')) {
    if (!fn.VpcConfig) continue;
    const variables = fn.Environment?.Variables ?? {};
    found.push({
      id,
      groups: fn.VpcConfig.SecurityGroupIds.map(refOf),
      setting: (name) => ({ present: name in variables, loadBalancer: loadBalancerOfUrl(variables[name]) }),
    });
  }
  for (const [id, { Properties: service }] of ofType(json, 'AWS::ECS::Service')) {
    const task = json.Resources[refOf(service.TaskDefinition) as string]?.Properties;
    const variables: CfnProperties[] = (task?.ContainerDefinitions ?? []).flatMap(
      (c: CfnProperties) => c.Environment ?? [],
    );
    found.push({
      id,
      groups: service.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups.map(refOf),
      setting: (name) => {
        const values = variables.filter((v) => v.Name === name).map((v) => loadBalancerOfUrl(v.Value));
        return { present: values.length > 0, loadBalancer: values.length === 1 ? values[0] : undefined };
      },
    });
  }
  for (const [id, { Properties: template }] of ofType(json, 'AWS::EC2::LaunchTemplate')) {
    const parts = userDataParts(template);
    found.push({
      id,
      groups: (template.LaunchTemplateData.NetworkInterfaces?.[0]?.Groups ?? []).map(refOf),
      setting: (name) => {
        const at = parts.findIndex((p) => typeof p === 'string' && p.endsWith(`-e ${name}=http://`));
        const getAtt = (parts[at + 1] as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
        const after = parts[at + 2];
        return {
          present: userDataText(template).includes(`-e ${name}=`),
          loadBalancer:
            at >= 0 && getAtt?.[1] === 'DNSName' && typeof after === 'string' && /^\/v1( |$)/.test(after)
              ? getAtt[0]
              : undefined,
        };
      },
    });
  }
  return found;
};

/** The group the vLLM load balancers admit (the only source of their ingress rules). */
const inferenceClientGroup = (json: TemplateJson): string | undefined =>
  ofType(json, 'AWS::EC2::SecurityGroup').find(([, g]) =>
    String(g.Properties.GroupDescription).startsWith('PanOps inference clients'),
  )?.[0];

/**
 * Every member of the inference clients' group (at least the poller, the
 * Fargate workers and the Whisper fleet) sets `name` to this load balancer's
 * URL, and no other workload sets it at all.
 */
const expectWorkersPointAt = (json: TemplateJson, name: string, loadBalancerId: string): void => {
  const group = inferenceClientGroup(json);
  const members = workloads(json).filter((w) => w.groups.includes(group));
  expect(members.length, 'poller, Fargate workers and Whisper fleet').toBeGreaterThanOrEqual(3);
  for (const member of members)
    expect(member.setting(name).loadBalancer, `${name} of ${member.id}`).toBe(loadBalancerId);
  for (const other of workloads(json).filter((w) => !w.groups.includes(group)))
    expect(other.setting(name).present, `${name} set on ${other.id}, outside the inference clients`).toBe(false);
};

let json: TemplateJson;
let chat: VllmDeployment;
let embeddings: VllmDeployment;
beforeAll(() => {
  json = synthSharedCompute(exampleBlueprint()).core.toJSON() as TemplateJson;
  chat = deploymentServing(json, DEFAULT_VLLM_MODEL);
  embeddings = deploymentServing(json, DEFAULT_EMBEDDING_MODEL);
});

describe('the two vLLM services', () => {
  it('are two vLLM deployments, each behind its own load balancer', () => {
    const deployments = vllmDeployments(json);
    expect(deployments).toHaveLength(2);
    for (const d of deployments) expect(d.bootScript).toContain('vllm/vllm-openai:');
    expect(chat.loadBalancerId).not.toBe(embeddings.loadBalancerId);
  });

  it('serve the embedding model with the embed task, and the chat model for generation', () => {
    expect(embeddings.bootScript).toMatch(
      new RegExp(
        `--model /models/${DEFAULT_EMBEDDING_MODEL.replace('.', '\\.')} --served-model-name ${DEFAULT_EMBEDDING_MODEL.replace('.', '\\.')} --runner pooling --convert embed( |"|$)`,
      ),
    );
    expect(chat.bootScript).toContain(
      `--model /models/${DEFAULT_VLLM_MODEL} --served-model-name ${DEFAULT_VLLM_MODEL}`,
    );
    expect(chat.bootScript).not.toContain('--runner pooling');
  });

  it('serve the models the services call, with the dimension of the chunks’ vector column', () => {
    expect(DEFAULT_EMBEDDING_MODEL).toBe(defaultInferenceSettings.embeddingModel);
    expect(DEFAULT_VLLM_MODEL).toBe(defaultInferenceSettings.chatModel);
    expect(EMBEDDING_DIMENSIONS).toBe(defaultInferenceSettings.embeddingDimensions);
    expect(EMBEDDING_DIMENSIONS).toBe(DEFAULT_MIGRATION_PARAMETERS.embeddingDimensions);
  });

  it('run on g5 instances', () => {
    // The Whisper fleet also runs vLLM (Whisper servers), on its own g4dn/g5 mix.
    for (const [, { Properties: template }] of ofType(json, 'AWS::EC2::LaunchTemplate'))
      if (userDataText(template).includes('vllm/vllm-openai:') && !userDataText(template).includes('--name whisper-'))
        expect(template.LaunchTemplateData.InstanceType).toMatch(/^g5\./);
  });
});

describe('reaching the vLLM services', () => {
  const privateSubnets = () =>
    ofType(json, 'AWS::EC2::Subnet')
      .filter(([, s]) => s.Properties.MapPublicIpOnLaunch === false)
      .map(([id]) => id);

  it('puts both behind internal network load balancers in private subnets only', () => {
    for (const { loadBalancer } of [chat, embeddings]) {
      expect(loadBalancer.Type).toBe('network');
      expect(loadBalancer.Scheme).toBe('internal');
      for (const subnet of loadBalancer.Subnets) expect(privateSubnets()).toContain(refOf(subnet));
    }
  });

  it('lets only the inference clients’ security group reach each load balancer, on its listener port, never an address range', () => {
    for (const { loadBalancer, loadBalancerId } of [chat, embeddings]) {
      const groups = (loadBalancer.SecurityGroups as unknown[]).map(refOf);
      expect(groups).toHaveLength(1);
      const ingress = propertiesOf(Template.fromJSON(json), 'AWS::EC2::SecurityGroupIngress').filter(
        (r) => refOf(r.GroupId) === groups[0],
      );
      const ports = ofType(json, 'AWS::ElasticLoadBalancingV2::Listener')
        .filter(([, l]) => refOf(l.Properties.LoadBalancerArn) === loadBalancerId)
        .map(([, l]) => l.Properties.Port);
      expect(ingress).toHaveLength(1);
      expect(ingress[0]?.CidrIp).toBeUndefined();
      expect(ingress[0]?.CidrIpv6).toBeUndefined();
      expect(refOf(ingress[0]?.SourceSecurityGroupId)).toBe(inferenceClientGroup(json));
      expect([ingress[0]?.FromPort, ingress[0]?.ToPort]).toEqual([ports[0], ports[0]]);
    }
  });

  it('admits exactly the poller, the Fargate workers and the Whisper fleet to the inference clients’ group, never the webhook handler', () => {
    const group = inferenceClientGroup(json);
    const members = workloads(json)
      .filter((w) => w.groups.includes(group))
      .map((w) => w.id);
    expect(members).toHaveLength(3);
    expect(members).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ConnectorPoller/),
        expect.stringMatching(/^ConnectorWorkers/),
        expect.stringMatching(/^WhisperLaunchTemplate/),
      ]),
    );
  });

  it('lets each service’s instances be reached from their own load balancer only', () => {
    for (const { loadBalancer } of [chat, embeddings]) {
      const lbGroup = refOf(loadBalancer.SecurityGroups[0]);
      const egress = propertiesOf(Template.fromJSON(json), 'AWS::EC2::SecurityGroupEgress').filter(
        (r) => refOf(r.GroupId) === lbGroup,
      );
      expect(egress).toHaveLength(1);
      const instanceGroup = refOf(egress[0]?.DestinationSecurityGroupId);
      const ingress = propertiesOf(Template.fromJSON(json), 'AWS::EC2::SecurityGroupIngress').filter(
        (r) => refOf(r.GroupId) === instanceGroup,
      );
      expect(ingress.map((r) => refOf(r.SourceSecurityGroupId))).toEqual([lbGroup]);
    }
  });
});

describe('the workers’ inference settings', () => {
  it('point PANOPS_EMBEDDINGS_URL at the embeddings load balancer in every worker', () => {
    expectWorkersPointAt(json, RUNTIME_ENV.embeddingsUrl, embeddings.loadBalancerId);
  });

  it('point PANOPS_VLLM_BASE_URL at the chat load balancer in every worker', () => {
    expectWorkersPointAt(json, RUNTIME_ENV.vllmBaseUrl, chat.loadBalancerId);
  });

  it('name the models the services serve', () => {
    const whisperScript = ofType(json, 'AWS::EC2::LaunchTemplate')
      .map(([, t]) => userDataText(t.Properties))
      .find((s) => s.includes('--name transcription-worker'));
    expect(whisperScript).toContain(`-e ${RUNTIME_ENV.embeddingModel}=${DEFAULT_EMBEDDING_MODEL} `);
    expect(whisperScript).toContain(`-e ${RUNTIME_ENV.chatModel}=${DEFAULT_VLLM_MODEL} `);
  });

  it('are refused when a worker points the embeddings URL elsewhere, or a workload outside the clients gets it', () => {
    const mutated = (change: (copy: TemplateJson) => void) => {
      const copy = structuredClone(json);
      change(copy);
      return copy;
    };
    const poller = ofType(json, 'AWS::Lambda::Function').find(([, f]) =>
      String(f.Properties.Description).startsWith('PanOps short delta polls'),
    )?.[0] as string;
    const atChat = mutated((copy) => {
      const variables = copy.Resources[poller]?.Properties.Environment.Variables;
      variables[RUNTIME_ENV.embeddingsUrl] = variables[RUNTIME_ENV.vllmBaseUrl];
    });
    // The Whisper fleet's boot script: the embeddings load balancer swapped for the chat one.
    const whisperAtChat = mutated((copy) => {
      for (const [, { Properties: t }] of ofType(copy, 'AWS::EC2::LaunchTemplate')) {
        const parts = userDataParts(t);
        const at = parts.findIndex(
          (p) => typeof p === 'string' && p.endsWith(`-e ${RUNTIME_ENV.embeddingsUrl}=http://`),
        );
        if (at >= 0) parts[at + 1] = { 'Fn::GetAtt': [chat.loadBalancerId, 'DNSName'] };
      }
    });
    const withoutPath = mutated((copy) => {
      for (const [, { Properties: task }] of ofType(copy, 'AWS::ECS::TaskDefinition'))
        for (const container of task.ContainerDefinitions)
          for (const variable of container.Environment ?? [])
            if (variable.Name === RUNTIME_ENV.embeddingsUrl) variable.Value['Fn::Join'][1].pop();
    });
    const webhookWithUrl = mutated((copy) => {
      const webhook = ofType(copy, 'AWS::Lambda::Function').find(([, f]) =>
        String(f.Properties.Description).startsWith('PanOps webhooks'),
      )?.[1].Properties as CfnProperties;
      webhook.Environment.Variables[RUNTIME_ENV.embeddingsUrl] =
        copy.Resources[poller]?.Properties.Environment.Variables[RUNTIME_ENV.embeddingsUrl];
    });
    for (const copy of [atChat, whisperAtChat, withoutPath, webhookWithUrl])
      expect(() => expectWorkersPointAt(copy, RUNTIME_ENV.embeddingsUrl, embeddings.loadBalancerId)).toThrow();
  });
});

describe('the Whisper fleet’s worker image', () => {
  it('is checked for ffmpeg at boot before the worker starts', () => {
    const script = ofType(json, 'AWS::EC2::LaunchTemplate')
      .map(([, t]) => userDataText(t.Properties))
      .find((s) => s.includes('--name transcription-worker')) as string;
    const lines = script.split('\n');
    const checkLine = lines.findIndex((l) => l.includes('--entrypoint ffmpeg'));
    const workerLine = lines.findIndex((l) => l.includes('--name transcription-worker'));
    const workerImage = lines[workerLine]?.split(' ').at(-1);
    // The image asset the deploy builds from images/transcription-worker (bootstrap asset repository).
    expect(workerImage).toMatch(/container-assets/);
    expect(lines[checkLine]).toContain(`--entrypoint ffmpeg ${workerImage} -version`);
    expect(lines[checkLine]).toContain(`|| { echo '${MISSING_FFMPEG_MESSAGE}' >&2; exit 1; }`);
    expect(checkLine).toBeGreaterThan(0);
    expect(checkLine).toBeLessThan(workerLine);
  });
});

describe('VllmService settings', () => {
  const env = { account: '100000000010', region: 'us-east-1' };
  const serviceStack = (props: { instanceType?: string; ports?: { instance: number; loadBalancer: number } }) => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Vllm', { env });
    const vpc = new Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
    const key = new Key(stack, 'Key');
    const topic = new Topic(stack, 'Topic');
    const models = new ModelBucket(stack, 'Models', {
      key,
      accessLogs: new LogDestinationBucket(stack, 'Logs', {
        encryptionKey: key,
        retentionDays: 30,
      }),
      alarmTopic: topic,
    });
    new VllmService(stack, 'Service', {
      vpc,
      clientSecurityGroup: new SecurityGroup(stack, 'Clients', { vpc }),
      role: new Role(stack, 'Role', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') }),
      instanceType: props.instanceType ?? 'g5.xlarge',
      task: 'embed',
      model: 'intfloat/e5-small-v2',
      extraArgs: ['--max-model-len', '512'],
      models,
      alarmTopic: topic,
      logKey: key,
      ...(props.ports ? { ports: props.ports } : {}),
    });
    return Template.fromStack(stack);
  };

  it('listens on the ports it is given and passes the model, task and extra flags to the server', () => {
    const template = serviceStack({ ports: { instance: 8100, loadBalancer: 8080 } });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8080 });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 8100 });
    const script = propertiesOf(template, 'AWS::EC2::LaunchTemplate').map(userDataText).join('');
    expect(script).toContain('-p 8100:8000');
    expect(script).toContain(
      '--model /models/intfloat/e5-small-v2 --served-model-name intfloat/e5-small-v2 --runner pooling --convert embed --max-model-len 512',
    );
  });

  it('refuses an instance type outside the g5 family', () => {
    expect(() => serviceStack({ instanceType: 'p4d.24xlarge' })).toThrow(/g5/);
  });
});
