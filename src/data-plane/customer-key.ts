import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import {
  AccountRootPrincipal,
  type AddToResourcePolicyResult,
  AnyPrincipal,
  Effect,
  type IPrincipal,
  PolicyDocument,
  PolicyStatement,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { tagRole } from './tenant-tags.js';

/** Key administration, without any cryptographic use: the customer account's administrators keep control. */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:CreateGrant',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
] as const;

/** A PanOps role and the key operations it uses, only through the AWS services named. */
export interface KeyUser {
  /** Statement id in the key policy (letters and digits). */
  readonly sid: string;
  readonly principal: IPrincipal;
  /** Exactly the operations the principal uses; no wildcards. */
  readonly actions: readonly string[];
  /** Service prefixes (`s3`, `secretsmanager`, `rds`, `lambda`) the key may be used through (`kms:ViaService`). */
  readonly viaServices: readonly string[];
}

/** A role's use of the key through S3, limited to the objects under one key prefix. */
export interface S3PrefixKeyUse {
  /** Statement id in the role's policy. */
  readonly identitySid: string;
  /** Statement id in the key policy. */
  readonly keyPolicySid: string;
  readonly principal: IPrincipal;
  readonly actions: readonly string[];
  /** The key prefix (policy variables allowed), e.g. `customers/${aws:PrincipalTag/...}/`. */
  readonly prefix: string;
  /** The objects' ARN in the role's own bucket (`bucket.arnForObjects(prefix + '*')`). */
  readonly objectsArn: string;
}

/**
 * The key-policy grant matches object ARNs with StringLike (any bucket, the
 * prefix, then anything): a `*` or `?` in the prefix itself (outside a policy
 * variable) would widen it past the prefix, to other customers' objects in a
 * pooled bucket. The prefix must be
 * a folder (ending in `/`) written out, policy variables allowed, no token.
 */
const assertLiteralPrefix = (path: string, prefix: string): void => {
  const problem = Token.isUnresolved(prefix)
    ? 'is a token, so the key policy cannot be checked to stop at it'
    : prefix === '' || !prefix.endsWith('/')
      ? 'must name a folder, ending in "/"'
      : /[*?]/.test(prefix.replace(/\$\{[^}]*\}/g, ''))
        ? 'holds a wildcard (* or ?) outside a policy variable, which would widen the grant past the prefix'
        : undefined;
  if (problem) throw new Error(`${path}: allowThroughS3ForPrefix: prefix ${JSON.stringify(prefix)} ${problem}`);
};

export interface CustomerKeyProps {
  /** Alias without the `alias/` prefix, e.g. `panops/acme-capital`. */
  readonly alias: string;
  /** PanOps roles that use the key, each with exactly its operations. @default none */
  readonly users?: readonly KeyUser[];
  /** Days the key waits after a deletion request (7–30). @default 30 */
  readonly pendingWindowDays?: number;
  /** Days between automatic rotations (90–2560). @default 365 */
  readonly rotationPeriodDays?: number;
  /** The key's description. @default says it is this customer account's key */
  readonly description?: string;
}

/**
 * The customer-managed symmetric key of one customer account: every bucket,
 * log group, database and secret of the account is encrypted with it. The key
 * policy is written out statement by statement: the account's administrators
 * administer the key (no cryptographic use), AWS services the account uses get
 * the operations they need scoped to this account, and each PanOps role gets
 * only the operations it uses, only through the service it uses.
 */
export class CustomerKey extends Construct {
  /** The KMS key, for the `encryptionKey` props of the resources it encrypts. */
  readonly encryptionKey: Key;

