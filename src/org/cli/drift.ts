/**
 * `npx projen drift [--json]`: compares the live organization (management
 * account credentials) with the blueprint. Exit 0: no drift; 1: drift; 2: the
 * comparison could not run.
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { Effect, Layer } from 'effect';
import { blueprintDir, runCli } from '../../common/cli-runner.js';
import { loadBlueprint } from '../../config/index.js';
import { isResolvedAtDeploy, loadControlCatalog } from '../control-tower/control-catalog.js';
import { controlCatalogClient } from '../control-tower/control-catalog-api.js';
import { resolveControlAliases } from '../control-tower/identifier-lookup/resolve.js';
import { planOrganization } from '../layout.js';
import { ControlTower } from '../operations/control-tower.js';
import { detectDrift, formatDriftReport } from '../operations/drift.js';
import { Organizations } from '../operations/organizations.js';
import { loadScpDocuments } from '../scp/scp-documents.js';

const json = process.argv.includes('--json');
const blueprint = loadBlueprint(blueprintDir());
const catalog = loadControlCatalog();
// The identifiers the deploy resolved are resolved the same way here (Control Catalog, by alias).
const resolved = resolveControlAliases(
  controlCatalogClient({ region: blueprint.organization.homeRegion, credentials: fromNodeProviderChain() }),
  catalog.controls.filter(isResolvedAtDeploy).map((c) => c.id),
);
const program = Effect.flatMap(resolved, (resolvedIdentifiers) =>
  detectDrift({
    layout: planOrganization(blueprint),
    documents: loadScpDocuments(blueprint),
    catalog,
    resolvedIdentifiers,
  }),
).pipe(
  Effect.map((report) => {
    console.log(
      json ? JSON.stringify({ drifted: report.drifts.length > 0, ...report }, null, 2) : formatDriftReport(report),
    );
    return report.drifts.length > 0 ? 1 : 0;
  }),
  Effect.provide(Layer.merge(Organizations.live(), ControlTower.live(blueprint.organization.homeRegion))),
);
runCli(program);
