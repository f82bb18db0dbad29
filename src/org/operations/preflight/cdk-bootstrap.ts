import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { Effect } from 'effect';
import { CDK_QUALIFIER } from '../../accounts/cdk-bootstrap-stack-set.js';
import { ACCOUNT_ACCESS_ROLE } from '../../accounts/customer-accounts.js';
import { type AwsError, awsCall } from '../aws-errors.js';
import type { AccountClients, PreflightClients } from './clients.js';
import type { DeployEnvironment } from './deploy-targets.js';
import { fail, type PreflightRow, pass, unreadable } from './rows.js';

/**
 * CDK bootstrap of every (account, region) a stack deploys to. The bootstrap
 * stack publishes its version in the SSM parameter
 * `/cdk-bootstrap/<qualifier>/version` and as the `BootstrapVersion` output of
 * its stack (`CDKToolkit` when bootstrapped by `cdk bootstrap`); `cdk deploy`
 * refuses an environment below the version its synthesizer needs
 * (https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html,
 * https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-customizing.html).
 * aws-cdk-lib's DefaultStackSynthesizer needs version 6 to deploy and publish
 * assets (MIN_BOOTSTRAP_STACK_VERSION in its source).
 */
export const REQUIRED_BOOTSTRAP_VERSION = 6;
export const BOOTSTRAP_VERSION_PARAMETER = `/cdk-bootstrap/${CDK_QUALIFIER}/version`;
export const CDK_TOOLKIT_STACK = 'CDKToolkit';

const fromParameter = (clients: AccountClients) =>
  awsCall('ssm', 'GetParameter', () =>
    clients.ssm.send(new GetParameterCommand({ Name: BOOTSTRAP_VERSION_PARAMETER })),
  ).pipe(
    Effect.map((out) => Number(out.Parameter?.Value)),
    Effect.catchIf(
      (error: AwsError) => error.awsError === 'ParameterNotFound',
      () => Effect.succeed(undefined),
    ),
  );

const fromToolkitStack = (clients: AccountClients) =>
  awsCall('cloudformation', 'DescribeStacks', () =>
    clients.cloudFormation.send(new DescribeStacksCommand({ StackName: CDK_TOOLKIT_STACK })),
  ).pipe(
    Effect.map((out) => {
      const output = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'BootstrapVersion');
      return output?.OutputValue ? Number(output.OutputValue) : undefined;
    }),
    // CloudFormation answers ValidationError "Stack with id CDKToolkit does not exist".
    Effect.catchIf(
      (error: AwsError) => error.awsError === 'ValidationError',
      () => Effect.succeed(undefined),
    ),
  );

/** The bootstrap version found in the environment, or undefined when it is not bootstrapped. */
export const readBootstrapVersion = (clients: AccountClients): Effect.Effect<number | undefined, AwsError> =>
  fromParameter(clients).pipe(
    Effect.flatMap((version) =>
      version !== undefined && Number.isFinite(version) ? Effect.succeed(version) : fromToolkitStack(clients),
    ),
  );

const bootstrapCommand = (env: DeployEnvironment, managementAccountId: string) =>
  `npx cdk bootstrap aws://${env.account}/${env.region} --qualifier ${CDK_QUALIFIER} --trust ${managementAccountId} --trust-for-lookup ${managementAccountId} --cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess (with that account's credentials; customer accounts get it from the panops-cdk-bootstrap StackSet once they are in their OU)`;

export const cdkBootstrapRows = (
  clients: PreflightClients,
  environments: readonly DeployEnvironment[],
  managementAccountId: string,
): Effect.Effect<PreflightRow[]> =>
  Effect.forEach(
    environments,
    (env) => {
      const target = `${env.account}/${env.region}`;
      return clients.inAccount(env.account, env.region).pipe(
        Effect.flatMap(readBootstrapVersion),
        Effect.map((version) =>
          version === undefined
            ? fail(
                'cdk-bootstrap',
                target,
                `not bootstrapped (no ${BOOTSTRAP_VERSION_PARAMETER}, no ${CDK_TOOLKIT_STACK} stack); needed by ${env.stacks.join(', ')}`,
                bootstrapCommand(env, managementAccountId),
              )
            : version < REQUIRED_BOOTSTRAP_VERSION
              ? fail(
                  'cdk-bootstrap',
                  target,
                  `bootstrap version ${version}, below the ${REQUIRED_BOOTSTRAP_VERSION} the stacks need`,
                  bootstrapCommand(env, managementAccountId),
                )
              : pass('cdk-bootstrap', target, `bootstrap version ${version} (>= ${REQUIRED_BOOTSTRAP_VERSION})`),
        ),
        Effect.catch(
          unreadable('cdk-bootstrap', target, 'the bootstrap version', (error) =>
            error.operation === 'AssumeRole'
              ? `the account must trust the management account through ${ACCOUNT_ACCESS_ROLE} (enrolled in Control Tower, or created by Organizations with that role)`
              : `run with management-account credentials that may assume ${ACCOUNT_ACCESS_ROLE} and read SSM/CloudFormation`,
          ),
        ),
      );
    },
    { concurrency: 4 },
  );
