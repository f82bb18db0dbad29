import { ControlTowerClient } from '@aws-sdk/client-controltower';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { Effect } from 'effect';
import { loadBlueprint } from '../../../config/index.js';
import { isResolvedAtDeploy, loadControlCatalog } from '../../../org/control-tower/control-catalog.js';
import { controlCatalogClient } from '../../../org/control-tower/control-catalog-api.js';
import { resolveControlAliases } from '../../../org/control-tower/identifier-lookup/resolve.js';
import { planOrganization } from '../../../org/layout.js';
import { GUARDRAILS } from '../../catalog/guardrails.js';
import type { ComplianceReport } from '../../compliance/model.js';
import type { AccountAccess } from './accounts.js';
import { collectLiveEvidence } from './collect.js';
import { configDetectiveSource } from './config-detective.js';
import { controlTowerSource } from './control-tower.js';
import type { LiveEvidence } from './model.js';

export interface LiveRunOptions {
  readonly report: ComplianceReport;
  readonly blueprintDir: string;
  readonly access: AccountAccess;
  readonly collectedAt: string | null;
  /** Told what could not be set up (the Control Catalog lookup), so the CLI can say it. */
  readonly warn?: (line: string) => void;
}

/**
 * Every live source over the organization of a blueprint: per stack
 * (template, drift, WORM buckets, trails, keys), Control Tower controls per OU
 * in the home region, and the detective controls of every account and region
 * the stacks deploy to. Control identifiers left to the deploy are resolved
 * from the Control Catalog as the deploy and `npx projen drift` resolve them.
 */
export const collectOrganizationEvidence = async (options: LiveRunOptions): Promise<LiveEvidence> => {
  const blueprint = loadBlueprint(options.blueprintDir);
  const homeRegion = blueprint.organization.homeRegion;
  const catalog = loadControlCatalog();
  const resolvedIdentifiers = await Effect.runPromise(
    resolveControlAliases(
      controlCatalogClient({ region: homeRegion, credentials: fromNodeProviderChain() }),
      catalog.controls.filter(isResolvedAtDeploy).map((c) => c.id),
    ),
  ).catch((error: unknown) => {
    options.warn?.(
      `Control Catalog lookup failed (${(error as Error)?.message ?? error}): controls without a recorded identifier are reported unverified.`,
    );
    return new Map<string, string>();
  });
  // Organizations is served from us-east-1; Control Tower from the landing zone's home region.
  const organizations = new OrganizationsClient({ region: 'us-east-1' });
  const controlTower = new ControlTowerClient({ region: homeRegion });
  try {
    return await collectLiveEvidence({
      access: options.access,
      stacks: options.report.stacks,
      collectedAt: options.collectedAt,
      organization: [
        controlTowerSource({
          layout: planOrganization(blueprint),
          catalog,
          resolvedIdentifiers,
          organizations,
          controlTower,
          managementAccount: await options.access.callerAccount(),
          homeRegion,
          guardrailsOf: (id) => GUARDRAILS.filter((g) => g.layers.controlTower.includes(id)).map((g) => g.id),
        }),
        configDetectiveSource(options.report.stacks),
      ],
    });
  } finally {
    organizations.destroy();
    controlTower.destroy();
  }
};
