import type { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, type NagPackProps } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { PanOpsNagRule } from './panops-rule.js';
import { ArchiveLifecycleSparesHeldRecords } from './rules/ArchiveLifecycleSparesHeldRecords.js';
import { AuroraBackupRetentionSevenDays } from './rules/AuroraBackupRetentionSevenDays.js';
import { CustomerAccountNoInternetGateway } from './rules/CustomerAccountNoInternetGateway.js';
import { CustomerDataUsesCustomerKey } from './rules/CustomerDataUsesCustomerKey.js';

/** Every rule of the PanOps pack (one per file in `rules/`). */
export const PANOPS_NAG_RULES: readonly PanOpsNagRule[] = [
  CustomerAccountNoInternetGateway,
  AuroraBackupRetentionSevenDays,
  CustomerDataUsesCustomerKey,
  ArchiveLifecycleSparesHeldRecords,
];

export const PANOPS_PACK_NAME = 'PanOps';

/**
 * The PanOps NagPack: what AwsSolutions and NIST 800-53 R5 do not check
 * (internet gateways in customer accounts, Aurora *cluster* backup retention,
 * the customer's own key actually referenced, archive lifecycles that spare held records). Acknowledge a finding with
 * `acknowledge(scope, ['PanOps::PanOps-<rule>'], reason)` (src/common/acknowledge.ts).
 */
export class PanOpsChecks extends NagPack {
  readonly name = PANOPS_PACK_NAME;

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = PANOPS_PACK_NAME;
  }

  protected checkResource(node: CfnResource): void {
    for (const rule of PANOPS_NAG_RULES) {
      this.applyRule({
        ruleSuffixOverride: rule.id,
        info: rule.info,
        explanation: rule.explanation,
        level: NagMessageLevel.ERROR,
        rule: rule.check,
        node,
      });
    }
  }
}
