/**
 * What every per-customer file a `panops` command writes (reconcile figures,
 * retention status: one JSON file per customer) starts with: whose it is and
 * when it was made, so that the compliance report keeps the newest per customer.
 */
export interface CustomerFigures {
  readonly customerId: string;
  readonly customerSlug: string;
  /** When the command wrote it (ISO). */
  readonly generatedAt: string;
}
