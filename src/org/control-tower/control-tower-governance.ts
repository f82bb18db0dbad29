import { CfnOutput, Stack } from 'aws-cdk-lib';
import { CfnEnabledBaseline, CfnEnabledControl, CfnLandingZone } from 'aws-cdk-lib/aws-controltower';
import { Construct } from 'constructs';
import { chainInLanes } from '../../common/dependency-lanes.js';
import type { Blueprint } from '../../config/index.js';
import { AWS_LIMITS } from '../../config/index.js';
import type { OrganizationLayout } from '../layout.js';
import type { OrganizationalUnits } from '../organizational-units.js';
import type { ControlCatalog, ControlEntry } from './control-catalog.js';
import { controlsFor, isResolvedAtDeploy } from './control-catalog.js';
import { ControlIdentifierLookup } from './control-identifier-lookup.js';
import { ControlTowerRoles } from './control-tower-roles.js';

/** AWSControlTowerBaseline: registers an OU with Control Tower and enrolls its accounts. */
export const CONTROL_TOWER_BASELINE_ID = '17BSJV3IGJ2QSGA2';
export const controlTowerBaselineArn = (region: string): string =>
  `arn:aws:controltower:${region}::baseline/${CONTROL_TOWER_BASELINE_ID}`;

export interface ControlTowerGovernanceProps {
  readonly blueprint: Blueprint;
  readonly layout: OrganizationLayout;
  readonly units: OrganizationalUnits;
  readonly catalog: ControlCatalog;
  /** Landing zone version. @default '3.3' */
  readonly landingZoneVersion?: string;
  /** AWSControlTowerBaseline version matching the landing zone. @default '4.0' */
  readonly baselineVersion?: string;
  /** Days the log archive keeps CloudTrail and Config logs. @default 2557 (7 years, the longest customer retention class) */
  readonly logRetentionDays?: number;
  /** Days the log archive keeps S3 access logs of the logging bucket. @default 2557 */
  readonly accessLogRetentionDays?: number;
  /**
   * Control Tower operations CloudFormation may run at once. Half of Control
   * Tower's limit, so enrollments and drift repairs started beside a deploy are
   * not throttled. @default AWS_LIMITS.controlTowerConcurrentOperations / 2
   */
  readonly concurrentOperations?: number;
}

/**
 * The Control Tower landing zone (governed regions, centralized logging to the
 * log archive account, security roles in the audit account), the PanOps OUs
 * registered with the AWSControlTowerBaseline, and the catalog's controls
 * enabled per OU, chained so Control Tower is never asked for more operations
 * than it runs at once.
 */
export class ControlTowerGovernance extends Construct {
  readonly landingZone: CfnLandingZone;
  /** OU key → its enabled baseline. */
  readonly baselines: ReadonlyMap<string, CfnEnabledBaseline>;
  /** One per (control × OU), in the order they are chained. */
  readonly controls: readonly CfnEnabledControl[];
  /** Resolves the identifiers the catalog does not record, at deploy; absent when it records them all. */
  readonly identifierLookup: ControlIdentifierLookup | undefined;

  constructor(scope: Construct, id: string, props: ControlTowerGovernanceProps) {
    super(scope, id);
    const { organization } = props.blueprint;
    const region = Stack.of(this).region;

    const roles = new ControlTowerRoles(this, 'ServiceRoles');
    this.landingZone = new CfnLandingZone(this, 'LandingZone', {
      version: props.landingZoneVersion ?? '3.3',
      manifest: {
        governedRegions: [...organization.governedRegions],
        organizationStructure: { security: { name: organization.organizationalUnits.security } },
        centralizedLogging: {
          accountId: organization.logArchiveAccountId,
          enabled: true,
          configurations: {
            loggingBucket: { retentionDays: props.logRetentionDays ?? 2557 },
            accessLoggingBucket: { retentionDays: props.accessLogRetentionDays ?? 2557 },
          },
        },
        securityRoles: { accountId: organization.auditAccountId },
        // PanOps signs in through its own identity provider; with Identity Center off,
        // OU baselines need no IdentityCenterEnabledBaselineArn parameter.
        accessManagement: { enabled: false },
      },
    });

    // Control Tower refuses to create a landing zone before its service roles exist.
    this.landingZone.node.addDependency(roles);

    // Register each OU, parents first (a nested OU can be registered only under a registered parent),
    // one at a time: registration enrolls every account in the OU and is Control Tower's longest operation.
    const baselines = new Map<string, CfnEnabledBaseline>();
    const baselineChain: CfnEnabledBaseline[] = [];
    for (const ou of props.units.planned) {
      const baseline = new CfnEnabledBaseline(this, `Baseline-${ou.key}`, {
        baselineIdentifier: controlTowerBaselineArn(region),
        baselineVersion: props.baselineVersion ?? '4.0',
        targetIdentifier: props.units.ou(ou.key).attrArn,
      });
      baselines.set(ou.key, baseline);
      baselineChain.push(baseline);
    }
    chainInLanes(baselineChain, 1, [this.landingZone]);
    this.baselines = baselines;

    // Identifiers the catalog does not record are looked up by alias in the Control Catalog at deploy.
    const toResolve = props.catalog.controls.filter(isResolvedAtDeploy).map((control) => control.id);
    this.identifierLookup =
      toResolve.length > 0 ? new ControlIdentifierLookup(this, 'IdentifierLookup', { aliases: toResolve }) : undefined;
    for (const alias of toResolve)
      new CfnOutput(this, `ControlIdentifier-${alias}`, {
        key: `ControlIdentifier${alias.replaceAll('.', '')}`,
        description: `Control Tower control ${alias}: the identifier resolved from the Control Catalog at deploy`,
        value: this.identifierFor(props.catalog.controls.find((c) => c.id === alias) as ControlEntry),
      });

    const controls: CfnEnabledControl[] = [];
    for (const ou of props.units.planned) {
      if (!ou.controlRole) continue;
      for (const control of controlsFor(props.catalog, ou.controlRole))
        controls.push(this.enableControl(control, ou.key, props.units));
    }
    const lanes = props.concurrentOperations ?? Math.floor(AWS_LIMITS.controlTowerConcurrentOperations / 2);
    // Every control waits for every baseline: a registration in progress counts against the same limit.
    chainInLanes(controls, lanes, baselineChain);
    this.controls = controls;
  }

  /** The identifier EnableControl gets: the recorded one, or the one the lookup resolves at deploy. */
  private identifierFor(control: ControlEntry): string {
    if (control.controlIdentifier !== null) return control.controlIdentifier;
    if (!this.identifierLookup) throw new Error(`no identifier lookup for ${control.id}`);
    return this.identifierLookup.identifierFor(control.id);
  }

  private enableControl(control: ControlEntry, ouKey: string, units: OrganizationalUnits): CfnEnabledControl {
    return new CfnEnabledControl(this, `Control-${ouKey}-${control.id}`, {
      controlIdentifier: this.identifierFor(control),
      targetIdentifier: units.ou(ouKey).attrArn,
      tags: [{ key: 'panops:control-id', value: control.id }],
    });
  }
}
