import { makeSlackConnector } from './connector.js';
import { slackWebhook } from './webhook.js';

/** Slack: Events API webhooks, and conversations.history / replies polls. */
export const slackProvider = { connector: () => makeSlackConnector(), webhook: slackWebhook };