  constructor(scope: Construct, id: string, props: CustomerKeyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { account, region, partition } = stack;
    const trails = `arn:${partition}:cloudtrail:*:${account}:trail/*`;
    /** CloudTrail's use of the key, for this account's trails only (`trailKey` names the condition key that says so). */
    const cloudTrailUse = (sid: string, action: string, trailKey: string) =>
      new PolicyStatement({
        sid,
        principals: [new ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: [action],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account }, StringLike: { [trailKey]: trails } },
      });
    const policy = new PolicyDocument({
      statements: [
        new PolicyStatement({
          sid: 'KeyAdministration',
          principals: [new AccountRootPrincipal()],
          actions: [...KEY_ADMIN_ACTIONS],
          resources: ['*'],
        }),
        // Grants exist only for AWS services acting on resources (RDS, Secrets Manager, Lambda):
        // nobody can hand a person or another account a standing grant on the customer key.
        new PolicyStatement({
          sid: 'GrantsOnlyForAwsResources',
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: ['kms:CreateGrant'],
          resources: ['*'],
          conditions: {
            BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
          },
        }),
        // AWS services that encrypt on the account's behalf (RDS storage and managed secret,
        // Performance Insights, Lambda environment) act with the caller's grants: they may use
        // the key for this account only, and only through those services.
        new PolicyStatement({
          sid: 'AccountUseThroughAwsServices',
          principals: [new AccountRootPrincipal()],
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
          resources: ['*'],
          conditions: {
            StringEquals: {
              'kms:CallerAccount': account,
              'kms:ViaService': ['rds', 'secretsmanager', 'lambda'].map((s) => `${s}.${region}.amazonaws.com`),
            },
          },
        }),
        // CloudTrail's three required sections, each as its documentation writes it:
        // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
        cloudTrailUse('CloudTrailEncryptLogs', 'kms:GenerateDataKey', 'kms:EncryptionContext:aws:cloudtrail:arn'),
        // DescribeKey carries no encryption context: under the condition above it could never be allowed.
        cloudTrailUse('CloudTrailDescribeKey', 'kms:DescribeKey', 'aws:SourceArn'),
        // The trail bucket uses an S3 Bucket Key: creating or updating the trail needs kms:Decrypt,
        // whose encryption context is then the bucket's ARN, not the trail's.
        cloudTrailUse('CloudTrailDecryptForBucketKey', 'kms:Decrypt', 'aws:SourceArn'),
        // Auditors in the account can read (and validate) the trail's log files.
        new PolicyStatement({
          sid: 'AccountDecryptTrailLogs',
          principals: [new AccountRootPrincipal()],
          actions: ['kms:Decrypt'],
          resources: ['*'],
          conditions: {
            StringEquals: { 'kms:CallerAccount': account },
            StringLike: {
              'kms:EncryptionContext:aws:cloudtrail:arn': trails,
            },
          },
        }),
        new PolicyStatement({
          sid: 'CloudWatchLogsEncryptLogGroups',
          principals: [new ServicePrincipal(`logs.${region}.amazonaws.com`)],
          actions: [
            'kms:Encrypt',
            'kms:Decrypt',
            'kms:ReEncryptFrom',
            'kms:ReEncryptTo',
            'kms:GenerateDataKey',
            'kms:DescribeKey',
          ],
          resources: ['*'],
          conditions: {
            ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` },
          },
        }),
        // S3 server access logs into the SSE-KMS log bucket.
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
        new PolicyStatement({
          sid: 'S3ServerAccessLogsEncrypt',
          principals: [new ServicePrincipal('logging.s3.amazonaws.com')],
          actions: ['kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': account } },
        }),
        // VPC flow logs into the SSE-KMS log bucket (the operations the flow log documentation lists).
        // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-S3.html#AWS-logs-SSE-KMS-S3
        new PolicyStatement({
          sid: 'FlowLogDeliveryEncrypt',
          principals: [new ServicePrincipal('delivery.logs.amazonaws.com')],
          actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': account } },
        }),
      ],
    });
    this.encryptionKey = new Key(this, 'Key', {
      description:
        props.description ??
        `PanOps customer key (${props.alias}): archives, database, secrets, logs and trail of this account`,
      alias: props.alias,
      keySpec: KeySpec.SYMMETRIC_DEFAULT,
      keyUsage: KeyUsage.ENCRYPT_DECRYPT,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(props.rotationPeriodDays ?? 365),
      pendingWindow: Duration.days(props.pendingWindowDays ?? 30),
      enabled: true,
      multiRegion: false,
      policy,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const user of props.users ?? []) this.allow(user);
    tagRole(this, 'customer-key');
  }

  /** Adds one PanOps role to the key policy with exactly its operations, through the named services only. */
  allow(user: KeyUser): void {
    if (user.actions.some((action) => action.includes('*'))) {
      throw new Error(
        `CustomerKey.allow(${user.sid}): actions must be named one by one, got ${user.actions.join(', ')}`,
      );
    }
    const { region } = Stack.of(this);
    this.grantInKeyPolicy(user.sid, user.principal, user.actions, {
      StringEquals: { 'kms:ViaService': user.viaServices.map((s) => `${s}.${region}.amazonaws.com`) },
    });
  }

  /**
   * Lets a role use the key through S3 for the objects under one key prefix
   * only. Returns the statement for the role's own policy (this key, the
   * objects' ARN); the key policy gets the same grant with a bucket wildcard,
   * since the bucket's name depends on the key.
   */
  allowThroughS3ForPrefix(use: S3PrefixKeyUse): PolicyStatement {
    assertLiteralPrefix(this.node.path, use.prefix);
    const { region, partition } = Stack.of(this);
    const viaS3 = { 'kms:ViaService': `s3.${region}.amazonaws.com` };
    this.grantInKeyPolicy(use.keyPolicySid, use.principal, use.actions, {
      StringEquals: viaS3,
      StringLike: { 'kms:EncryptionContext:aws:s3:arn': `arn:${partition}:s3:::*/${use.prefix}*` },
    });
    return new PolicyStatement({
      sid: use.identitySid,
      actions: [...use.actions],
      resources: [this.keyArn],
      conditions: { StringEquals: viaS3, StringLike: { 'kms:EncryptionContext:aws:s3:arn': use.objectsArn } },
    });
  }

  get keyArn(): string {
    return this.encryptionKey.keyArn;
  }

  /** A key-policy statement: `principal` may use this key (`*` in a key policy) for `actions` under `conditions`. */
  private grantInKeyPolicy(
    sid: string,
    principal: IPrincipal,
    actions: readonly string[],
    conditions: Record<string, unknown>,
  ): void {
    this.addToResourcePolicy(
      new PolicyStatement({ sid, principals: [principal], actions: [...actions], resources: ['*'], conditions }),
    );
  }

  /** Adds a statement to the key policy as written (prefer `allow` for a PanOps role used through a service). */
  addToResourcePolicy(statement: PolicyStatement): AddToResourcePolicyResult {
    return this.encryptionKey.addToResourcePolicy(statement);
  }
}
