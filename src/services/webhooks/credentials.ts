import type { WEBHOOKS, WebhookProvider } from '../connectors/providers.js';

/**
 * Each pushing provider's webhook credentials: the schema its folder defines
 * (`src/services/connectors/<provider>/webhook.ts`), read from the registry.
 */
export type WebhookCredentialsFor = {
  readonly [P in WebhookProvider]: (typeof WEBHOOKS)[P]['credentials']['Type'];
};
