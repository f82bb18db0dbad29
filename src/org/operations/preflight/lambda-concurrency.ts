import { GetAccountSettingsCommand } from '@aws-sdk/client-lambda';
import { Effect } from 'effect';
import { awsCall } from '../aws-errors.js';
import type { PreflightClients } from './clients.js';
import type { ReservedConcurrencyDemand } from './deploy-targets.js';
import { fail, type PreflightRow, pass, unreadable } from './rows.js';

/**
 * Reserved concurrency against the account's Lambda concurrency limit. Lambda
 * keeps 100 of the account's concurrency unreserved: a function can reserve
 * up to the unreserved account concurrency minus 100
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
 * New accounts often start far below the default 1,000 (10 is common), and
 * then the first function with reserved concurrency fails the deploy. The
 * limit is read with GetAccountSettings (`AccountLimit.ConcurrentExecutions`,
 * https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html);
 * the quota to raise is Lambda's "Concurrent executions", L-B99A9384.
 */
export const LAMBDA_UNRESERVED_MINIMUM = 100;
export const LAMBDA_CONCURRENCY_QUOTA_CODE = 'L-B99A9384';

/** The smallest account limit that lets the stacks reserve `reserved`. */
export const requiredConcurrencyLimit = (reserved: number): number => reserved + LAMBDA_UNRESERVED_MINIMUM;

export const lambdaConcurrencyRows = (
  clients: PreflightClients,
  demands: readonly ReservedConcurrencyDemand[],
): Effect.Effect<PreflightRow[]> =>
  Effect.forEach(
    demands,
    (demand) => {
      const target = `${demand.account}/${demand.region}`;
      const needed = requiredConcurrencyLimit(demand.reserved);
      const fix = `aws service-quotas request-service-quota-increase --service-code lambda --quota-code ${LAMBDA_CONCURRENCY_QUOTA_CODE} --desired-value ${Math.max(needed, 1000)} --region ${demand.region} (in account ${demand.account})`;
      return clients.inAccount(demand.account, demand.region).pipe(
        Effect.flatMap((account) =>
          awsCall('lambda', 'GetAccountSettings', () => account.lambda.send(new GetAccountSettingsCommand({}))),
        ),
        Effect.map((settings) => {
          const limit = settings.AccountLimit?.ConcurrentExecutions ?? 0;
          const detail = `concurrency limit ${limit}; the stacks reserve ${demand.reserved} (${demand.functions.length} functions) and Lambda keeps ${LAMBDA_UNRESERVED_MINIMUM} unreserved: needs >= ${needed}`;
          return limit >= needed
            ? pass('lambda-concurrency', target, detail)
            : fail('lambda-concurrency', target, detail, fix);
        }),
        Effect.catch(
          unreadable(
            'lambda-concurrency',
            target,
            'Lambda account settings',
            'run with management-account credentials that may assume the account role and call lambda:GetAccountSettings',
          ),
        ),
      );
    },
    { concurrency: 4 },
  );
