import { CfnParameter, Tags } from 'aws-cdk-lib';
import { CfnOrganizationalUnit } from 'aws-cdk-lib/aws-organizations';
import { Construct } from 'constructs';
import type { OrganizationLayout, PlannedOu } from './layout.js';

export interface OrganizationalUnitsProps {
  /** The planned layout (`planOrganization`). */
  readonly layout: OrganizationLayout;
}

/**
 * The OUs PanOps creates under the organization root: Infrastructure,
 * Customers with its account shards, Quarantine. The Security OU is created
 * by the Control Tower landing zone itself and is not declared here.
 *
 * The root id (`r-xxxx`) exists only in the live organization, so it is a
 * stack parameter: `npx projen deploy` looks it up (ListRoots) and passes it.
 */
export class OrganizationalUnits extends Construct {
  /** The organization root id (the `OrganizationRootId` parameter). */
  readonly rootId: string;
  /** OU key → the CloudFormation OU, for every OU this stack creates. */
  readonly byKey: ReadonlyMap<string, CfnOrganizationalUnit>;
  /** The planned OUs this stack creates, parents before children. */
  readonly planned: readonly PlannedOu[];

  constructor(scope: Construct, id: string, props: OrganizationalUnitsProps) {
    super(scope, id);
    const rootParameter = new CfnParameter(this, 'OrganizationRootId', {
      type: 'String',
      description: 'Id of the AWS Organizations root (r-xxxx); npx projen deploy looks it up with ListRoots',
      allowedPattern: '^r-[0-9a-z]{4,32}$',
    });
    // A stable logical id, so `--parameters OrganizationRootId=r-...` works from the deploy task.
    rootParameter.overrideLogicalId('OrganizationRootId');
    this.rootId = rootParameter.valueAsString;

    const byKey = new Map<string, CfnOrganizationalUnit>();
    this.planned = props.layout.ous.filter((ou) => !ou.ownedByLandingZone);
    for (const ou of this.planned) {
      const parentId = ou.parent === 'root' ? this.rootId : byKey.get(ou.parent)?.attrId;
      if (!parentId) throw new Error(`OU ${ou.name}: parent ${ou.parent} must be declared before it`);
      const unit = new CfnOrganizationalUnit(this, `Ou-${ou.key}`, { name: ou.name, parentId });
      Tags.of(unit).add('panops:ou', ou.key);
      byKey.set(ou.key, unit);
    }
    this.byKey = byKey;
  }

  /** The CloudFormation OU for a key; throws naming the key if this stack does not create it. */
  ou(key: string): CfnOrganizationalUnit {
    const unit = this.byKey.get(key);
    if (!unit) throw new Error(`No organizational unit with key ${key} in this stack`);
    return unit;
  }
}
