import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Annotations, type Duration } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, iam5 } from '../../common/acknowledge.js';
import { BUNDLED_HANDLER, bundledLambdaCode } from '../../common/lambda-code.js';
import { LAMBDA_VPC_ENI_ACTIONS } from '../../common/lambda-vpc.js';
import { encryptedLogGroup } from './encrypted-log-group.js';

/** The seed: Lambda connector workers get 512 MB to 1 GB. */
export const LAMBDA_MEMORY_RANGE_MB = { min: 512, max: 1024 } as const;

export interface VpcFunctionProps {
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** The workload's role (the function adds its log and network permissions to it). */
  readonly role: Role;
  readonly vpc: IVpc;
  readonly securityGroup: ISecurityGroup;
  /** More groups the workload joins (the inference clients' group for workers that call vLLM). @default none */
  readonly additionalSecurityGroups?: readonly ISecurityGroup[];
  /** Memory in MB, within 512–1024 (the seed). */
  readonly memorySize: number;
  readonly timeout: Duration;
  /** Concurrent executions reserved (and capped) for this function. */
  readonly reservedConcurrentExecutions: number;
  /** Where failed asynchronous invocations go after their retries. */
  readonly deadLetterQueue: IQueue;
  /** Retries of a failed asynchronous invocation before it goes to the dead-letter queue. @default 2 */
  readonly asyncRetryAttempts?: number;
  readonly environment: Record<string, string>;
  readonly logKey: IKey;
}

/** Roles that already carry the Lambda network-interface permissions. */
const rolesWithEniAccess = new WeakSet<Role>();

/**
 * A Lambda function in the shared compute VPC's private subnets, with its
 * own log group, a dead-letter queue and reserved concurrency: the shape the
 * seed and the guardrails require of every connector function. The code is
 * the services' handler, bundled once per App.
 */
export class VpcFunction extends Construct {
  readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, props: VpcFunctionProps) {
    super(scope, id);
    const { min, max } = LAMBDA_MEMORY_RANGE_MB;
    if (props.memorySize < min || props.memorySize > max)
      throw new RangeError(
        `VpcFunction ${id}: memorySize must be ${min}–${max} MB (the seed), got ${props.memorySize}`,
      );
    if (props.reservedConcurrentExecutions < 1)
      throw new RangeError(`VpcFunction ${id}: reservedConcurrentExecutions must be at least 1`);
    this.function = new LambdaFunction(this, 'Function', {
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      handler: BUNDLED_HANDLER,
      code: handlerCode(this, props.entry),
      role: props.role,
      memorySize: props.memorySize,
      timeout: props.timeout,
      vpc: props.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [props.securityGroup, ...(props.additionalSecurityGroups ?? [])],
      allowPublicSubnet: false,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      deadLetterQueueEnabled: true,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.asyncRetryAttempts ?? 2,
      environment: props.environment,
      logGroup: encryptedLogGroup(this, 'Logs', props.logKey),
    });
    if (!rolesWithEniAccess.has(props.role)) {
      rolesWithEniAccess.add(props.role);
      props.role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'LambdaVpcNetworkInterfaces',
          actions: [...LAMBDA_VPC_ENI_ACTIONS],
          resources: ['*'],
        }),
      );
      acknowledge(
        props.role,
        [iam5('Resource::*')],
        'Lambda in a VPC manages its network interfaces with EC2 actions that support no resource-level permissions (the actions of the AWSLambdaVPCAccessExecutionRole managed policy).',
      );
    }
    acknowledge(
      this.function,
      ['AwsSolutions::AwsSolutions-L1'],
      'The project runs Node.js 22 everywhere (tools, tests, bundles target node22): the function runs the runtime the code is tested on.',
    );
  }
}

/** The bundled handler; a missing entry (services not merged yet) fails deploy-time synth loudly. */
const handlerCode = (scope: Construct, entry: string): Code => {
  if (existsSync(resolve(entry))) return bundledLambdaCode(scope, entry);
  Annotations.of(scope).addError(`Lambda handler entry ${entry} does not exist; the function cannot be deployed`);
  return Code.fromInline(`exports.handler = async () => { throw new Error('handler ${entry} was not built'); };`);
};
