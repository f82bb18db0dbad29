import { makeTwilioConnector } from './connector.js';
import { twilioWebhook } from './webhook.js';

/** Twilio: SMS/MMS and recording-status webhooks, and the media and recordings they name. */
export const twilioProvider = { connector: () => makeTwilioConnector(), webhook: twilioWebhook };
