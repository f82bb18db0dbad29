/**
 * `npx projen preflight [--scope organization] [--json]`: read-only checks of the live organization
 * before `deploy` changes anything, with management-account credentials.
 * One row per check with the fix; exit 0 when all pass, 1 on any failure,
 * 2 when it could not run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { App } from 'aws-cdk-lib';
import { Effect } from 'effect';
import { buildOrganization } from '../../app.js';
import { blueprintDir, runCli } from '../../common/cli-runner.js';
import { loadBlueprint } from '../../config/index.js';
import { landingZoneApi } from '../control-tower/landing-zone-api.js';
import { preflightClients } from '../operations/preflight/clients.js';
import { runPreflight } from '../operations/preflight/preflight.js';
import { formatPreflight, preflightExitCode } from '../operations/preflight/rows.js';

const args = process.argv.slice(2);
const blueprint = loadBlueprint(blueprintDir());
// Constructed, not synthesized, and without bundling: only where stacks go and what they reserve is read.
const app = new App({
  outdir: mkdtempSync(join(tmpdir(), 'panops-preflight-')),
  context: { 'aws:cdk:bundling-stacks': [] },
  autoSynth: false,
});
buildOrganization(app, blueprint);
const region = blueprint.organization.homeRegion;
const endpoint = process.env.AWS_ENDPOINT_URL;

runCli(
  runPreflight({
    blueprint,
    app,
    clients: preflightClients(region, endpoint ? { endpoint } : {}),
    scope: args.includes('--scope') && args[args.indexOf('--scope') + 1] === 'organization' ? 'organization' : 'all',
    landingZones: landingZoneApi({
      region,
      credentials: fromNodeProviderChain(),
      ...(process.env.AWS_ENDPOINT_URL_CONTROLTOWER ? { endpoint: process.env.AWS_ENDPOINT_URL_CONTROLTOWER } : {}),
    }),
  }).pipe(
    Effect.map((rows) => {
      console.log(args.includes('--json') ? JSON.stringify(rows, null, 2) : formatPreflight(rows));
      return preflightExitCode(rows);
    }),
  ),
);
