import type { CfnResource } from 'aws-cdk-lib';
import { ParameterDataType, ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { chainInLanes } from '../../common/dependency-lanes.js';
import { directoryEntryName } from '../../contracts/directory.js';
import type { DirectoryEntry } from '../../services/directory/customer-directory.js';

export interface CustomerDirectoryEntriesProps {
  readonly entries: readonly DirectoryEntry[];
  /** Parameters CloudFormation writes at once. @default 3 */
  readonly concurrentWrites?: number;
}

/**
 * The shared compute account's half of the customer directory: one String
 * parameter `/panops/customers/<id>` per customer, holding the entry JSON
 * (tier, account, region, data-access role; about 300 bytes, far under the
 * 4 KB of a standard parameter). Nothing secret is in it.
 */
export class CustomerDirectoryEntries extends Construct {
  readonly parameters: readonly StringParameter[];

  constructor(scope: Construct, id: string, props: CustomerDirectoryEntriesProps) {
    super(scope, id);
    this.parameters = props.entries.map(
      (entry) =>
        new StringParameter(this, entry.customerId, {
          parameterName: directoryEntryName(entry.customerId),
          stringValue: JSON.stringify(entry),
          description: `PanOps customer directory: ${entry.slug} (${entry.tier})`,
          tier: ParameterTier.STANDARD,
          dataType: ParameterDataType.TEXT,
          simpleName: false,
        }),
    );
    chainInLanes(
      this.parameters.map((p) => p.node.defaultChild as CfnResource),
      props.concurrentWrites ?? 3,
    );
  }
}
