import { ListAWSServiceAccessForOrganizationCommand, ListRootsCommand, type Root } from '@aws-sdk/client-organizations';
import { Effect } from 'effect';
import type { Blueprint } from '../../../config/index.js';
import { usesTransitGateway } from '../../../config/index.js';
import { type AwsError, awsCall } from '../aws-errors.js';
import { allPages } from '../organizations.js';
import type { PreflightClients } from './clients.js';
import { fail, type PreflightRow, pass } from './rows.js';

/**
 * The one-time settings of an organization that the stacks depend on and no
 * CloudFormation resource turns on:
 * - StackSets trusted access: service-managed StackSets (the CDK bootstrap
 *   StackSet) need it. Activating it enables the service principal
 *   `member.org.stacksets.cloudformation.amazonaws.com` in Organizations
 *   (ActivateOrganizationsAccess,
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ActivateOrganizationsAccess.html;
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-activate-trusted-access.html).
 * - The SCP policy type on the root: an SCP can be attached only once its
 *   type is enabled in the root (EnablePolicyType; ListRoots shows each
 *   type's status, https://docs.aws.amazon.com/organizations/latest/APIReference/API_EnablePolicyType.html).
 * - RAM sharing with AWS Organizations (transit-gateway mode): sharing the
 *   Transit Gateway with an OU or the organization needs it
 *   (EnableSharingWithAwsOrganization, https://docs.aws.amazon.com/ram/latest/APIReference/API_EnableSharingWithAwsOrganization.html);
 *   it enables the `ram.amazonaws.com` service principal.
 */
export const STACKSETS_SERVICE_PRINCIPAL = 'member.org.stacksets.cloudformation.amazonaws.com';
export const RAM_SERVICE_PRINCIPAL = 'ram.amazonaws.com';

/** What the organization shows of those settings. */
export interface OrganizationSettingsState {
  readonly root: Root | undefined;
  readonly servicePrincipals: ReadonlySet<string>;
}

export interface OrganizationSetting {
  readonly id: 'stacksets-trusted-access' | 'scp-policy-type' | 'ram-organization-sharing';
  readonly title: string;
  readonly needed: (blueprint: Blueprint) => boolean;
  readonly enabled: (state: OrganizationSettingsState) => boolean;
  /** The exact AWS CLI command that enables it, run with management-account credentials. */
  readonly command: (state: OrganizationSettingsState) => string;
}

const rootId = (state: OrganizationSettingsState) => state.root?.Id ?? '<root id from aws organizations list-roots>';

export const ORGANIZATION_SETTINGS: readonly OrganizationSetting[] = [
  {
    id: 'stacksets-trusted-access',
    title: 'CloudFormation StackSets trusted access with AWS Organizations',
    needed: () => true,
    enabled: (state) => state.servicePrincipals.has(STACKSETS_SERVICE_PRINCIPAL),
    command: () => 'aws cloudformation activate-organizations-access --region us-east-1',
  },
  {
    id: 'scp-policy-type',
    title: 'Service control policies enabled on the root',
    needed: () => true,
    enabled: (state) =>
      (state.root?.PolicyTypes ?? []).some((t) => t.Type === 'SERVICE_CONTROL_POLICY' && t.Status === 'ENABLED'),
    command: (state) =>
      `aws organizations enable-policy-type --root-id ${rootId(state)} --policy-type SERVICE_CONTROL_POLICY`,
  },
  {
    id: 'ram-organization-sharing',
    title: 'RAM sharing with AWS Organizations (the Transit Gateway is shared with customer accounts)',
    needed: (blueprint) => usesTransitGateway(blueprint),
    enabled: (state) => state.servicePrincipals.has(RAM_SERVICE_PRINCIPAL),
    command: () => 'aws ram enable-sharing-with-aws-organization --region us-east-1',
  },
];

/** Reads the root and the enabled service principals (read-only). */
export const readOrganizationSettings = (
  clients: Pick<PreflightClients, 'organizations'>,
): Effect.Effect<OrganizationSettingsState, AwsError> =>
  Effect.gen(function* () {
    const client = clients.organizations;
    const roots = yield* allPages(
      (NextToken) => awsCall('organizations', 'ListRoots', () => client.send(new ListRootsCommand({ NextToken }))),
      (page) => page.Roots,
      (page) => page.NextToken,
    );
    const principals = yield* allPages(
      (NextToken) =>
        awsCall('organizations', 'ListAWSServiceAccessForOrganization', () =>
          client.send(new ListAWSServiceAccessForOrganizationCommand({ NextToken })),
        ),
      (page) => page.EnabledServicePrincipals,
      (page) => page.NextToken,
    );
    return {
      root: roots[0],
      servicePrincipals: new Set(principals.map((p) => p.ServicePrincipal ?? '')),
    };
  });

/** One row per setting the blueprint needs. */
export const organizationSettingRows = (blueprint: Blueprint, state: OrganizationSettingsState): PreflightRow[] =>
  ORGANIZATION_SETTINGS.filter((s) => s.needed(blueprint)).map((setting) =>
    setting.enabled(state)
      ? pass(setting.id, 'organization', `${setting.title}: enabled`)
      : fail(setting.id, 'organization', `${setting.title}: not enabled`, setting.command(state)),
  );
