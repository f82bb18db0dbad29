import { Stack } from 'aws-cdk-lib';
import {
  AnyPrincipal,
  CompositePrincipal,
  type IPrincipal,
  ManagedPolicy,
  PolicyDocument,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ROLE_NAMES, roleArn } from '../../config/index.js';
import { REACHES_CUSTOMER_DATA, type Workload } from '../../contracts/workloads.js';
import { chunk } from '../sharding.js';

/**
 * Customer role ARNs per managed policy: a managed policy holds at most 6,144
 * characters and one ARN takes about 60, so 80 leave room for the statement.
 * 125 customers (the peering limit) need two policies per role, within the
 * default quota of 10 managed policies per role.
 */
export const CUSTOMER_ROLE_ARNS_PER_POLICY = 80;

const WORKLOAD_PRINCIPALS: Readonly<Record<Workload, () => IPrincipal>> = {
  // The same connector program runs as the poller Lambda and as the Fargate worker.
  connectorWorker: () =>
    new CompositePrincipal(
      new ServicePrincipal('lambda.amazonaws.com'),
      new ServicePrincipal('ecs-tasks.amazonaws.com'),
    ),
  webhookHandler: () => new ServicePrincipal('lambda.amazonaws.com'),
  transcriptionWorker: () => new ServicePrincipal('ec2.amazonaws.com'),
  inferenceService: () => new ServicePrincipal('ec2.amazonaws.com'),
};

export interface WorkloadRolesProps {
  /**
   * Accounts of the dedicated customers; the workloads that reach customer
   * data may assume `panops-customer-data-access` in exactly these.
   */
  readonly customerAccounts: readonly string[];
}

/**
 * One IAM role per workload, named as `ROLE_NAMES` says so that customer
 * accounts can trust them by ARN. Each role starts empty; the constructs that
 * use a role grant it only what they need. Reaching customer data is one
 * permission: assuming the data-access role that each customer stack creates.
 */
export class WorkloadRoles extends Construct {
  readonly roles: Readonly<Record<Workload, Role>>;
  /** The managed policies that allow assuming the customers' data-access roles (none without customers). */
  readonly customerDataAccessPolicies: readonly ManagedPolicy[];
  /** The webhook handler's policies: assume the customers' write-only raw event roles, nothing more. */
  readonly rawEventWriterPolicies: readonly ManagedPolicy[];

  constructor(scope: Construct, id: string, props: WorkloadRolesProps) {
    super(scope, id);
    const role = (workload: Workload, description: string) =>
      new Role(this, workload, {
        roleName: ROLE_NAMES[workload],
        assumedBy: WORKLOAD_PRINCIPALS[workload](),
        description,
      });
    this.roles = {
      connectorWorker: role('connectorWorker', 'PanOps connector workers (poller Lambda, Fargate tasks)'),
      webhookHandler: role('webhookHandler', 'PanOps webhook handlers for push platforms'),
      transcriptionWorker: role('transcriptionWorker', 'PanOps Whisper transcription fleet'),
      inferenceService: role('inferenceService', 'PanOps vLLM inference service'),
    };
    const customerRoleArns = [...new Set(props.customerAccounts)]
      .sort()
      .map((account) => roleArn(account, ROLE_NAMES.customerDataAccess));
    const reaching = (Object.keys(this.roles) as Workload[]).filter((w) => REACHES_CUSTOMER_DATA[w]);
    this.customerDataAccessPolicies = chunk(customerRoleArns, CUSTOMER_ROLE_ARNS_PER_POLICY).map(
      (arns, index) =>
        new ManagedPolicy(this, `CustomerDataAccess${index + 1}`, {
          description: `Assume the data-access role of dedicated customer accounts (part ${index + 1})`,
          document: new PolicyDocument({
            statements: [new PolicyStatement({ actions: ['sts:AssumeRole'], resources: arns })],
          }),
          roles: reaching.map((w) => this.roles[w]),
        }),
    );
    const rawWriterArns = [...new Set(props.customerAccounts)]
      .sort()
      .map((account) => roleArn(account, ROLE_NAMES.webhookRawWriter));
    this.rawEventWriterPolicies = chunk(rawWriterArns, CUSTOMER_ROLE_ARNS_PER_POLICY).map(
      (arns, index) =>
        new ManagedPolicy(this, `WebhookRawEventWriters${index + 1}`, {
          description: `Webhook handler: assume the write-only raw event role of dedicated customer accounts (part ${index + 1})`,
          document: new PolicyDocument({
            statements: [new PolicyStatement({ actions: ['sts:AssumeRole'], resources: arns })],
          }),
          roles: [this.roles.webhookHandler],
        }),
    );
  }
}

export interface PeeringAccepterRoleProps {
  /** The shared compute VPC: the only VPC whose peering requests the role can accept. */
  readonly vpcId: string;
  /** The dedicated customers' accounts: the only principals trusted, and the only requesters accepted. */
  readonly customerAccounts: readonly string[];
}

/**
 * `panops-vpc-peering-accepter`: assumed by a dedicated customer's deployment
 * (CloudFormation's `PeerRoleArn`) to accept that customer's peering request
 * to the shared compute VPC, and to do nothing else. Trust is by account id
 * (`aws:PrincipalAccount`), which keeps the trust policy within its 2,048
 * characters up to the 125 peerings a VPC allows.
 */
export class PeeringAccepterRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: PeeringAccepterRoleProps) {
    super(scope, id);
    const accounts = [...new Set(props.customerAccounts)].sort();
    if (accounts.length === 0) throw new RangeError('PeeringAccepterRole: customerAccounts must not be empty');
    const { region, account } = Stack.of(this);
    this.role = new Role(this, 'Role', {
      roleName: ROLE_NAMES.peeringAccepter,
      description: 'Accepts dedicated customers VPC peering requests to the shared compute VPC',
      assumedBy: new AnyPrincipal().withConditions({ StringEquals: { 'aws:PrincipalAccount': accounts } }),
      inlinePolicies: {
        AcceptCustomerPeering: new PolicyDocument({
          statements: [
            new PolicyStatement({
              actions: ['ec2:AcceptVpcPeeringConnection'],
              resources: [`arn:aws:ec2:${region}:${account}:vpc-peering-connection/*`],
              conditions: {
                ArnEquals: { 'ec2:AccepterVpc': `arn:aws:ec2:${region}:${account}:vpc/${props.vpcId}` },
                ArnLike: { 'ec2:RequesterVpc': accounts.map((a) => `arn:aws:ec2:${region}:${a}:vpc/*`) },
              },
            }),
          ],
        }),
      },
    });
  }
}
