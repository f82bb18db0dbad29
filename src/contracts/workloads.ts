import { ROLE_NAMES } from './names.js';

/** The workloads of the shared compute account, each with its own role. */
export type Workload = 'connectorWorker' | 'webhookHandler' | 'transcriptionWorker' | 'inferenceService';

/** Which workloads reach customer data (and so may assume the customer accounts' data-access role). */
export const REACHES_CUSTOMER_DATA: Readonly<Record<Workload, boolean>> = {
  connectorWorker: true,
  // Internet-facing: it only puts raw events, through its own write-only role in each data account
  // (`panops-webhook-raw-writer`, src/data-plane/raw-event-writer.ts), never the data-access role.
  webhookHandler: false,
  transcriptionWorker: true,
  // vLLM serves the model; its callers hold the customer data, the model server never does.
  inferenceService: false,
};

/** Role names of the workloads that reach customer data: the only ones a data account trusts. */
export const dataWorkloadRoleNames = (): string[] =>
  (Object.keys(REACHES_CUSTOMER_DATA) as Workload[]).filter((w) => REACHES_CUSTOMER_DATA[w]).map((w) => ROLE_NAMES[w]);
