import { type ControlTowerRestOptions, controlTowerPost } from './control-tower-rest.js';

/**
 * Control Tower ListEnabledBaselines over REST-JSON (see control-tower-rest.ts
 * for why not the SDK): `POST /list-enabled-baselines`
 * `{ filter: { targetIdentifiers: [<account ARN>] }, includeChildren: true, nextToken? }`
 * → `{ enabledBaselines: [{ arn, baselineIdentifier, statusSummary: { status }, targetIdentifier }], nextToken? }`.
 * An account enrolled through its OU's AWSControlTowerBaseline shows as a
 * child enabled baseline whose status is SUCCEEDED (UNDER_CHANGE while
 * enrolling, FAILED when enrollment failed)
 * (https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListEnabledBaselines.html,
 * https://docs.aws.amazon.com/controltower/latest/APIReference/API_EnablementStatusSummary.html).
 */
export interface EnabledBaselineSummary {
  readonly arn?: string;
  readonly baselineIdentifier?: string;
  readonly targetIdentifier?: string;
  readonly statusSummary?: { readonly status?: 'SUCCEEDED' | 'FAILED' | 'UNDER_CHANGE' | string };
}

export interface EnabledBaselinesApi {
  readonly listForTarget: (
    targetArn: string,
    nextToken: string | undefined,
  ) => Promise<{ enabledBaselines: EnabledBaselineSummary[]; nextToken?: string }>;
}

export const enabledBaselinesApi = (options: ControlTowerRestOptions): EnabledBaselinesApi => {
  const post = controlTowerPost(options);
  return {
    listForTarget: async (targetArn, nextToken) => {
      const out = (await post('/list-enabled-baselines', {
        filter: { targetIdentifiers: [targetArn] },
        includeChildren: true,
        ...(nextToken ? { nextToken } : {}),
      })) as { enabledBaselines?: EnabledBaselineSummary[]; nextToken?: string };
      return { enabledBaselines: out.enabledBaselines ?? [], ...(out.nextToken ? { nextToken: out.nextToken } : {}) };
    },
  };
};
