import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type IConnectable, type IVpc, Peer, Port, SecurityGroup, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  AuroraPostgresEngineVersion,
  CaCertificate,
  type CfnDBCluster,
  ClusterInstance,
  Credentials,
  DatabaseCluster,
  DatabaseClusterEngine,
  DBClusterStorageType,
  NetworkType,
  ParameterGroup,
} from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { acknowledge, findingEnv } from '../common/acknowledge.js';
import { AWS_LIMITS } from '../config/index.js';
import { tagRole } from './tenant-tags.js';

/** Aurora PostgreSQL 15 (the seed), pinned to a minor version so an upgrade is a reviewed change. */
export const TENANT_ENGINE_VERSION = AuroraPostgresEngineVersion.VER_15_12;

/** Extensions the migrations may create: pgvector (semantic search) and pg_trgm (text search). */
export const DEFAULT_ALLOWED_EXTENSIONS = ['vector', 'pg_trgm'] as const;

export interface TenantDatabaseProps {
  readonly vpc: IVpc;
  /** Subnets of the cluster (the isolated ones). */
  readonly subnets: SubnetSelection;
  /** Zones of the writer and of the reader; they must differ. */
  readonly writerAvailabilityZone: string;
  readonly readerAvailabilityZone: string;
  /** The customer key: storage, managed master secret, Performance Insights and exported logs. */
  readonly encryptionKey: IKey;
  /** Serverless v2 capacity range in ACUs (the customer's file; 0.5–8 per customer account). */
  readonly capacity: { readonly min: number; readonly max: number };
  /**
   * The range `capacity` must fall within: the pooled cluster shares up to 16 ACU across tenants.
   * @default AWS_LIMITS.dedicatedAcu (0.5–8 per customer account)
   */
  readonly capacityLimits?: { readonly min: number; readonly max: number };
  /** Stable cluster identifier (names the exported log group). */
  readonly clusterIdentifier: string;
  /** CIDRs admitted on the database port (shared compute only). */
  readonly allowedCidrs: readonly string[];
  /** Database created with the cluster. */
  readonly databaseName: string;
  /** Master user; RDS manages and rotates its password in Secrets Manager. */
  readonly adminUser: string;
  /** PostgreSQL port. */
  readonly port: number;
  /** Days of automated backups (kept in this account). @default 7 */
  readonly backupRetentionDays?: number;
  /** Extensions `rds.allowed_extensions` lets the migrations create. @default vector, pg_trgm */
  readonly allowedExtensions?: readonly string[];
  /** Retention of the exported PostgreSQL log. @default one year */
  readonly logRetention?: RetentionDays;
}

/**
 * The customer's dedicated Aurora Serverless v2 PostgreSQL 15 cluster: a
 * writer and a reader in another zone, storage and master secret encrypted
 * with the customer key, 7-day automated backups in this account, deletion
 * protection, IAM database authentication, TLS required, pgvector and pg_trgm
 * allowed, the PostgreSQL log exported to an encrypted log group. Reachable
 * only from the shared compute CIDR (and the security groups granted with
 * `allowFrom`).
 */
