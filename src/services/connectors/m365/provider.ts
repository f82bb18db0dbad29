import { makeM365Connector } from './m365.js';

/** Microsoft 365 mail: polled (messages delta per folder); no webhook. */
export const m365Provider = { connector: () => makeM365Connector() };
