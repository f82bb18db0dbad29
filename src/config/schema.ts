import { Schema } from 'effect';

/**
 * The blueprint file formats: `blueprint/organization.yaml` and one
 * `blueprint/customers/<slug>.yaml` per customer. Each field carries its rule;
 * rules that span files (duplicates, overlapping CIDRs, limits) live in
 * `validate.ts`.
 */

const AccountId = Schema.String.check(
  Schema.isPattern(/^\d{12}$/, { message: 'must be a 12-digit AWS account id (quote it in YAML)' }),
);

const Email = Schema.String.check(
  Schema.isPattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: 'must be an email address' }),
);

const Region = Schema.String.check(
  Schema.isPattern(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { message: 'must be an AWS region such as us-east-1' }),
);

const CIDR_SHAPE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** An IPv4 network address with a prefix between `minPrefix` and `maxPrefix`. */
const cidrBetween = (minPrefix: number, maxPrefix: number, example: string, limits: string) =>
  Schema.String.check(
    Schema.isPattern(CIDR_SHAPE, { message: `must be an IPv4 CIDR block such as ${example}` }),
    Schema.makeFilter((cidr: string) => {
      if (!CIDR_SHAPE.test(cidr)) return true; // the pattern check above reports it
      const [ip, prefixText] = cidr.split('/');
      const octets = (ip ?? '').split('.').map(Number);
      const prefix = Number(prefixText);
      if (octets.some((o) => o > 255)) return 'must have octets between 0 and 255';
      if (prefix < minPrefix || prefix > maxPrefix)
        return `must have a prefix between /${minPrefix} and /${maxPrefix}${limits}`;
      const address = octets.reduce((acc, o) => acc * 256 + o, 0);
      if (address % 2 ** (32 - prefix) !== 0) return `must be a network address (host bits set in ${cidr})`;
      return true;
    }),
  );

/** An IPv4 CIDR block usable by a VPC: a network address with a /16 to /28 prefix. */
export const VpcCidr = cidrBetween(16, 28, '10.20.0.0/20', ' (the VPC limits)');

/** An IPv4 network (a route destination): a network address with a /8 to /28 prefix. */
export const NetworkCidr = cidrBetween(8, 28, '10.16.0.0/12', '');

const Slug = Schema.String.check(
  Schema.isPattern(/^[a-z][a-z0-9-]{1,38}[a-z0-9]$/, {
    message: 'must be 3–40 characters of lowercase letters, digits and hyphens, starting with a letter',
  }),
);

export const WhisperModel = Schema.Literals(['large-v3', 'medium']);
export type WhisperModel = typeof WhisperModel.Type;

export const Tier = Schema.Literals(['pooled', 'dedicated']);
export type Tier = typeof Tier.Type;

export const Platform = Schema.Literals(['gmail', 'm365', 'slack', 'teams', 'zoom', 'twilio']);
export type Platform = typeof Platform.Type;

const ConnectorId = Schema.String.check(
  Schema.isPattern(/^[a-z0-9][a-z0-9-]{0,47}$/, {
    message: 'must be 1–48 characters of lowercase letters, digits and hyphens',
  }),
);

const ScopeIds = Schema.Array(Schema.String.check(Schema.isMinLength(1))).check(
  Schema.isMinLength(1, { message: 'must list at least one id' }),
);

/**
 * What a connector's scheduled poll and daily reconcile read at the provider
 * (issue #19): the provider APIs list per channel, user, team or mailbox, so a
 * scheduled job must name them. Which fields a platform takes, and which it
 * requires, is listing-scope.ts's LISTING_SCOPES (checked in validate.ts).
 */
export const ListingScope = Schema.Struct({
  /** Slack: the channel ids (`C…`, `G…`) the bot reads with `conversations.history`. */
  channels: Schema.optional(ScopeIds),
  /** Teams: the users whose chats are exported; Zoom: the users (ids or emails) whose cloud recordings are archived. */
  users: Schema.optional(ScopeIds),
  /** Teams: the teams whose channel messages are exported. */
  teams: Schema.optional(ScopeIds),
  /** Gmail and Microsoft 365: the mailbox (user id or address). Gmail's default is the token's own (`me`). */
  mailbox: Schema.optional(Schema.String.check(Schema.isMinLength(1))),
  /** Microsoft 365: the mail folder ids to archive. @default every folder of the mailbox, children included */
  folders: Schema.optional(ScopeIds),
});
export type ListingScope = typeof ListingScope.Type;

