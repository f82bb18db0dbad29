import { makeGmailConnector } from './gmail.js';

/** Gmail: polled (history.list deltas); no webhook. */
export const gmailProvider = { connector: () => makeGmailConnector() };
