import { Duration, Effect, Result, Schedule, Schema } from 'effect';
import type { Blueprint, DedicatedCustomer } from '../../config/index.js';
import { AWS_LIMITS, dedicatedCustomers } from '../../config/index.js';
import { ACCOUNT_ACCESS_ROLE, customerAccountTags } from '../accounts/customer-accounts.js';
import type { OrganizationLayout } from '../layout.js';
import { isPendingAccount, planOrganization } from '../layout.js';
import { AccountLedger, type LedgerWriteFailed } from './account-ledger.js';
import { AccountReadiness, isReady } from './account-readiness.js';
import type { AwsError } from './aws-errors.js';
import { matchPlannedOus, readLiveTree } from './live-organization.js';
import { Organizations } from './organizations.js';

/** Organizations reported the account creation as FAILED. */
export class AccountCreationFailed extends Schema.TaggedError<AccountCreationFailed>()('AccountCreationFailed', {
  customer: Schema.String,
  email: Schema.String,
  /** Organizations' FailureReason, e.g. EMAIL_ALREADY_EXISTS, ACCOUNT_LIMIT_EXCEEDED. */
  reason: Schema.String,
}) {
  override get message(): string {
    const hint =
      this.reason === 'EMAIL_ALREADY_EXISTS'
        ? ' (the email belongs to an AWS account outside this organization: invite it, or use another email)'
        : '';
    return `Creating the account of ${this.customer} (${this.email}) failed: ${this.reason}${hint}`;
  }
}

/** The creation stayed IN_PROGRESS for longer than the vending command waits. */
export class AccountCreationTimedOut extends Schema.TaggedError<AccountCreationTimedOut>()('AccountCreationTimedOut', {
  customer: Schema.String,
  requestId: Schema.String,
  waited: Schema.String,
}) {
  override get message(): string {
    return `The account of ${this.customer} was still being created after ${this.waited} (request ${this.requestId}); run vend again to pick it up`;
  }
}

/** The account never became ready for release (enrolled, bootstrapped) within the wait. */
export class AccountNotReadyForRelease extends Schema.TaggedError<AccountNotReadyForRelease>()(
  'AccountNotReadyForRelease',
  {
    customer: Schema.String,
    accountId: Schema.String,
    waitingFor: Schema.Array(Schema.String),
    waited: Schema.String,
  },
) {
  override get message(): string {
    return `The account ${this.accountId} of ${this.customer} stays in Quarantine: after ${this.waited} it still waits for ${this.waitingFor.join('; ')}. Run vend --release again once they are done (Control Tower console, CloudFormation StackSet panops-cdk-bootstrap)`;
  }
}

/** An OU the vending needs does not exist yet: deploy the organization stack first. */
export class OrganizationNotReady extends Schema.TaggedError<OrganizationNotReady>()('OrganizationNotReady', {
  ou: Schema.String,
}) {
  override get message(): string {
    return `OU ${this.ou} does not exist: deploy PanOps-Organization before vending accounts`;
  }
}

export type VendError =
  | AwsError
  | AccountCreationFailed
  | AccountCreationTimedOut
  | AccountNotReadyForRelease
  | LedgerWriteFailed;

export interface VendOptions {
  /** Move accounts that were already waiting in Quarantine to their Customers OU and record their ids. @default false */
  readonly release?: boolean;
  /** Customers vended at once; never more than Control Tower's limit. @default AWS_LIMITS.controlTowerConcurrentOperations */
  readonly concurrency?: number;
  /** First delay between creation-status polls; doubles up to `pollCap`. @default 5 seconds */
  readonly pollBase?: Duration.Input;
  /** @default 60 seconds */
  readonly pollCap?: Duration.Input;
  /** Longest wait for one account to be created. @default 30 minutes */
  readonly pollTimeout?: Duration.Input;
  /** Between readiness checks before a release. @default 30 seconds */
  readonly readinessPoll?: Duration.Input;
  /** Longest wait for an account to be enrolled and bootstrapped before its release. @default 60 minutes */
  readonly readinessTimeout?: Duration.Input;
  /** Where progress lines go (what each release waits for). @default nowhere */
  readonly onProgress?: (line: string) => void;
}