export const ConnectorConfig = Schema.Struct({
  /** Stable id, unique within the customer; also seeds the schedule jitter. */
  id: ConnectorId,
  platform: Platform,
  /** Overrides the organization's polling interval for this connector. */
  intervalHours: Schema.optional(Schema.Number.check(Schema.isBetween({ minimum: 1, maximum: 24 }))),
  /**
   * The customer's account at the provider: Slack team id (`T…`), Zoom
   * account id, Microsoft Entra tenant id. Required for slack, zoom and teams
   * (validate.ts): one PanOps app serves many customers with one signing
   * secret, so only this id says whose workspace a signed event is from.
   */
  providerAccountId: Schema.optional(Schema.String),
  /** What the scheduled poll and reconcile list (channels, users, teams, mailbox, folders). */
  scope: Schema.optional(ListingScope),
});
export type ConnectorConfig = typeof ConnectorConfig.Type;

const AcuRange = Schema.Struct({
  min: Schema.Number.check(Schema.isMultipleOf(0.5, { message: 'must be a multiple of 0.5 ACU' })),
  max: Schema.Number.check(Schema.isMultipleOf(0.5, { message: 'must be a multiple of 0.5 ACU' })),
});

export const ObjectLockMode = Schema.Literals(['GOVERNANCE', 'COMPLIANCE']);

const RetentionDays = Schema.Int.check(
  Schema.isBetween({ minimum: 1, maximum: 36_500 }, { message: 'must be between 1 and 36500 days' }),
);

export const CustomerFile = Schema.Struct({
  /** Stable customer id: the value of `customer_id` in every row of the customer's data. */
  id: Schema.String.check(Schema.isUUID(undefined, { message: 'must be a UUID' })),
  slug: Slug,
  displayName: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100)),
  /** `dedicated`: own AWS account and database; `pooled`: shares the pooled cluster under RLS. */
  tier: Tier,
  accountId: Schema.optional(AccountId),
  /** Email to create the account with when it does not exist yet. */
  accountEmail: Schema.optional(Email),
  vpcCidr: Schema.optional(VpcCidr),
  database: Schema.optional(AcuRange),
  retentionDays: Schema.Int.check(
    Schema.isBetween({ minimum: 1, maximum: 36_500 }, { message: 'must be between 1 and 36500 days' }),
  ),
  /**
   * Retention per communication kind where it differs from `retentionDays`
   * (e.g. `{ chat: 1095 }`); rows of that kind take it at ingest.
   */
  retentionByKind: Schema.optional(
    Schema.Struct(
      Object.fromEntries(
        (['email', 'chat', 'call', 'meeting', 'sms', 'voice'] as const).map((kind) => [
          kind,
          Schema.optional(RetentionDays),
        ]),
      ) as Record<'email' | 'chat' | 'call' | 'meeting' | 'sms' | 'voice', Schema.optional<typeof RetentionDays>>,
    ),
  ),
  whisperModel: WhisperModel,
  /**
   * WORM archive: S3 Object Lock in this mode, each object locked for `days`
   * from its creation (@default `retentionDays`). Under COMPLIANCE no one can
   * shorten or lift the lock, so the blueprint refuses any retention shorter.
   */
  objectLock: Schema.optional(
    Schema.Struct({
      mode: ObjectLockMode,
      days: Schema.optional(
        Schema.Int.check(
          Schema.isBetween({ minimum: 1, maximum: 36_500 }, { message: 'must be between 1 and 36500 days' }),
        ),
      ),
    }),
  ),
  environment: Schema.optional(Schema.Literals(['prod', 'staging', 'dev'])),
  dataClassification: Schema.optional(Schema.Literals(['confidential', 'restricted'])),
  connectors: Schema.optional(Schema.Array(ConnectorConfig)),
});
export type CustomerFile = typeof CustomerFile.Type;

