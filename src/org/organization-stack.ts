import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Blueprint } from '../config/index.js';
import { AWS_LIMITS } from '../config/index.js';
import { CdkBootstrapStackSet } from './accounts/cdk-bootstrap-stack-set.js';
import { CostAllocation } from './accounts/cost-allocation.js';
import { CustomerAccounts } from './accounts/customer-accounts.js';
import type { ControlCatalog } from './control-tower/control-catalog.js';
import { loadControlCatalog } from './control-tower/control-catalog.js';
import { ControlTowerGovernance } from './control-tower/control-tower-governance.js';
import type { OrganizationLayout } from './layout.js';
import { planOrganization } from './layout.js';
import { OrganizationalUnits } from './organizational-units.js';
import type { ScpDocument } from './scp/scp-documents.js';
import { loadScpDocuments } from './scp/scp-documents.js';
import { DEFAULT_SCP_LIMITS, type ScpLimits, scpLimitViolations } from './scp/scp-limits.js';
import { ServiceControlPolicies } from './scp/service-control-policies.js';

export interface OrganizationStackProps extends StackProps {
  readonly blueprint: Blueprint;
  /** SCPs to attach. @default the documents in `policies/scp/` */
  readonly scpDocuments?: readonly ScpDocument[];
  /** Control Tower controls to enable. @default `policies/control-tower/controls.json` */
  readonly controlCatalog?: ControlCatalog;
  /** Organizations quotas the SCP set must fit. @default DEFAULT_SCP_LIMITS (from AWS_LIMITS) */
  readonly scpLimits?: Partial<ScpLimits>;
  /** Accounts per Customers OU before another shard is added. @default AWS_LIMITS.accountsPerControlTowerOu */
  readonly accountsPerOu?: number;
}

/**
 * The management account: the OU layout, the SCPs from `policies/scp/`, the
 * Control Tower landing zone with its OU baselines and controls, the accounts
 * still to be vended, the CDK bootstrap of every customer account, and the
 * per-customer cost category.
 */
export class OrganizationStack extends Stack {
  readonly layout: OrganizationLayout;
  readonly units: OrganizationalUnits;
  readonly policies: ServiceControlPolicies;
  readonly controlTower: ControlTowerGovernance;
  readonly customerAccounts: CustomerAccounts;
  readonly bootstrap: CdkBootstrapStackSet;

  constructor(scope: Construct, id: string, props: OrganizationStackProps) {
    super(scope, id, props);
    const { blueprint } = props;
    this.layout = planOrganization(blueprint, props.accountsPerOu ?? AWS_LIMITS.accountsPerControlTowerOu);
    const documents = props.scpDocuments ?? loadScpDocuments(blueprint);
    const limits = { ...DEFAULT_SCP_LIMITS, ...props.scpLimits };
    // Over-quota SCP sets fail synth with the limit named, before anything reaches Organizations.
    const violations = scpLimitViolations(this.layout, documents, limits);
    this.node.addValidation({ validate: () => violations });

    this.units = new OrganizationalUnits(this, 'OrganizationalUnits', { layout: this.layout });
    this.policies = new ServiceControlPolicies(this, 'ServiceControlPolicies', {
      documents,
      layout: this.layout,
      units: this.units,
    });
    this.controlTower = new ControlTowerGovernance(this, 'ControlTower', {
      blueprint,
      layout: this.layout,
      units: this.units,
      catalog: props.controlCatalog ?? loadControlCatalog(),
    });
    this.customerAccounts = new CustomerAccounts(this, 'CustomerAccounts', { blueprint, units: this.units });
    // New accounts are created only once their OU is registered, so Control Tower enrolls them.
    const quarantineBaseline = this.controlTower.baselines.get('quarantine');
    for (const account of this.customerAccounts.bySlug.values())
      if (quarantineBaseline) account.addResourceDependency(quarantineBaseline);

    const customerOuKeys = this.layout.ous.filter((ou) => ou.parent === 'customers').map((ou) => ou.key);
    this.bootstrap = new CdkBootstrapStackSet(this, 'CdkBootstrap', {
      blueprint,
      units: this.units,
      // Every account that hosts a stack: shared compute and pooled data (Infrastructure),
      // customers (their shards), and accounts still in quarantine, bootstrapped before release.
      targetOuKeys: ['infrastructure', ...customerOuKeys, 'quarantine'],
    });
    // Automatic deployment reaches accounts in registered OUs; register first.
    for (const baseline of this.controlTower.baselines.values())
      this.bootstrap.stackSet.addResourceDependency(baseline);
    new CostAllocation(this, 'CostAllocation', { blueprint, pendingAccounts: this.customerAccounts.bySlug });
    Tags.of(this).add('panops:stack', 'organization');
  }
}
