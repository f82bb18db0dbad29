import { makeTeamsConnector } from './connector.js';
import { teamsWebhook } from './webhook.js';

/** Microsoft Teams: Graph change notifications, and the Graph messages they name (or a poll). */
export const teamsProvider = { connector: () => makeTeamsConnector(), webhook: teamsWebhook };
