import { gmailProvider } from './gmail/provider.js';
import { m365Provider } from './m365/provider.js';
import { slackProvider } from './slack/provider.js';
import { teamsProvider } from './teams/provider.js';
import { twilioProvider } from './twilio/provider.js';
import { zoomProvider } from './zoom/provider.js';

/**
 * Every provider PanOps connects to, by the name its jobs, routes and secrets
 * use (`platform`): each is one folder under src/services/connectors/ whose
 * `provider.ts` gives its connector and, for a provider that pushes to us, its
 * webhook (credentials, authentication, account, answers). The webhook handler,
 * its routes and secrets, and the AWS connector runner read this and nothing
 * else: adding a provider is a folder and a line here.
 */
export const PROVIDERS = {
  gmail: gmailProvider,
  m365: m365Provider,
  slack: slackProvider,
  teams: teamsProvider,
  zoom: zoomProvider,
  twilio: twilioProvider,
} as const;

type Providers = typeof PROVIDERS;

/** The providers that push to us, as they appear in the webhook path. */
export type WebhookProvider = {
  [P in keyof Providers]: Providers[P] extends { readonly webhook: unknown } ? P : never;
}[keyof Providers];

/** Each pushing provider's webhook definition. */
export const WEBHOOKS = Object.fromEntries(
  Object.entries(PROVIDERS).flatMap(([name, p]) => ('webhook' in p ? [[name, p.webhook]] : [])),
) as { readonly [P in WebhookProvider]: Providers[P]['webhook'] };

/** The makers of every provider's connector (what the AWS workers run). */
export const providerConnectors = () => Object.values(PROVIDERS).map((p) => p.connector());
