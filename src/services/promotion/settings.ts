import { Config, Option, type Redacted } from 'effect';

/** What the promotion CLI reads from its environment (see src/services/promotion/cli.ts); URLs carry passwords. */
export interface PromotionSettings {
  /** `PANOPS_POOLED_DATABASE_URL`: the pooled cluster, as the application role. */
  readonly pooled: Redacted.Redacted;
  /** `PANOPS_POOLED_ADMIN_URL`: the pooled cluster, as its administrator (the purge). */
  readonly admin: Redacted.Redacted;
  /** `PANOPS_POOLED_OWNER_ROLE`: owner role of the migrations. @default panops_owner */
  readonly owner: string;
  /** `PANOPS_DEDICATED_DATABASE_URL`: the customer's new database, as the application role. */
  readonly dedicated: Redacted.Redacted;
  /** `PANOPS_POOLED_ARCHIVE`: `s3://<bucket>` or a folder. */
  readonly poolArchive: string;
  /** `PANOPS_DEDICATED_ARCHIVE`: `s3://<bucket>` or a folder. */
  readonly dedicatedArchive: string;
  /** `PANOPS_DEDICATED_ARCHIVE_KEY`: the customer key every copied object is encrypted with. @default none */
  readonly dedicatedArchiveKey?: string;
  /** `PANOPS_ROUTES_FILE`. @default .local/routes.json */
  readonly routesFile: string;
  /** `PANOPS_PROMOTION_JOURNAL`. @default .local/promotions */
  readonly journalDir: string;
}

/** The promotion CLI's settings; a missing variable is a ConfigError naming it. */
export const promotionSettingsConfig: Config.Config<PromotionSettings> = Config.all({
  pooled: Config.Redacted('PANOPS_POOLED_DATABASE_URL'),
  admin: Config.Redacted('PANOPS_POOLED_ADMIN_URL'),
  owner: Config.String('PANOPS_POOLED_OWNER_ROLE').pipe(Config.withDefault('panops_owner')),
  dedicated: Config.Redacted('PANOPS_DEDICATED_DATABASE_URL'),
  poolArchive: Config.String('PANOPS_POOLED_ARCHIVE'),
  dedicatedArchive: Config.String('PANOPS_DEDICATED_ARCHIVE'),
  dedicatedArchiveKey: Config.option(Config.String('PANOPS_DEDICATED_ARCHIVE_KEY')),
  routesFile: Config.String('PANOPS_ROUTES_FILE').pipe(Config.withDefault('.local/routes.json')),
  journalDir: Config.String('PANOPS_PROMOTION_JOURNAL').pipe(Config.withDefault('.local/promotions')),
}).pipe(
  Config.map(({ dedicatedArchiveKey, ...settings }) => ({
    ...settings,
    ...Option.match(dedicatedArchiveKey, { onNone: () => ({}), onSome: (key) => ({ dedicatedArchiveKey: key }) }),
  })),
);