export type VendOutcome =
  | {
      readonly customer: string;
      readonly ok: true;
      readonly accountId: string;
      /** `created` by this run, or `adopted` (it existed already, e.g. created by the org stack). */
      readonly origin: 'created' | 'adopted';
      /** `quarantined` (waits for its baseline) or `released` (in its Customers OU, id recorded). */
      readonly state: 'quarantined' | 'released';
    }
  | { readonly customer: string; readonly ok: false; readonly error: string; readonly errorTag: string };

export interface VendReport {
  readonly outcomes: readonly VendOutcome[];
  /** The most customers that were being vended at the same time. */
  readonly concurrency: number;
}

/** The concurrency actually used: what was asked, capped by Control Tower's limit. */
export const vendConcurrency = (requested?: number): number =>
  Math.max(
    1,
    Math.min(requested ?? AWS_LIMITS.controlTowerConcurrentOperations, AWS_LIMITS.controlTowerConcurrentOperations),
  );

/** Polls the creation request with capped exponential backoff until it SUCCEEDS (its account id) or FAILS. */
const awaitCreation = (customer: DedicatedCustomer, requestId: string, options: VendOptions) =>
  Effect.gen(function* () {
    const organizations = yield* Organizations;
    const schedule = Schedule.min([
      Schedule.exponential(options.pollBase ?? '5 seconds'),
      Schedule.spaced(options.pollCap ?? '60 seconds'),
    ]).pipe(Schedule.upTo({ duration: options.pollTimeout ?? '30 minutes' }));
    const status = yield* organizations
      .describeCreateAccountStatus(requestId)
      .pipe(Effect.repeat({ schedule, until: (s) => s.State !== 'IN_PROGRESS' }));
    if (status.State === 'SUCCEEDED' && status.AccountId) return status.AccountId;
    if (status.State === 'FAILED')
      return yield* new AccountCreationFailed({
        customer: customer.slug,
        email: customer.accountEmail ?? '',
        reason: status.FailureReason ?? 'UNKNOWN',
      });
    return yield* new AccountCreationTimedOut({
      customer: customer.slug,
      requestId,
      waited: Duration.format(Duration.fromInputUnsafe(options.pollTimeout ?? '30 minutes')),
    });
  });

/**
 * Waits until the account is enrolled in Control Tower and its CDK bootstrap
 * StackSet instances are current (AccountReadiness), saying what it waits for
 * each time that changes; a typed error after `readinessTimeout`.
 */
const awaitReadyForRelease = (
  customer: DedicatedCustomer,
  accountId: string,
  arn: string | undefined,
  options: VendOptions,
) =>
  Effect.gen(function* () {
    const readiness = yield* AccountReadiness;
    let said = '';
    const checkOnce = readiness.check(accountId, arn).pipe(
      Effect.tap((report) =>
        Effect.sync(() => {
          const now = report.waitingFor.join('; ');
          if (now && now !== said) options.onProgress?.(`  ${customer.slug}: account ${accountId} waits for ${now}`);
          said = now;
        }),
      ),
    );
    const timeout = options.readinessTimeout ?? '60 minutes';
    const report = yield* checkOnce.pipe(
      Effect.repeat({
        schedule: Schedule.spaced(options.readinessPoll ?? '30 seconds').pipe(Schedule.upTo({ duration: timeout })),
        until: isReady,
      }),
    );
    if (!isReady(report))
      return yield* new AccountNotReadyForRelease({
        customer: customer.slug,
        accountId,
        waitingFor: report.waitingFor,
        waited: Duration.format(Duration.fromInputUnsafe(timeout)),
      });
  });

/**
 * Vends the account of every dedicated customer the blueprint knows only by
 * email: adopts it if the organization already has it (the org stack may have
 * created it), otherwise creates it and waits for it; puts it in Quarantine.
 * With `release`, accounts that were already waiting in Quarantine when the
 * run started move to their Customers OU and get their id recorded in the
 * customer file, each only once Control Tower enrolled it and the bootstrap
 * StackSet instance is current there (else it stays in Quarantine, reported
 * as AccountNotReadyForRelease). One customer failing does not stop the others.
 */
