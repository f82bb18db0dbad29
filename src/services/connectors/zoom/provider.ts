import { makeZoomConnector } from './connector.js';
import { zoomWebhook } from './webhook.js';

/** Zoom: recording.completed webhooks, and the recordings they name. */
export const zoomProvider = { connector: () => makeZoomConnector(), webhook: zoomWebhook };
