import { WEBHOOKS, type WebhookProvider } from '../connectors/providers.js';

export type { WebhookProvider };

/** The providers that push to us, as they appear in the webhook path (the registry's). */
export const WEBHOOK_PROVIDERS = Object.keys(WEBHOOKS) as readonly WebhookProvider[];

/**
 * Where a webhook is addressed: `/webhooks/<provider>/<customer id>/<connector id>`.
 * This is the URL we register at the provider for that customer's connector.
 * The path alone proves nothing; it only chooses whose secret the request must
 * be signed with (and whose provider account id it must carry).
 */
export interface WebhookRoute {
  readonly provider: WebhookProvider;
  readonly customerId: string;
  readonly connectorId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CONNECTOR_ID = /^[a-z0-9][a-z0-9-]{0,47}$/;

/** The route of a request path, or undefined when it is not one of ours. A stage prefix before `/webhooks` is allowed. */
export const parseRoute = (path: string): WebhookRoute | undefined => {
  const parts = path.split('/').filter((p) => p.length > 0);
  const at = parts.indexOf('webhooks');
  if (at < 0 || parts.length !== at + 4) return undefined;
  const [provider, customerId, connectorId] = parts.slice(at + 1) as [string, string, string];
  if (!(WEBHOOK_PROVIDERS as readonly string[]).includes(provider)) return undefined;
  if (!UUID.test(customerId) || !CONNECTOR_ID.test(connectorId)) return undefined;
  return { provider: provider as WebhookProvider, customerId, connectorId };
};

/** The path to register at the provider for a customer's connector. */
export const routePath = (route: WebhookRoute): string =>
  `/webhooks/${route.provider}/${route.customerId}/${route.connectorId}`;
