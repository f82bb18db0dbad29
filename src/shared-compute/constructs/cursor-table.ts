import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { EncryptedWithPlatformKey } from './platform-key.js';

/**
 * The cursor table's key design, shared with the services' cursor store
 * (src/services/cursor/dynamodb.ts): one item per (customer, connector, cursor
 * scope) under the partition key `pk` = `<customerId>#<connectorId>#<scope>`,
 * read with GetItem and advanced with a conditional PutItem on its version.
 * `expiresAt` (epoch seconds) lets DynamoDB drop cursors of removed connectors.
 */
export const CURSOR_TABLE_KEYS = { partitionKey: 'pk', ttlAttribute: 'expiresAt' } as const;

/** The connector delta-state table: on-demand, TTL, point-in-time recovery, customer-managed key. */
export class CursorTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: EncryptedWithPlatformKey) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: CURSOR_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: CURSOR_TABLE_KEYS.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.customerManagedKey(props.key),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /** Lets the grantee read and advance cursors (and use the key for it). */
  grantReadWriteData(grantee: IGrantable): Grant {
    return this.table.grantReadWriteData(grantee);
  }
}
