import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type IVpc, Peer, Port, SecurityGroup, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../common/acknowledge.js';
import { BUNDLED_HANDLER, bundledLambdaCode } from '../common/lambda-code.js';
import { LAMBDA_VPC_ENI_ACTIONS } from '../common/lambda-vpc.js';
import { writeToLogGroup } from '../common/log-writer.js';
import { ROLE_NAMES } from '../config/index.js';
import type { CustomerKey } from './customer-key.js';
import { appMigrationBundle, type MigrationBundle } from './migration-sources.js';
import type { TenantDatabase } from './tenant-database.js';
import { tagRole } from './tenant-tags.js';

/** The handler module, bundled once per App for every customer stack. */
export const MIGRATION_HOOK_ENTRY = 'src/data-plane/migration-hook/handler.ts';

export interface MigrationHookProps {
  readonly vpc: IVpc;
  /** Subnets of the function (the isolated ones: it reaches the database, Secrets Manager and S3 privately). */
  readonly subnets: SubnetSelection;
  readonly database: TenantDatabase;
  readonly key: CustomerKey;
  /** Login role of the services that the migrations create and grant `rds_iam`. */
  readonly appRole: string;
  /**
   * A dedicated database's customer (the blueprint's id): the hook binds the
   * database to it after migrating (sql/0010), so the database refuses every
   * other customer. Absent for the pooled cluster, which is never bound.
   */
  readonly bindToCustomer?: string;
  /** The migrations to apply; a change re-runs them. @default the files of `sql/` */
  readonly migrations?: MigrationBundle;
  /** Longest run of the migrations. @default 10 minutes */
  readonly timeout?: Duration;
  /** Retention of the function's log. @default one year */
  readonly logRetention?: RetentionDays;
}

/**
 * Runs the database migrations at deploy time, so a freshly deployed customer
 * database already has the RLS schema: a custom resource whose Lambda (in the
 * isolated VPC, one at a time) reads the RDS-managed master secret and
 * migrates the writer, again whenever the schema fingerprint changes; a
 * dedicated customer's database is then bound to that customer.
 * CloudFormation invokes the function directly (no provider framework, no
 * Lambda outside the VPC) and the answer goes out through the S3 endpoint.
 */
export class MigrationHook extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly resource: CustomResource;
  readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: MigrationHookProps) {
    super(scope, id);
    const { database, key } = props;
    const migrations = props.migrations ?? appMigrationBundle(this);
    const { region, account } = Stack.of(this);

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Migration hook: PostgreSQL to the database, HTTPS to AWS endpoints',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(
      database.securityGroup,
      Port.tcp(database.port),
      'PostgreSQL to the customer database',
    );
    // HTTPS leaves only through the VPC's routes: the interface endpoints and the S3 gateway
    // endpoint (no internet route exists). S3's addresses are a prefix list unknown at synth.
    this.securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'HTTPS to VPC endpoints (Secrets Manager, S3)');
    database.allowFrom(this.securityGroup, 'Migration hook');

    const logGroup = new LogGroup(this, 'LogGroup', {
      encryptionKey: key.encryptionKey,
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new Role(this, 'Role', {
      roleName: ROLE_NAMES.migrationRunner,
      assumedBy: new ServicePrincipal('lambda.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': account },
      }),
      description: "PanOps migration hook: migrates this account's database at deploy time",
    });
    const policy = new ManagedPolicy(this, 'Policy', {
      roles: [this.role],
      description: 'Migration hook: its log, its network interfaces, the master secret',
      statements: [
        writeToLogGroup(logGroup.logGroupArn, 'OwnLog'),
        // Lambda manages the function's network interfaces with the execution role; EC2's
        // describe actions take no resource, so the statement is limited to the region instead.
        new PolicyStatement({
          sid: 'VpcNetworkInterfaces',
          actions: [...LAMBDA_VPC_ENI_ACTIONS],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:RequestedRegion': region } },
        }),
        new PolicyStatement({
          sid: 'MasterSecret',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [database.masterSecretArn],
        }),
        new PolicyStatement({
          sid: 'CustomerKeyThroughSecretsManagerAndLambda',
          actions: ['kms:Decrypt'],
          resources: [key.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': [`secretsmanager.${region}.amazonaws.com`, `lambda.${region}.amazonaws.com`],
            },
          },
        }),
      ],
    });
    acknowledge(
      policy,
      ['AwsSolutions::AwsSolutions-IAM5[Resource::*]'],
      'A VPC Lambda’s execution role must create and describe its network interfaces; EC2 does not scope these actions to resources, so they are limited to this region by condition.',
    );
    key.allow({
      sid: 'MigrationHookReadsMasterSecret',
      principal: this.role,
      actions: ['kms:Decrypt'],
      viaServices: ['secretsmanager', 'lambda'],
    });

    this.function = new LambdaFunction(this, 'Function', {
      description: 'PanOps migration hook: applies sql/ migrations to the customer database',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      handler: BUNDLED_HANDLER,
      code: bundledLambdaCode(this, MIGRATION_HOOK_ENTRY),
      role: this.role,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [this.securityGroup],
      allowPublicSubnet: false,
      timeout: props.timeout ?? Duration.minutes(10),
      memorySize: 512,
      // Migrations never run concurrently against one database.
      reservedConcurrentExecutions: 1,
      environmentEncryption: key.encryptionKey,
      // Loads the RDS CA certificates that the Lambda runtime ships, so TLS to Aurora is verified.
      environment: { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' },
      logGroup,
      tracing: Tracing.DISABLED,
    });
    this.function.node.addDependency(policy);
    acknowledge(
      this.function,
      ['NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ'],
      'CloudFormation invokes the hook and waits for its answer: a failure fails the deployment, visibly, and the event is re-sent on the next deploy; a dead-letter queue would hold events nobody replays.',
    );

    acknowledge(
      this.function,
      ['AwsSolutions::AwsSolutions-L1'],
      'The project runs one Node version everywhere (Node 22: tooling, tests, the esbuild target and nodejs22.x, a supported Lambda runtime); Lambda moves with the toolchain, not alone.',
    );

    this.resource = new CustomResource(this, 'Migrations', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::PanOpsMigrations',
      properties: {
        Migrations: migrations.sources.map(({ name, text }) => ({ Name: name, Text: text })),
        SecretArn: database.masterSecretArn,
        Host: database.cluster.clusterEndpoint.hostname,
        Port: String(database.port),
        Database: database.databaseName,
        AppRole: props.appRole,
        SchemaFingerprint: migrations.fingerprint,
        ...(props.bindToCustomer === undefined ? {} : { CustomerId: props.bindToCustomer }),
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The writer must be up, and the endpoints reachable, before the migrations run.
    this.resource.node.addDependency(database.cluster, props.vpc);
    tagRole(this, 'migration-hook');
  }
}
