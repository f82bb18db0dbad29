import { Effect } from 'effect';
import { describe, expect, it } from 'vitest';
import { graphValidationToken, verifyGraphNotifications } from '../../../../src/services/connectors/teams/signature.js';

// The notification example in Microsoft's docs (learn.microsoft.com/graph/change-notifications-delivery-webhooks),
// for a Teams chat message resource.
const NOTIFICATION = {
  subscriptionId: '7f105c7d-2dc5-4530-97cd-4e7ae6534c07',
  subscriptionExpirationDateTime: '2026-11-20T18:23:45.9356913Z',
  changeType: 'created',
  resource:
    "chats('19:8ea0e38b-efb3-4757-924a-5f94061cf8c2_97f62344-57dc-409c-88ad-c4af14158ff5@unq.gbl.spaces')/messages('1612289765949')",
  clientState: 'secretClientValue',
  tenantId: '84bd8158-6d4d-4958-8b9f-9d6445542f95',
  resourceData: {
    id: '1612289765949',
    '@odata.type': '#Microsoft.Graph.chatMessage',
    '@odata.id': "chats('19:8ea0e38b...@unq.gbl.spaces')/messages('1612289765949')",
  },
};

const verify = (value: unknown[], clientState = 'secretClientValue', tenantId?: string) =>
  Effect.runSync(
    Effect.result(
      verifyGraphNotifications({ clientState, ...(tenantId ? { tenantId } : {}), rawBody: JSON.stringify({ value }) }),
    ),
  );

describe('Microsoft Graph change notifications', () => {
  it('echoes the validationToken of a subscription validation request', () => {
    expect(graphValidationToken({ validationToken: 'Validation: Testing client application reachability' })).toBe(
      'Validation: Testing client application reachability',
    );
    expect(graphValidationToken({})).toBeUndefined();
  });

  it("accepts the documented notification when clientState and tenant are the customer's", () => {
    const r = verify([NOTIFICATION], 'secretClientValue', NOTIFICATION.tenantId);
    expect(r._tag === 'Success' && r.success.map((n) => n.resourceData?.id)).toEqual(['1612289765949']);
  });

  it('refuses the whole batch when one item has a wrong or missing clientState', () => {
    const wrong = verify([NOTIFICATION, { ...NOTIFICATION, clientState: 'guess' }]);
    expect(wrong._tag === 'Failure' && wrong.failure.detail).toContain('value[1].clientState');
    const { clientState: _omit, ...missing } = NOTIFICATION;
    expect(verify([missing])._tag).toBe('Failure');
  });

  it("refuses a notification from another customer's tenant", () => {
    const r = verify([NOTIFICATION], 'secretClientValue', '00000000-0000-0000-0000-000000000000');
    expect(r._tag === 'Failure' && r.failure.reason).toBe('unauthenticated');
  });

  it('refuses a body that is not a notification batch as malformed', () => {
    const r = Effect.runSync(
      Effect.result(verifyGraphNotifications({ clientState: 'secretClientValue', rawBody: '{"value": "nope"}' })),
    );
    expect(r._tag === 'Failure' && r.failure.reason).toBe('malformed');
    expect(verify([])._tag).toBe('Failure');
  });
});
