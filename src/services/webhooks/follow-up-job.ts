import type { RawItem } from '../pipeline/communication.js';
import { type ConnectorJob, JOB_VERSION } from '../pipeline/job.js';
import type { VerifiedDelivery } from './delivery.js';

/** Items stored at once (chat, SMS) and jobs queued (downloads, fetches) for one delivery. */
export interface DeliveryPlan {
  readonly items: readonly RawItem[];
  readonly jobs: readonly ConnectorJob[];
}

/** A delivery that stores nothing itself (kept in the raw archive only). */
export const NOTHING_TO_STORE: DeliveryPlan = { items: [], jobs: [] };

/** The job a push starts when the payload itself is not the item (a recording to download, a Graph resource to fetch). */
export const followUpJob = (
  delivery: VerifiedDelivery,
  jobId: string,
  params: Record<string, unknown>,
): ConnectorJob => ({
  version: JOB_VERSION,
  jobId,
  customerId: delivery.route.customerId,
  connectorId: delivery.route.connectorId,
  platform: delivery.route.provider,
  kind: 'webhook',
  requestedAt: delivery.receivedAt.toISOString(),
  params,
});
