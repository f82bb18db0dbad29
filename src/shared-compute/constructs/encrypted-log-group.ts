import { RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** Log retention of every shared compute log group: one year, for incident review and audits. */
export const LOG_RETENTION = RetentionDays.ONE_YEAR;

/** A log group with the platform key and the platform retention, both set explicitly. */
export const encryptedLogGroup = (scope: Construct, id: string, key: IKey, retention = LOG_RETENTION): LogGroup =>
  new LogGroup(scope, id, { encryptionKey: key, retention, removalPolicy: RemovalPolicy.RETAIN });
