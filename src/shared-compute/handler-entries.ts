/**
 * The Lambda handler entry points the shared compute stack deploys. The code
 * belongs to the services (src/services); each module exports `handler` and is
 * bundled once per App by `bundledLambdaCode`, however many stacks use it.
 */
export const LAMBDA_ENTRIES = {
  /** Push platforms' webhooks (Slack events, Twilio SMS/voice, Zoom, Graph notifications), behind the public API. */
  webhook: 'src/services/webhooks/webhook.lambda.ts',
  /** Short delta polls, invoked by the connector schedules with a connector job as the event. */
  connectorPoll: 'src/services/connectors/poll.lambda.ts',
} as const;

export type LambdaEntries = { readonly [K in keyof typeof LAMBDA_ENTRIES]: string };