export const OrganizationFile = Schema.Struct({
  organization: Schema.Struct({
    name: Schema.String.check(Schema.isMinLength(1)),
    managementAccountId: AccountId,
    /** The AWS Organizations id; when set, cross-account trust also requires `aws:PrincipalOrgID`. */
    organizationId: Schema.optional(
      Schema.String.check(
        Schema.isPattern(/^o-[a-z0-9]{10,32}$/, { message: 'must be an organization id such as o-a1b2c3d4e5' }),
      ),
    ),
    homeRegion: Region,
    governedRegions: Schema.Array(Region).check(Schema.isMinLength(1)),
    /** Control Tower's shared accounts. */
    logArchiveAccountId: AccountId,
    auditAccountId: AccountId,
    organizationalUnits: Schema.Struct({
      security: Schema.String,
      infrastructure: Schema.String,
      customers: Schema.String,
      /** OU where new accounts wait, under the quarantine SCP, until their baseline is applied. @default Quarantine */
      quarantine: Schema.optional(Schema.String),
    }),
  }),
  sharedCompute: Schema.Struct({
    accountId: AccountId,
    vpcCidr: VpcCidr,
    /**
     * The shared compute VPC's id. Not copied by hand: `npx projen deploy`
     * passes the deployed stack's `VpcId` output to the later steps
     * (src/config/deployed-network.ts). A value written here must equal the
     * deployed one (synth stops otherwise); without either, customer stacks
     * synthesize without their peering (and say so): synth looks nothing up.
     */
    vpcId: Schema.optional(
      Schema.String.check(
        Schema.isPattern(/^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/, {
          message: 'must be a VPC id such as vpc-0a1b2c3d4e5f60718',
        }),
      ),
    ),
    schedule: Schema.Struct({
      intervalHours: Schema.Number.check(Schema.isBetween({ minimum: 1, maximum: 24 })),
      jitterWindowMinutes: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 1440 })),
    }),
    gpu: Schema.Struct({
      whisperInstanceTypes: Schema.Array(Schema.Literals(['g4dn.xlarge', 'g5.xlarge'])).check(Schema.isMinLength(1)),
      vllmInstanceType: Schema.String.check(
        Schema.isPattern(/^g5\.\w+$/, { message: 'must be a g5 instance type (the seed: vLLM on g5)' }),
      ),
    }),
    /**
     * The "routes per route table" quota of the shared compute account, if it
     * was raised (default quota 50, adjustable up to 1,000). Each dedicated
     * customer adds one route to every private route table.
     */
    routeTableQuota: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 50, maximum: 1000 }))),
    /**
     * How customer VPCs reach shared compute (src/config/network.ts). `peering`
     * (default): one VPC peering per dedicated customer, at most 125 (the
     * per-VPC limit). `transit-gateway`: a Transit Gateway in the shared compute
     * account, shared through RAM with the customer accounts, with isolated
     * spoke routing; for more than 124 dedicated customers.
     */
    network: Schema.optional(
      Schema.Struct({
        mode: Schema.Literals(['peering', 'transit-gateway']),
        /**
         * The Transit Gateway's id: like `vpcId`, passed by `npx projen deploy`
         * from the Transit Gateway stack's `TransitGatewayId` output; a value
         * written here must equal it.
         */
        transitGatewayId: Schema.optional(
          Schema.String.check(
            Schema.isPattern(/^tgw-[0-9a-f]{8}([0-9a-f]{9})?$/, {
              message: 'must be a Transit Gateway id such as tgw-0a1b2c3d4e5f60718',
            }),
          ),
        ),
        /**
         * Address ranges that hold every dedicated customer's VPC: the shared
         * compute VPC routes each range (not each customer) to the Transit
         * Gateway, so its route tables do not grow with customers.
         */
        customerRanges: Schema.optional(Schema.Array(NetworkCidr).check(Schema.isMinLength(1))),
      }),
    ),
    /**
     * Container images. The workers' images are built from images/* by the
     * deploy (CDK image assets); only the vLLM server image (chat, embeddings
     * and Whisper) comes from a public registry, and only by digest.
     */
    images: Schema.optional(
      Schema.Struct({
        /** The vLLM server image, pinned: `vllm/vllm-openai:<tag>@sha256:<digest>` or `<repo>@sha256:<digest>`. */
        vllm: Schema.optional(
          Schema.String.check(
            Schema.isPattern(/^[\w./:-]+@sha256:[0-9a-f]{64}$/, {
              message: 'must be pinned by digest (<image>@sha256:<64 hex digits>): a tag can move',
            }),
          ),
        ),
      }),
    ),
  }),
  pooledData: Schema.optional(
    Schema.Struct({
      /** Account that hosts the pooled cluster; defaults to the shared compute account. */
      accountId: Schema.optional(AccountId),
      vpcCidr: VpcCidr,
      database: AcuRange,
    }),
  ),
});
export type OrganizationFile = typeof OrganizationFile.Type;
