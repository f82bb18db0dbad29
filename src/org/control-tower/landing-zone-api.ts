import { type ControlTowerRestOptions, controlTowerPost } from './control-tower-rest.js';

/**
 * The two read-only Control Tower landing zone operations the preflight
 * needs, over Control Tower's REST-JSON protocol. `@aws-sdk/client-controltower`
 * in this registry stops at 3.332.0, before the landing zone APIs, so the
 * requests are built here and signed with the SDK's SigV4 signer.
 *
 * Protocol (Control Tower API reference, read 2026-12-04):
 * ListLandingZones `POST /list-landingzones` `{ maxResults?, nextToken? }` →
 * `{ landingZones: [{ arn }], nextToken? }`
 * (https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListLandingZones.html);
 * GetLandingZone `POST /get-landingzone` `{ landingZoneIdentifier }` →
 * `{ landingZone: { arn, status: ACTIVE|PROCESSING|FAILED, version, latestAvailableVersion, driftStatus: { status } } }`
 * (https://docs.aws.amazon.com/controltower/latest/APIReference/API_GetLandingZone.html,
 * https://docs.aws.amazon.com/controltower/latest/APIReference/API_LandingZoneDetail.html).
 */
export interface LandingZoneDetail {
  readonly arn?: string;
  readonly status?: 'ACTIVE' | 'PROCESSING' | 'FAILED' | string;
  readonly version?: string;
  readonly latestAvailableVersion?: string;
  readonly driftStatus?: { readonly status?: string };
}

export interface LandingZoneApi {
  readonly listLandingZones: (nextToken: string | undefined) => Promise<{ arns: string[]; nextToken?: string }>;
  readonly getLandingZone: (arn: string) => Promise<LandingZoneDetail>;
}

export type LandingZoneApiOptions = ControlTowerRestOptions;

export const landingZoneApi = (options: LandingZoneApiOptions): LandingZoneApi => {
  const post = controlTowerPost(options);
  return {
    listLandingZones: async (nextToken) => {
      const out = (await post('/list-landingzones', nextToken ? { nextToken } : {})) as {
        landingZones?: { arn?: string }[];
        nextToken?: string;
      };
      return {
        arns: (out.landingZones ?? []).map((z) => z.arn ?? '').filter(Boolean),
        ...(out.nextToken ? { nextToken: out.nextToken } : {}),
      };
    },
    getLandingZone: async (arn) => {
      const out = (await post('/get-landingzone', { landingZoneIdentifier: arn })) as {
        landingZone?: LandingZoneDetail;
      };
      return out.landingZone ?? {};
    },
  };
};
