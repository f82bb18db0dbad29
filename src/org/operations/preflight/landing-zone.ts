import { Array as Arr, Effect } from 'effect';
import type { LandingZoneApi } from '../../control-tower/landing-zone-api.js';
import { awsCall } from '../aws-errors.js';
import { allPages } from '../organizations.js';
import { fail, type PreflightRow, pass, unreadable } from './rows.js';

/** `3.3` < `3.10`: versions compare part by part, as numbers. */
export const compareVersions = (a: string, b: string): number => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

/**
 * The Control Tower landing zone: ACTIVE (not PROCESSING or FAILED), not
 * drifted, and at a version the organization stack's `AWS::ControlTower::LandingZone`
 * can keep (a deployed version newer than the declared one cannot be
 * downgraded by an update). With no landing zone yet, the organization stack
 * creates it, so that passes.
 */
export const landingZoneRows = (
  api: LandingZoneApi,
  homeRegion: string,
  declaredVersion: string | undefined,
): Effect.Effect<PreflightRow[]> => {
  const check = 'control-tower-landing-zone';
  const target = `organization/${homeRegion}`;
  return Effect.gen(function* () {
    const arns = yield* allPages(
      (token) => awsCall('controltower', 'ListLandingZones', () => api.listLandingZones(token)),
      (page) => page.arns,
      (page) => page.nextToken,
    );
    const arn = arns[0];
    if (!arn)
      return [
        pass(
          check,
          target,
          `no landing zone yet: the organization stack creates it${declaredVersion ? ` (version ${declaredVersion})` : ''}`,
        ),
      ];
    const zone = yield* awsCall('controltower', 'GetLandingZone', () => api.getLandingZone(arn));
    const version = zone.version ?? '?';
    const latest = zone.latestAvailableVersion ? `, latest available ${zone.latestAvailableVersion}` : '';
    const summary = `landing zone ${arn}: ${zone.status ?? 'UNKNOWN'}, version ${version}${latest}, drift ${zone.driftStatus?.status ?? 'unknown'}`;
    if (zone.status === 'PROCESSING')
      return [
        fail(
          check,
          target,
          `${summary}: an operation is still running`,
          `wait until \`aws controltower get-landing-zone --landing-zone-identifier ${arn} --region ${homeRegion}\` shows ACTIVE`,
        ),
      ];
    if (zone.status !== 'ACTIVE')
      return [
        fail(
          check,
          target,
          summary,
          `aws controltower reset-landing-zone --landing-zone-identifier ${arn} --region ${homeRegion} (then wait for ACTIVE)`,
        ),
      ];
    if (zone.driftStatus?.status === 'DRIFTED')
      return [
        fail(
          check,
          target,
          summary,
          `aws controltower reset-landing-zone --landing-zone-identifier ${arn} --region ${homeRegion} (repairs the drift)`,
        ),
      ];
    if (declaredVersion && zone.version && compareVersions(zone.version, declaredVersion) > 0)
      return [
        fail(
          check,
          target,
          `${summary}: newer than the ${declaredVersion} the organization stack declares (no downgrade)`,
          `set landingZoneVersion to ${zone.version} for the organization stack (src/org/control-tower/control-tower-governance.ts)`,
        ),
      ];
    return [pass(check, target, summary)];
  }).pipe(
    Effect.catch(
      unreadable(
        check,
        target,
        'the landing zone',
        'run with management-account credentials allowed controltower:ListLandingZones and controltower:GetLandingZone in the home region',
      ),
    ),
    Effect.map(Arr.ensure),
  );
};
