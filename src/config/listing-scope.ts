import type { ConnectorConfig, ListingScope, Platform } from './schema.js';

export type ScopeField = keyof ListingScope;

/**
 * What each platform's scheduled poll and daily reconcile list (issue #19): the
 * scope fields it takes, and those of which at least one is required. A scope
 * the platform cannot use is refused rather than ignored (a misplaced
 * `channels` on a Teams connector would otherwise poll nothing, silently).
 */
export const LISTING_SCOPES: Readonly<
  Record<
    Platform,
    { readonly fields: readonly ScopeField[]; readonly oneOf: readonly ScopeField[]; readonly why: string }
  >
> = {
  gmail: { fields: ['mailbox'], oneOf: [], why: '' },
  m365: {
    fields: ['mailbox', 'folders'],
    oneOf: ['mailbox'],
    why: 'Graph lists mail per mailbox (users/{id}/mailFolders/…/messages/delta)',
  },
  slack: {
    fields: ['channels'],
    oneOf: ['channels'],
    why: 'Slack lists messages per channel (conversations.history)',
  },
  teams: {
    fields: ['users', 'teams'],
    oneOf: ['users', 'teams'],
    why: 'Graph exports chats per user and channel messages per team (getAllMessages)',
  },
  zoom: {
    fields: ['users'],
    oneOf: ['users'],
    why: 'Zoom lists cloud recordings per user (GET /users/{userId}/recordings)',
  },
  twilio: { fields: [], oneOf: [], why: '' },
};

/**
 * A connector's listing scope as job params, under the names the connectors
 * and reconcile listers read (`channels`, `users`, `teams`, `mailbox`,
 * `folders`; a Twilio connector's account SID as `accountSid`): what the
 * scheduled poll and reconcile jobs carry and the reconcile CLI lists.
 */
export const listingParams = (
  connector: Pick<ConnectorConfig, 'platform' | 'providerAccountId' | 'scope'>,
): Record<string, unknown> => ({
  ...connector.scope,
  ...(connector.platform === 'twilio' && connector.providerAccountId
    ? { accountSid: connector.providerAccountId }
    : {}),
});
