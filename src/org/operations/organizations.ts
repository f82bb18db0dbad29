import {
  type Account,
  CreateAccountCommand,
  type CreateAccountStatus,
  DescribeCreateAccountStatusCommand,
  DescribePolicyCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  MoveAccountCommand,
  type OrganizationalUnit,
  OrganizationsClient,
  type Parent,
  type PolicySummary,
  type PolicyTargetSummary,
  type Root,
} from '@aws-sdk/client-organizations';
import { Context, Effect, Layer } from 'effect';
import { type AwsError, awsCall, DEFAULT_RETRY, type RetryPolicy } from './aws-errors.js';

/** Collects every page of a NextToken-paginated list. */
export const allPages = <Page, Item>(
  fetch: (nextToken: string | undefined) => Effect.Effect<Page, AwsError>,
  items: (page: Page) => readonly Item[] | undefined,
  next: (page: Page) => string | undefined,
): Effect.Effect<Item[], AwsError> =>
  Effect.gen(function* () {
    const collected: Item[] = [];
    let token: string | undefined;
    do {
      const page = yield* fetch(token);
      collected.push(...(items(page) ?? []));
      token = next(page);
    } while (token);
    return collected;
  });

export interface NewAccount {
  readonly email: string;
  readonly name: string;
  /** Role Organizations creates in the account, trusted by the management account. */
  readonly roleName: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** The AWS Organizations calls the org operations make: typed errors, throttling retried, lists paginated. */
export class Organizations extends Context.Service<
  Organizations,
  {
    readonly listRoots: () => Effect.Effect<Root[], AwsError>;
    readonly listOrganizationalUnits: (parentId: string) => Effect.Effect<OrganizationalUnit[], AwsError>;
    readonly listAccounts: () => Effect.Effect<Account[], AwsError>;
    readonly listAccountsForParent: (parentId: string) => Effect.Effect<Account[], AwsError>;
    readonly listParents: (childId: string) => Effect.Effect<Parent[], AwsError>;
    readonly listServiceControlPolicies: () => Effect.Effect<PolicySummary[], AwsError>;
    /** The policy document as Organizations returns it (a JSON string). */
    readonly describePolicyContent: (policyId: string) => Effect.Effect<string, AwsError>;
    readonly listTargetsForPolicy: (policyId: string) => Effect.Effect<PolicyTargetSummary[], AwsError>;
    readonly createAccount: (account: NewAccount) => Effect.Effect<CreateAccountStatus, AwsError>;
    readonly describeCreateAccountStatus: (requestId: string) => Effect.Effect<CreateAccountStatus, AwsError>;
    readonly moveAccount: (
      accountId: string,
      sourceParentId: string,
      destinationParentId: string,
    ) => Effect.Effect<void, AwsError>;
  }
>()('panops/org/operations/Organizations') {
  /** The service over a real (or mocked) SDK client. */
  static fromClient(client: OrganizationsClient, retry: RetryPolicy = DEFAULT_RETRY) {
    const call = <A>(operation: string, send: () => Promise<A>) => awsCall('organizations', operation, send, retry);
    return Layer.succeed(
      Organizations,
      Organizations.of({
        listRoots: () =>
          allPages(
            (NextToken) => call('ListRoots', () => client.send(new ListRootsCommand({ NextToken }))),
            (page) => page.Roots,
            (page) => page.NextToken,
          ),
        listOrganizationalUnits: (ParentId) =>
          allPages(
            (NextToken) =>
              call('ListOrganizationalUnitsForParent', () =>
                client.send(new ListOrganizationalUnitsForParentCommand({ ParentId, NextToken })),
              ),
            (page) => page.OrganizationalUnits,
            (page) => page.NextToken,
          ),
        listAccounts: () =>
          allPages(
            (NextToken) => call('ListAccounts', () => client.send(new ListAccountsCommand({ NextToken }))),
            (page) => page.Accounts,
            (page) => page.NextToken,
          ),
        listAccountsForParent: (ParentId) =>
          allPages(
            (NextToken) =>
              call('ListAccountsForParent', () =>
                client.send(new ListAccountsForParentCommand({ ParentId, NextToken })),
              ),
            (page) => page.Accounts,
            (page) => page.NextToken,
          ),
        listParents: (ChildId) =>
          allPages(
            (NextToken) => call('ListParents', () => client.send(new ListParentsCommand({ ChildId, NextToken }))),
            (page) => page.Parents,
            (page) => page.NextToken,
          ),
        listServiceControlPolicies: () =>
          allPages(
            (NextToken) =>
              call('ListPolicies', () =>
                client.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY', NextToken })),
              ),
            (page) => page.Policies,
            (page) => page.NextToken,
          ),
        describePolicyContent: (PolicyId) =>
          call('DescribePolicy', () => client.send(new DescribePolicyCommand({ PolicyId }))).pipe(
            Effect.map((out) => out.Policy?.Content ?? ''),
          ),
        listTargetsForPolicy: (PolicyId) =>
          allPages(
            (NextToken) =>
              call('ListTargetsForPolicy', () => client.send(new ListTargetsForPolicyCommand({ PolicyId, NextToken }))),
            (page) => page.Targets,
            (page) => page.NextToken,
          ),
        createAccount: (account) =>
          call('CreateAccount', () =>
            client.send(
              new CreateAccountCommand({
                Email: account.email,
                AccountName: account.name,
                RoleName: account.roleName,
                IamUserAccessToBilling: 'DENY',
                Tags: Object.entries(account.tags).map(([Key, Value]) => ({ Key, Value })),
              }),
            ),
          ).pipe(Effect.map((out) => out.CreateAccountStatus ?? {})),
        describeCreateAccountStatus: (CreateAccountRequestId) =>
          call('DescribeCreateAccountStatus', () =>
            client.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId })),
          ).pipe(Effect.map((out) => out.CreateAccountStatus ?? {})),
        moveAccount: (AccountId, SourceParentId, DestinationParentId) =>
          call('MoveAccount', () =>
            client.send(new MoveAccountCommand({ AccountId, SourceParentId, DestinationParentId })),
          ).pipe(Effect.asVoid),
      }),
    );
  }

  /** The service over a client for the management account's credentials (Organizations is served from us-east-1). */
  static readonly live = (retry: RetryPolicy = DEFAULT_RETRY) =>
    Organizations.fromClient(new OrganizationsClient({ region: 'us-east-1' }), retry);
}
