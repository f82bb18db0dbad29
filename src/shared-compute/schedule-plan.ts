import { type Blueprint, type Customer, listingParams, type Platform } from '../config/index.js';

/** Where a connector's scheduled poll runs. */
export type PollRuntime = 'lambda' | 'fargate';

/**
 * Short delta polls (mail and chat delta APIs finish in seconds to minutes) run
 * in the poller Lambda; platforms whose polls download recordings run on the
 * Fargate workers through the connector-jobs queue (no 15-minute ceiling).
 * Twilio is not polled: it pushes every message and recording to the webhook
 * (its connector runs webhook jobs only), and its daily reconcile lists
 * Messages and Recordings to prove none was missed.
 */
export const POLL_RUNTIME: Readonly<Record<Platform, PollRuntime | undefined>> = {
  gmail: 'lambda',
  m365: 'lambda',
  slack: 'lambda',
  teams: 'lambda',
  zoom: 'fargate',
  twilio: undefined,
};

/** One connector's schedule, derived from the blueprint. */
export interface ConnectorSchedulePlan {
  readonly customer: Customer;
  readonly connectorId: string;
  readonly platform: Platform;
  readonly intervalHours: number;
  /** Deterministic offset of this connector's first run in each interval, in minutes. */
  readonly offsetMinutes: number;
  /** EventBridge Scheduler expression (`cron(...)` or `rate(...)`). */
  readonly expression: string;
  /** Where its scheduled poll runs; none for a push-only platform. */
  readonly runtime: PollRuntime | undefined;
  /** Daily reconcile of the connector (`cron(...)`), at its own minute of the day. */
  readonly reconcileExpression: string;
  /** What the poll and reconcile jobs ask the provider for (config/listing-scope.ts). */
  readonly listing: Readonly<Record<string, unknown>>;
}

/** FNV-1a (32 bit): a small, stable hash, so a connector keeps its slot across synths and machines. */
const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
};

/**
 * Where in its interval a connector fires, from the customer and connector ids
 * alone: connectors spread evenly over the interval instead of all firing on
 * the hour (the seed's "per-connector jitter to prevent thundering herd").
 */
export const jitterOffsetMinutes = (customerId: string, connectorId: string, intervalHours: number): number =>
  fnv1a(`${customerId}/${connectorId}`) % Math.max(1, Math.round(intervalHours * 60));

/**
 * The schedule expression for an interval and offset. Whole-hour intervals that
 * divide a day become a cron at the connector's own minute and hour
 * (`cron(17 2/6 * * ? *)`: 02:17, 08:17, 14:17, 20:17 UTC); other intervals
 * become a rate, spread only by the flexible time window.
 */
export const scheduleExpression = (intervalHours: number, offsetMinutes: number): string => {
  if (Number.isInteger(intervalHours) && 24 % intervalHours === 0) {
    const hour = Math.floor(offsetMinutes / 60);
    const minute = offsetMinutes % 60;
    const hours = intervalHours === 24 ? `${hour}` : `${hour}/${intervalHours}`;
    return `cron(${minute} ${hours} * * ? *)`;
  }
  return `rate(${Math.round(intervalHours * 60)} minutes)`;
};

/** Every configured connector of every customer, in blueprint order (customers by slug, connectors as written). */
export const connectorSchedulePlans = (blueprint: Blueprint): ConnectorSchedulePlan[] =>
  blueprint.customers.flatMap((customer) =>
    (customer.connectors ?? []).map((connector) => {
      const intervalHours = connector.intervalHours ?? blueprint.sharedCompute.schedule.intervalHours;
      const offsetMinutes = jitterOffsetMinutes(customer.id, connector.id, intervalHours);
      return {
        customer,
        connectorId: connector.id,
        platform: connector.platform,
        intervalHours,
        offsetMinutes,
        expression: scheduleExpression(intervalHours, offsetMinutes),
        runtime: POLL_RUNTIME[connector.platform],
        reconcileExpression: scheduleExpression(24, jitterOffsetMinutes(customer.id, `${connector.id}/reconcile`, 24)),
        listing: listingParams(connector),
      };
    }),
  );

/**
 * A connector job as a schedule's input (the services' `ConnectorJob`, version 1):
 * Scheduler fills in the execution id and the scheduled time.
 */
const scheduledInput = (
  plan: { readonly customer: { readonly id: string }; readonly connectorId: string; readonly platform: string },
  kind: 'poll' | 'reconcile' | 'disposition',
  params: Record<string, unknown>,
) =>
  JSON.stringify({
    version: 1,
    jobId: '<aws.scheduler.execution-id>',
    customerId: plan.customer.id,
    connectorId: plan.connectorId,
    platform: plan.platform,
    kind,
    requestedAt: '<aws.scheduler.scheduled-time>',
    params,
  });

/** The poll job a connector's schedule sends. */
export const scheduledJobInput = (plan: ConnectorSchedulePlan): string =>
  scheduledInput(plan, 'poll', {
    tier: plan.customer.tier,
    whisperModel: plan.customer.whisperModel,
    ...plan.listing,
  });

/**
 * The reconcile job a connector's daily schedule sends to the connector-jobs
 * queue (`kind: reconcile`, src/services/reconcile/reconcile-job.ts): the
 * customer's slug names the ArchiveGaps metric; the listing params say what
 * the provider is asked for, as in the poll.
 */
export const scheduledReconcileInput = (plan: ConnectorSchedulePlan): string =>
  scheduledInput(plan, 'reconcile', { customerSlug: plan.customer.slug, ...plan.listing });

/** The pseudo-connector a customer's disposition job names (it is no provider). */
export const DISPOSITION_CONNECTOR = { id: 'retention-disposition', platform: 'retention' } as const;

/** One customer's daily disposition schedule, derived from the blueprint. */
export interface DispositionSchedulePlan {
  readonly customer: Customer;
  /** Deterministic minute of the day, from the customer id. */
  readonly offsetMinutes: number;
  /** `cron(m h * * ? *)`, once a day. */
  readonly expression: string;
}

/**
 * One daily disposition schedule per customer, at the customer's own minute
 * of the day (jittered from its id like a connector), so the customers'
 * runs spread over the day.
 */
export const dispositionSchedulePlans = (blueprint: Blueprint): DispositionSchedulePlan[] =>
  blueprint.customers.map((customer) => {
    const offsetMinutes = jitterOffsetMinutes(customer.id, DISPOSITION_CONNECTOR.id, 24);
    return { customer, offsetMinutes, expression: scheduleExpression(24, offsetMinutes) };
  });

/**
 * The disposition job a schedule sends (kind `disposition`), carrying the
 * blueprint's retention: the worker records it as the database's policy
 * before disposing (src/services/retention/disposition-job.ts).
 */
export const scheduledDispositionInput = (plan: DispositionSchedulePlan): string =>
  scheduledInput(
    { customer: plan.customer, connectorId: DISPOSITION_CONNECTOR.id, platform: DISPOSITION_CONNECTOR.platform },
    'disposition',
    {
      retentionDays: plan.customer.retentionDays,
      ...(plan.customer.retentionByKind ? { retentionByKind: plan.customer.retentionByKind } : {}),
    },
  );