export class TenantDatabase extends Construct {
  readonly cluster: DatabaseCluster;
  readonly securityGroup: SecurityGroup;
  readonly port: number;
  readonly databaseName: string;
  /** ARN of the RDS-managed master user secret. */
  readonly masterSecretArn: string;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: TenantDatabaseProps) {
    super(scope, id);
    const { min, max } = props.capacity;
    const limits = props.capacityLimits ?? AWS_LIMITS.dedicatedAcu;
    if (!(min >= limits.min && max <= limits.max && min <= max)) {
      throw new RangeError(
        `TenantDatabase: capacity ${min}–${max} ACU is outside ${limits.min}–${limits.max} ACU or inverted`,
      );
    }
    if (props.writerAvailabilityZone === props.readerAvailabilityZone) {
      throw new RangeError(
        `TenantDatabase: the reader must be in a second zone, both are ${props.writerAvailabilityZone}`,
      );
    }
    this.port = props.port;
    this.databaseName = props.databaseName;
    const engine = DatabaseClusterEngine.auroraPostgres({ version: TENANT_ENGINE_VERSION });

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Aurora: PostgreSQL from shared compute (and the migration hook) only',
      allowAllOutbound: false,
    });
    for (const cidr of props.allowedCidrs) {
      this.securityGroup.addIngressRule(Peer.ipv4(cidr), Port.tcp(props.port), `PostgreSQL from ${cidr}`);
    }

    const parameterGroup = new ParameterGroup(this, 'ClusterParameters', {
      engine,
      description: 'PanOps tenant database: TLS only, pgvector and pg_trgm allowed',
      parameters: {
        'rds.force_ssl': '1',
        'rds.allowed_extensions': (props.allowedExtensions ?? DEFAULT_ALLOWED_EXTENSIONS).join(','),
        log_connections: '1',
        log_disconnections: '1',
      },
    });

    // Created before the cluster, so the exported log is encrypted with the customer key and expires.
    // RDS fixes its name, so it is kept except when the create that made it rolls back
    // (RetainExceptOnCreate): a retry after a failed first deploy finds the name free.
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
    this.logGroup = new LogGroup(this, 'PostgresLog', {
      logGroupName: `/aws/rds/cluster/${props.clusterIdentifier}/postgresql`,
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    const instance = (az: string) => ({
      availabilityZone: az,
      publiclyAccessible: false,
      autoMinorVersionUpgrade: true,
      allowMajorVersionUpgrade: false,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: props.encryptionKey,
      caCertificate: CaCertificate.RDS_CA_RSA2048_G1,
    });
    this.cluster = new DatabaseCluster(this, 'Cluster', {
      engine,
      clusterIdentifier: props.clusterIdentifier,
      writer: ClusterInstance.serverlessV2('Writer', instance(props.writerAvailabilityZone)),
      readers: [
        ClusterInstance.serverlessV2('Reader', { ...instance(props.readerAvailabilityZone), scaleWithWriter: true }),
      ],
      serverlessV2MinCapacity: min,
      serverlessV2MaxCapacity: max,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [this.securityGroup],
      port: props.port,
      defaultDatabaseName: props.databaseName,
      credentials: Credentials.fromUsername(props.adminUser, { encryptionKey: props.encryptionKey }),
      manageMasterUserPassword: true,
      storageEncrypted: true,
      storageEncryptionKey: props.encryptionKey,
      storageType: DBClusterStorageType.AURORA,
      backup: { retention: Duration.days(props.backupRetentionDays ?? 7), preferredWindow: '03:00-04:00' },
      preferredMaintenanceWindow: 'sun:05:00-sun:06:00',
      copyTagsToSnapshot: true,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      iamAuthentication: true,
      enableDataApi: false,
      parameterGroup,
      cloudwatchLogsExports: ['postgresql'],
      monitoringInterval: Duration.seconds(60),
      monitoringRole: this.monitoringRole(),
      networkType: NetworkType.IPV4,
    });
    this.cluster.node.addDependency(this.logGroup);
    acknowledge(
      this.cluster,
      ['NIST.800.53.R5::NIST.800.53.R5-RDSInBackupPlan'],
      'Aurora backs up the cluster, not its instances: automated backups with 7-day retention (the seed), kept in this account and encrypted with the customer key, cover the writer and the reader.',
    );
    this.masterSecretArn = (this.cluster.node.defaultChild as CfnDBCluster).attrMasterUserSecretSecretArn;
    tagRole(this, 'tenant-database');
  }

  /** Admits a security group (for example the migration hook's) on the database port. */
  allowFrom(peer: IConnectable, description: string): void {
    this.cluster.connections.allowFrom(peer, Port.tcp(this.port), description);
  }

  /** ARN for `rds-db:connect` as one database user through IAM authentication. */
  iamConnectArn(user: string): string {
    const { partition, region, account } = Stack.of(this);
    return `arn:${partition}:rds-db:${region}:${account}:dbuser:${this.cluster.clusterResourceIdentifier}/${user}`;
  }

  /** Enhanced monitoring role: a customer-managed policy instead of the AWS-managed one, scoped to RDS's metrics log group. */
  private monitoringRole(): Role {
    const { partition, region, account } = Stack.of(this);
    const role = new Role(this, 'MonitoringRole', {
      assumedBy: new ServicePrincipal('monitoring.rds.amazonaws.com'),
      description: 'RDS enhanced monitoring: writes OS metrics to the RDSOSMetrics log group',
    });
    const metricsLogGroup = `arn:${partition}:logs:${region}:${account}:log-group:RDSOSMetrics`;
    const policy = new ManagedPolicy(this, 'MonitoringPolicy', {
      roles: [role],
      description: 'RDS enhanced monitoring (the actions of AmazonRDSEnhancedMonitoringRole, scoped)',
      statements: [
        new PolicyStatement({
          sid: 'MetricsLogGroup',
          actions: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'],
          resources: [metricsLogGroup],
        }),
        new PolicyStatement({
          sid: 'MetricsLogStreams',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:GetLogEvents'],
          resources: [`${metricsLogGroup}:log-stream:*`],
        }),
      ],
    });
    const env = findingEnv(this);
    acknowledge(
      policy,
      [
        `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${env.region}:${env.account}:log-group:RDSOSMetrics:log-stream:*]`,
      ],
      'RDS names one log stream per instance resource id in its RDSOSMetrics log group; the statement is limited to that one log group.',
    );
    return role;
  }
}
