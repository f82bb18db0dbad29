import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { Effect } from 'effect';
import { type GpuQuotaDemand, gpuQuotaDemand } from '../../../config/gpu-capacity.js';
import type { Blueprint } from '../../../config/index.js';
import { type AwsError, awsCall } from '../aws-errors.js';
import type { AccountClients, PreflightClients } from './clients.js';
import { fail, type PreflightRow, pass, unreadable } from './rows.js';

/**
 * The G instance vCPU quotas against the GPU fleets at their maximum size
 * (the demand is src/shared-compute/gpu-capacity.ts's, the figures the
 * constructs are built from). EC2 counts these quotas in vCPUs per account
 * and region ("Amazon EC2 instance type quotas",
 * https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html);
 * GetServiceQuota gives the applied value and GetAWSDefaultServiceQuota the
 * default where none was applied
 * (https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html).
 */
const quotaValue = (account: AccountClients, quotaCode: string) =>
  awsCall('service-quotas', 'GetServiceQuota', () =>
    account.serviceQuotas.send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: quotaCode })),
  ).pipe(
    Effect.map((out) => out.Quota?.Value),
    Effect.catchIf(
      (error: AwsError) => error.awsError === 'NoSuchResourceException',
      () =>
        awsCall('service-quotas', 'GetAWSDefaultServiceQuota', () =>
          account.serviceQuotas.send(
            new GetAWSDefaultServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: quotaCode }),
          ),
        ).pipe(Effect.map((out) => out.Quota?.Value)),
    ),
    Effect.map((value) => value ?? 0),
  );

const fleetsText = (demand: GpuQuotaDemand) =>
  demand.fleets.map((f) => `${f.fleet} ${f.maxInstances} x ${f.instanceType}`).join(', ');

export const gpuQuotaRows = (clients: PreflightClients, blueprint: Blueprint): Effect.Effect<PreflightRow[]> => {
  const account = blueprint.sharedCompute.accountId;
  const region = blueprint.organization.homeRegion;
  const target = `${account}/${region}`;
  return Effect.forEach(
    gpuQuotaDemand(blueprint),
    (demand) => {
      const check = `gpu-quota ${demand.quotaCode}`;
      return clients.inAccount(account, region).pipe(
        Effect.flatMap((clientsThere) => quotaValue(clientsThere, demand.quotaCode)),
        Effect.map((value) => {
          const detail = `${demand.quotaName}: ${value} vCPUs; the fleets at their maximum need ${demand.vcpus} (${fleetsText(demand)})`;
          return value >= demand.vcpus
            ? pass(check, target, detail)
            : fail(
                check,
                target,
                detail,
                `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code ${demand.quotaCode} --desired-value ${demand.vcpus} --region ${region} (in the shared compute account ${account})`,
              );
        }),
        Effect.catch(
          unreadable(
            check,
            target,
            `the ${demand.quotaName} quota`,
            'run with management-account credentials that may assume the account role and call servicequotas:GetServiceQuota',
          ),
        ),
      );
    },
    { concurrency: 'unbounded' },
  );
};
