import type { CfnResource } from 'aws-cdk-lib';
import { Stack } from 'aws-cdk-lib';
import { CfnDBCluster } from 'aws-cdk-lib/aws-rds';
import { NagRuleCompliance, NagRules } from 'cdk-nag';
import type { PanOpsNagRule } from '../panops-rule.js';

/** The seed's minimum: Aurora automated backups kept for 7 days. */
export const MIN_BACKUP_RETENTION_DAYS = 7;

/** An Aurora cluster sets its backup retention explicitly, to at least 7 days (the default is 1). */
export const AuroraBackupRetentionSevenDays: PanOpsNagRule = {
  id: 'AuroraBackupRetentionSevenDays',
  info: `The Aurora cluster keeps automated backups for fewer than ${MIN_BACKUP_RETENTION_DAYS} days, or leaves the retention to the engine default (1 day).`,
  explanation: 'The seed: Aurora automated backups, 7-day retention, stored in the customer account.',
  check: (node: CfnResource) => {
    if (!(node instanceof CfnDBCluster)) return NagRuleCompliance.NOT_APPLICABLE;
    const retention = NagRules.resolveIfPrimitive(node, Stack.of(node).resolve(node.backupRetentionPeriod));
    return typeof retention === 'number' && retention >= MIN_BACKUP_RETENTION_DAYS
      ? NagRuleCompliance.COMPLIANT
      : NagRuleCompliance.NON_COMPLIANT;
  },
};