export const vendAccounts = (
  blueprint: Blueprint,
  options: VendOptions = {},
): Effect.Effect<VendReport, AwsError | OrganizationNotReady, Organizations | AccountLedger | AccountReadiness> =>
  Effect.gen(function* () {
    const organizations = yield* Organizations;
    const ledger = yield* AccountLedger;
    const layout: OrganizationLayout = planOrganization(blueprint);
    const pending = dedicatedCustomers(blueprint).filter((c) => isPendingAccount(c) && c.accountEmail);
    if (pending.length === 0) return { outcomes: [], concurrency: 0 };

    const tree = yield* readLiveTree;
    const ous = matchPlannedOus(layout, tree);
    const quarantine = ous.get('quarantine');
    if (!quarantine)
      return yield* new OrganizationNotReady({
        ou: layout.ous.find((o) => o.key === 'quarantine')?.name ?? 'Quarantine',
      });
    const existing = yield* organizations.listAccounts();
    const byEmail = new Map(existing.map((a) => [a.Email?.toLowerCase() ?? '', a]));

    let inFlight = 0;
    let peak = 0;
    const vendOne = (customer: DedicatedCustomer) =>
      Effect.gen(function* () {
        const email = customer.accountEmail as string;
        const found = byEmail.get(email.toLowerCase());
        let accountId: string;
        let origin: 'created' | 'adopted';
        if (found?.Id) {
          accountId = found.Id;
          origin = 'adopted';
        } else {
          const request = yield* organizations.createAccount({
            email,
            name: `PanOps ${customer.displayName}`,
            roleName: ACCOUNT_ACCESS_ROLE,
            tags: customerAccountTags(customer),
          });
          accountId = yield* awaitCreation(customer, request.Id ?? '', options);
          origin = 'created';
        }
        const [parent] = yield* organizations.listParents(accountId);
        const parentId = parent?.Id ?? tree.rootId;
        const shardKey = layout.customerShard.get(customer.slug) as string;
        const shard = ous.get(shardKey);
        const waitedInQuarantine = parentId === quarantine.id;
        if (!waitedInQuarantine && parentId !== shard?.id) {
          // New (or stray) accounts wait in Quarantine until their baseline is applied.
          yield* organizations.moveAccount(accountId, parentId, quarantine.id);
        }
        if (options.release && waitedInQuarantine) {
          if (!shard) return yield* new OrganizationNotReady({ ou: shardKey });
          // Released only once enrolled and bootstrapped: its stacks deploy right after.
          yield* awaitReadyForRelease(customer, accountId, found?.Arn, options);
          yield* organizations.moveAccount(accountId, quarantine.id, shard.id);
          yield* ledger.record(customer, accountId);
          return { customer: customer.slug, ok: true as const, accountId, origin, state: 'released' as const };
        }
        if (parentId === shard?.id) {
          // Released earlier (e.g. by hand) but not recorded: record it now.
          yield* ledger.record(customer, accountId);
          return { customer: customer.slug, ok: true as const, accountId, origin, state: 'released' as const };
        }
        return { customer: customer.slug, ok: true as const, accountId, origin, state: 'quarantined' as const };
      });

    const outcomes = yield* Effect.forEach(
      pending,
      (customer) =>
        Effect.suspend(() => {
          inFlight += 1;
          peak = Math.max(peak, inFlight);
          return vendOne(customer);
        }).pipe(
          Effect.ensuring(Effect.sync(() => (inFlight -= 1))),
          Effect.result,
          Effect.map(
            (result): VendOutcome =>
              Result.isSuccess(result)
                ? result.success
                : {
                    customer: customer.slug,
                    ok: false,
                    error: (result.failure as VendError | OrganizationNotReady).message,
                    errorTag: (result.failure as VendError | OrganizationNotReady)._tag,
                  },
          ),
        ),
      { concurrency: vendConcurrency(options.concurrency) },
    );
    return { outcomes, concurrency: peak };
  });

export const formatVendReport = (report: VendReport): string =>
  report.outcomes.length === 0
    ? 'Nothing to vend: every dedicated customer has an account id.'
    : report.outcomes
        .map((o) =>
          o.ok
            ? `  ${o.customer}: account ${o.accountId} ${o.origin}, ${o.state === 'released' ? 'released to its Customers OU (id recorded)' : 'in Quarantine until its baseline is applied (run vend --release after the organization deploy)'}`
            : `  ${o.customer}: FAILED [${o.errorTag}] ${o.error}`,
        )
        .join('\n');
