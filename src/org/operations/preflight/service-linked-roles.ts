import { GetRoleCommand } from '@aws-sdk/client-iam';
import { Effect } from 'effect';
import type { Blueprint } from '../../../config/index.js';
import { type AwsError, awsCall } from '../aws-errors.js';
import type { PreflightClients } from './clients.js';
import { fail, type PreflightRow, pass } from './rows.js';

/**
 * Service-linked roles the shared compute stack needs before it deploys and
 * that a fresh account may not have:
 * - `AWSServiceRoleForEC2Spot`: the Whisper fleet launches Spot Instances; the
 *   console creates this role, but "if you use the AWS CLI or an API, you must
 *   ensure that this role exists"
 *   (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-fleet-prerequisites.html,
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/service-linked-roles-spot-instance-requests.html).
 * - `AWSServiceRoleForECS`: the Fargate connector workers' cluster and
 *   services; ECS creates it on first use, which can race the first
 *   CreateService in a new account
 *   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html).
 */
export interface RequiredServiceLinkedRole {
  readonly roleName: string;
  readonly service: string;
  readonly why: string;
}

export const SHARED_COMPUTE_SERVICE_LINKED_ROLES: readonly RequiredServiceLinkedRole[] = [
  { roleName: 'AWSServiceRoleForEC2Spot', service: 'spot.amazonaws.com', why: 'the Whisper fleet runs on Spot' },
  { roleName: 'AWSServiceRoleForECS', service: 'ecs.amazonaws.com', why: 'the connector workers run on ECS Fargate' },
];

export const serviceLinkedRoleRows = (
  clients: PreflightClients,
  blueprint: Blueprint,
): Effect.Effect<PreflightRow[]> => {
  const account = blueprint.sharedCompute.accountId;
  const region = blueprint.organization.homeRegion;
  return Effect.forEach(
    SHARED_COMPUTE_SERVICE_LINKED_ROLES,
    (role) => {
      const check = `service-linked-role ${role.roleName}`;
      const create = `aws iam create-service-linked-role --aws-service-name ${role.service} (in the shared compute account ${account})`;
      return clients.inAccount(account, region).pipe(
        Effect.flatMap((there) =>
          awsCall('iam', 'GetRole', () => there.iam.send(new GetRoleCommand({ RoleName: role.roleName }))),
        ),
        Effect.map(() => pass(check, account, `exists (${role.why})`)),
        Effect.catch((error: AwsError) =>
          Effect.succeed(
            error.awsError === 'NoSuchEntity' || error.awsError === 'NoSuchEntityException'
              ? fail(check, account, `missing (${role.why})`, create)
              : fail(check, account, `could not read the role: ${error.message}`, create),
          ),
        ),
      );
    },
    { concurrency: 'unbounded' },
  );
};
