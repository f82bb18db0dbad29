import type { Blueprint } from './model.js';

/** The smallest g5 (one A10G, 24 GiB): the embedding model takes well under 1 GiB of it. */
export const EMBEDDINGS_INSTANCE_TYPE = 'g5.xlarge';

/**
 * The GPU capacity the shared compute stack may ask EC2 for, at every fleet's
 * maximum size, against the two EC2 quotas that govern it. EC2 counts these
 * quotas in vCPUs per account and region, and a new account often has 0 of
 * either ("Amazon EC2 instance type quotas",
 * https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html):
 * the Whisper fleet runs on spot, the vLLM services on demand.
 * `npx projen preflight` compares these figures with the account's quotas.
 */
export const GPU_QUOTAS = {
  spot: { code: 'L-3819A6DF', name: 'All G and VT Spot Instance Requests' },
  onDemand: { code: 'L-DB2E81BA', name: 'Running On-Demand G and VT instances' },
} as const;

/** Fleet sizes the stack deploys (the constructs take them from here, so the quota check sees the same). */
export const GPU_FLEET_SIZES = {
  whisper: { min: 0, max: 8 },
  vllmChat: { min: 1, max: 2 },
  vllmEmbeddings: { min: 1, max: 2 },
} as const;

/** vCPUs of the G instance sizes the blueprint may name (EC2 instance type specifications). */
const G_INSTANCE_VCPUS: Readonly<Record<string, number>> = {
  'g4dn.xlarge': 4,
  'g4dn.2xlarge': 8,
  'g4dn.4xlarge': 16,
  'g4dn.8xlarge': 32,
  'g4dn.12xlarge': 48,
  'g4dn.16xlarge': 64,
  'g5.xlarge': 4,
  'g5.2xlarge': 8,
  'g5.4xlarge': 16,
  'g5.8xlarge': 32,
  'g5.12xlarge': 48,
  'g5.16xlarge': 64,
  'g5.24xlarge': 96,
  'g5.48xlarge': 192,
};

export const vcpusOf = (instanceType: string): number => {
  const vcpus = G_INSTANCE_VCPUS[instanceType];
  if (vcpus === undefined) throw new RangeError(`gpu capacity: no vCPU count known for ${instanceType}`);
  return vcpus;
};

export interface GpuQuotaDemand {
  readonly quotaCode: string;
  readonly quotaName: string;
  /** vCPUs needed with every fleet on this quota at its maximum size. */
  readonly vcpus: number;
  /** Which fleets, how many instances at most, of which type (the largest of a mixed fleet). */
  readonly fleets: readonly { readonly fleet: string; readonly maxInstances: number; readonly instanceType: string }[];
}

/** What the shared compute account needs of each GPU quota in its home region. */
export const gpuQuotaDemand = (blueprint: Blueprint): readonly GpuQuotaDemand[] => {
  const { gpu } = blueprint.sharedCompute;
  // A mixed-instances group may launch its largest type every time: size the quota for that.
  const whisperType = [...gpu.whisperInstanceTypes].sort((a, b) => vcpusOf(b) - vcpusOf(a))[0] as string;
  const spot = [{ fleet: 'Whisper', maxInstances: GPU_FLEET_SIZES.whisper.max, instanceType: whisperType }];
  const onDemand = [
    { fleet: 'vLLM chat', maxInstances: GPU_FLEET_SIZES.vllmChat.max, instanceType: gpu.vllmInstanceType },
    {
      fleet: 'vLLM embeddings',
      maxInstances: GPU_FLEET_SIZES.vllmEmbeddings.max,
      instanceType: EMBEDDINGS_INSTANCE_TYPE,
    },
  ];
  const total = (fleets: GpuQuotaDemand['fleets']) =>
    fleets.reduce((sum, f) => sum + f.maxInstances * vcpusOf(f.instanceType), 0);
  return [
    { quotaCode: GPU_QUOTAS.spot.code, quotaName: GPU_QUOTAS.spot.name, vcpus: total(spot), fleets: spot },
    {
      quotaCode: GPU_QUOTAS.onDemand.code,
      quotaName: GPU_QUOTAS.onDemand.name,
      vcpus: total(onDemand),
      fleets: onDemand,
    },
  ];
};
