import { ArnFormat, Stack } from 'aws-cdk-lib';
import { type IRole, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { ParameterDataType, ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { LOCATION_LEAVES, type LocationLeaf, locationParameterNames } from '../contracts/directory.js';
import { tagRole } from './tenant-tags.js';

export interface PublishedLocationsProps {
  /** Root of the parameters: `DIRECTORY_PARAMETERS.customerRoot` in a customer account, `.pooledRoot` in the pooled-data account. */
  readonly root: string;
  /** The archive bucket. */
  readonly archiveBucket: IBucket;
  /** The key archive objects are encrypted with. */
  readonly archiveKey: IKey;
  /** Writer endpoint of the cluster (a token: known after deploy). */
  readonly databaseEndpoint: string;
  readonly databasePort: number;
  readonly databaseName: string;
  /** The workloads' login role. */
  readonly databaseUser: string;
  /** The data-access role that reads these parameters (with exactly these ARNs). */
  readonly reader: IRole;
  /**
   * The reader's existing permissions policy, to add the read statement to
   * instead of attaching a policy of its own (keeps a role's permissions in
   * one document). @default a managed policy of its own, attached to `reader`
   */
  readonly readerPolicy?: ManagedPolicy;
}

const DESCRIPTIONS: Readonly<Record<LocationLeaf, string>> = {
  archiveBucket: 'PanOps: archive bucket name',
  archiveKeyArn: 'PanOps: KMS key ARN every archive object is encrypted with',
  databaseEndpoint: 'PanOps: Aurora writer endpoint',
  databasePort: 'PanOps: PostgreSQL port',
  databaseName: 'PanOps: database name',
  databaseUser: 'PanOps: login role of the shared compute workloads',
  databaseAuth: 'PanOps: how that role logs in (iam: IAM database authentication token)',
};

/**
 * The data account's half of the customer directory: where its archive and
 * database are, as SSM String parameters under one root, in its own account.
 * Bucket and cluster names are chosen by CloudFormation and known only after
 * deploy, so the shared compute account cannot hold them; the workers read
 * them through the data-access role, which may read exactly these
 * parameters (by ARN, no wildcard) and nothing else in SSM. None of them is a
 * secret: the database login is an IAM token made with the same role.
 */
export class PublishedLocations extends Construct {
  readonly parameters: Readonly<Record<LocationLeaf, StringParameter>>;
  readonly readPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: PublishedLocationsProps) {
    super(scope, id);
    const names = locationParameterNames(props.root);
    const values: Readonly<Record<LocationLeaf, string>> = {
      archiveBucket: props.archiveBucket.bucketName,
      archiveKeyArn: props.archiveKey.keyArn,
      databaseEndpoint: props.databaseEndpoint,
      databasePort: String(props.databasePort),
      databaseName: props.databaseName,
      databaseUser: props.databaseUser,
      databaseAuth: 'iam',
    };
    this.parameters = Object.fromEntries(
      (Object.keys(LOCATION_LEAVES) as LocationLeaf[]).map((leaf) => [
        leaf,
        new StringParameter(this, leaf, {
          parameterName: names[leaf],
          stringValue: values[leaf],
          description: DESCRIPTIONS[leaf],
          tier: ParameterTier.STANDARD,
          dataType: ParameterDataType.TEXT,
          simpleName: false,
        }),
      ]),
    ) as Record<LocationLeaf, StringParameter>;
    const read = new PolicyStatement({
      sid: 'ReadPublishedLocations',
      actions: ['ssm:GetParameters', 'ssm:GetParameter'],
      // Literal names rather than the parameters' Refs: the policy reads the same in the template and the report.
      resources: (Object.keys(LOCATION_LEAVES) as LocationLeaf[]).map((leaf) =>
        Stack.of(this).formatArn({
          service: 'ssm',
          resource: 'parameter',
          resourceName: names[leaf].replace(/^\//, ''),
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ),
    });
    this.readPolicy =
      props.readerPolicy ??
      new ManagedPolicy(this, 'ReadLocations', {
        roles: [props.reader],
        description: 'PanOps workloads: read where this account keeps the archive and the database',
      });
    this.readPolicy.addStatements(read);
    tagRole(this, 'published-locations');
  }
}
