/**
 * AWS service limits that the blueprint must respect. The config validator and
 * the stacks read them from here, so a design that would cross one fails at
 * load time with the limit named, not at deploy time.
 */
export const AWS_LIMITS = {
  /** Active VPC peering connections per VPC (hard limit is 125). */
  vpcPeeringConnectionsPerVpc: 125,
  /** CloudFormation resources per stack. */
  resourcesPerStack: 500,
  /**
   * Characters per SCP. Organizations raised this to 10,240 in 2026; the
   * stricter historical value is the default so policies fit either quota.
   */
  scpMaxCharacters: 5_120,
  /** SCPs attached per target (root, OU or account); raised to 10 in 2026, 5 by default. */
  scpsPerTarget: 5,
  /** Accounts per OU enrolled in Control Tower. */
  accountsPerControlTowerOu: 1_000,
  /** Rules per AWS Cost Category. */
  costCategoryRules: 500,
  /**
   * Control Tower runs at most 10 operations at once (enabling a control on one
   * OU is one operation); more are throttled. Control chains and account
   * vending stay within it.
   */
  controlTowerConcurrentOperations: 10,
  /**
   * SCPs that Control Tower itself attaches to each OU it governs (its
   * preventive-control SCP). Counted against `scpsPerTarget` next to
   * FullAWSAccess; raise it if Control Tower splits its controls over more.
   */
  controlTowerScpsPerOu: 1,
  /** Attachments per Transit Gateway (default quota 5,000). */
  transitGatewayAttachments: 5_000,
  /** Routes per VPC route table (default quota 50, adjustable to 1,000). */
  routesPerRouteTable: 50,
  /** Aurora Serverless v2 ACU range per customer account (the seed's per-account target). */
  dedicatedAcu: { min: 0.5, max: 8 },
  /** Aurora Serverless v2 ACU range of the pooled cluster (the seed's current value). */
  pooledAcu: { min: 0.5, max: 16 },
} as const;
