import type { App } from 'aws-cdk-lib';
import { CfnLandingZone } from 'aws-cdk-lib/aws-controltower';
import { Array as Arr, Effect } from 'effect';
import type { Blueprint } from '../../../config/index.js';
import type { LandingZoneApi } from '../../control-tower/landing-zone-api.js';
import { cdkBootstrapRows } from './cdk-bootstrap.js';
import type { PreflightClients } from './clients.js';
import { deployEnvironments, environmentAgnosticStacks, reservedConcurrencyDemand } from './deploy-targets.js';
import { gpuQuotaRows } from './gpu-quotas.js';
import { lambdaConcurrencyRows } from './lambda-concurrency.js';
import { landingZoneRows } from './landing-zone.js';
import { organizationSettingRows, readOrganizationSettings } from './organization-settings.js';
import { type PreflightRow, skip, unreadable } from './rows.js';
import { serviceLinkedRoleRows } from './service-linked-roles.js';

export interface PreflightInput {
  readonly blueprint: Blueprint;
  /** The constructed app (stacks built, not synthesized): where stacks deploy and what they reserve. */
  readonly app: App;
  readonly clients: PreflightClients;
  readonly landingZones: LandingZoneApi;
  /**
   * `organization`: only what the organization stack needs (settings, landing
   * zone, the management account's bootstrap and Lambda concurrency), run
   * before it deploys; `all`: also the workload accounts, which the
   * organization stack bootstraps and vend enrolls. @default 'all'
   */
  readonly scope?: 'organization' | 'all';
}

/** The landing zone version the org stack declares (what preflight compares the live one with). */
export const declaredLandingZoneVersion = (app: App): string | undefined =>
  app.node.findAll().find((c): c is CfnLandingZone => c instanceof CfnLandingZone)?.version;

/**
 * Every read-only check of `npx projen preflight`, in the order a fresh
 * organization meets them: organization settings, landing zone, bootstrap
 * of each deploy environment, Lambda concurrency, GPU quotas, service-linked
 * roles. It never fails as a whole: an unreadable check is a failing row.
 */
export const runPreflight = (input: PreflightInput): Effect.Effect<PreflightRow[]> =>
  Effect.gen(function* () {
    const { blueprint, app, clients } = input;
    const managementAccountId = blueprint.organization.managementAccountId;
    const settingsRows = readOrganizationSettings(clients).pipe(
      Effect.map((state) => organizationSettingRows(blueprint, state)),
      Effect.catch(
        unreadable(
          'organization-settings',
          'organization',
          'the organization',
          'run with the management account credentials (organizations:ListRoots, organizations:ListAWSServiceAccessForOrganization)',
        ),
      ),
      Effect.map(Arr.ensure),
    );
    const organizationOnly = input.scope === 'organization';
    const inScope = (env: { readonly account: string }) => !organizationOnly || env.account === managementAccountId;
    // The checks only read and do not depend on each other: they run at once (each waits on AWS, not on the CPU),
    // and the rows keep the order a fresh organization meets them.
    const [settings, landingZone, bootstrap, lambda, gpu, roles] = yield* Effect.all(
      [
        settingsRows,
        landingZoneRows(input.landingZones, blueprint.organization.homeRegion, declaredLandingZoneVersion(app)),
        cdkBootstrapRows(clients, deployEnvironments(app).filter(inScope), managementAccountId),
        lambdaConcurrencyRows(clients, reservedConcurrencyDemand(app).filter(inScope)),
        organizationOnly ? Effect.succeed([]) : gpuQuotaRows(clients, blueprint),
        organizationOnly ? Effect.succeed([]) : serviceLinkedRoleRows(clients, blueprint),
      ],
      { concurrency: 'unbounded' },
    );
    if (organizationOnly) return [...settings, ...landingZone, ...bootstrap, ...lambda];
    const notVended = environmentAgnosticStacks(app).map((stack) =>
      skip('cdk-bootstrap', stack, 'account not vended yet: checked once vend records its id'),
    );
    return [...settings, ...landingZone, ...bootstrap, ...notVended, ...lambda, ...gpu, ...roles];
  });
