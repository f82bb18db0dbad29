import { Stack } from 'aws-cdk-lib';
import {
  BlockDeviceVolume,
  EbsDeviceVolumeType,
  type InstanceType,
  type ISecurityGroup,
  LaunchTemplate,
  LaunchTemplateHttpTokens,
  MachineImage,
  OperatingSystemType,
  UserData,
} from 'aws-cdk-lib/aws-ec2';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * AWS's Deep Learning Base AMI (Amazon Linux 2023, NVIDIA driver, Docker with
 * the NVIDIA container toolkit, AWS CLI), resolved by CloudFormation from its
 * public SSM parameter at deploy time: synth needs no lookup.
 */
export const GPU_AMI_SSM_PARAMETER =
  '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id';

export interface GpuLaunchTemplateProps {
  /** Instance role (an instance profile is created for it). */
  readonly role: Role;
  readonly securityGroup: ISecurityGroup;
  /** More groups the workload joins (the inference clients' group for workers that call vLLM). @default none */
  readonly additionalSecurityGroups?: readonly ISecurityGroup[];
  /** Shell commands run at boot (after `set -euo pipefail`). */
  readonly bootCommands: readonly string[];
  /** Root volume size; models and images live there. @default 100 GiB */
  readonly rootVolumeGiB?: number;
  /** Instance type, when the group does not override it (mixed instances do). */
  readonly instanceType?: InstanceType;
}

/**
 * The launch template every GPU instance starts from: encrypted gp3 root
 * volume, IMDSv2 required (hop limit 2 so containers reach it), no public IP,
 * detailed monitoring, the workload's role.
 */
export class GpuLaunchTemplate extends Construct {
  readonly launchTemplate: LaunchTemplate;

  constructor(scope: Construct, id: string, props: GpuLaunchTemplateProps) {
    super(scope, id);
    const userData = UserData.forLinux({ shebang: '#!/bin/bash' });
    userData.addCommands('set -euo pipefail', ...props.bootCommands);
    this.launchTemplate = new LaunchTemplate(this, 'Template', {
      machineImage: MachineImage.fromSsmParameter(GPU_AMI_SSM_PARAMETER, { os: OperatingSystemType.LINUX }),
      userData,
      role: props.role,
      securityGroup: props.securityGroup,
      associatePublicIpAddress: false,
      requireImdsv2: true,
      httpTokens: LaunchTemplateHttpTokens.REQUIRED,
      httpEndpoint: true,
      httpPutResponseHopLimit: 2,
      detailedMonitoring: true,
      ...(props.instanceType ? { instanceType: props.instanceType } : {}),
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: BlockDeviceVolume.ebs(props.rootVolumeGiB ?? 100, {
            encrypted: true,
            volumeType: EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });
    for (const group of props.additionalSecurityGroups ?? []) this.launchTemplate.addSecurityGroup(group);
  }
}

/** Boot commands that log Docker in to this account's ECR registry. */
export const ecrLoginCommands = (scope: Construct): string[] => {
  const { account, region, urlSuffix } = Stack.of(scope);
  return [
    `aws ecr get-login-password --region ${region} | docker login --username AWS --password-stdin ${account}.dkr.ecr.${region}.${urlSuffix}`,
  ];
};

/** Docker's awslogs driver options for a container writing to a log group. */
export const awslogsOptions = (scope: Construct, logGroupName: string, streamPrefix: string): string =>
  `--log-driver awslogs --log-opt awslogs-region=${Stack.of(scope).region} --log-opt awslogs-group=${logGroupName} --log-opt awslogs-stream=${streamPrefix}-$(cat /sys/devices/virtual/dmi/id/board_asset_tag 2>/dev/null || hostname)`;
