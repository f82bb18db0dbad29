import { ControlTowerClient, ListEnabledControlsCommand, ThrottlingException } from '@aws-sdk/client-controltower';
import {
  type Account,
  CreateAccountCommand,
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
  OrganizationsClient,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { Layer } from 'effect';
import type { ControlCatalog } from '../../../src/org/control-tower/control-catalog.js';
import { controlsFor } from '../../../src/org/control-tower/control-catalog.js';
import type { OrganizationLayout } from '../../../src/org/layout.js';
import type { RetryPolicy } from '../../../src/org/operations/aws-errors.js';
import { ControlTower } from '../../../src/org/operations/control-tower.js';
import { Organizations } from '../../../src/org/operations/organizations.js';
import type { ScpDocument } from '../../../src/org/scp/scp-documents.js';

/**
 * An in-memory organization behind aws-sdk-client-mock: every list call is
 * paginated two items a page with NextToken, as the real API may page at any
 * size, and responses have the shapes of the AWS API reference.
 */
export const ORG_ID = 'o-a1b2c3d4e5';
export const MANAGEMENT = '100000000001';
export const PAGE_SIZE = 2;
/** Fast retries for tests: the backoff shape is the production one, the delays are not. */
export const FAST_RETRY: RetryPolicy = { base: '1 millis', cap: '4 millis', times: 6 };

export interface FakeOu {
  id: string;
  name: string;
  parentId: string;
}
export interface FakeAccount {
  Id: string;
  Email: string;
  Name: string;
  parentId: string;
}
export interface FakePolicy {
  Id: string;
  Name: string;
  Content: string;
  targets: string[];
}

export class FakeOrganization {
  readonly rootId = 'r-ab12';
  ous: FakeOu[] = [];
  accounts: FakeAccount[] = [];
  policies: FakePolicy[] = [];
  /** OU ARN → enabled control identifiers. */
  enabledControls = new Map<string, string[]>();
  /** Command name → how many of its next calls are throttled. */
  throttle = new Map<string, number>();
  /** Command name → calls made. */
  calls = new Map<string, number>();
  /** Create requests: polls left before the outcome, and the outcome. */
  creations = new Map<string, { pollsLeft: number; email: string; name: string; fail?: string; accountId?: string }>();
  /** Polls a creation stays IN_PROGRESS. */
  pollsBeforeDone = 2;
  /** Email → FailureReason for creations that must fail. */
  failCreation = new Map<string, string>();
  /** Email → exception to throw from CreateAccount itself. */
  rejectCreate = new Map<string, Error>();
  /** Creations in progress right now, and the most at once. */
  creating = 0;
  peakCreating = 0;
  private nextAccount = 300000000000;

  readonly orgMock = mockClient(OrganizationsClient);
  // The 3.332 client predates the smithy types aws-sdk-client-mock 4 is typed against; it works at runtime.
  readonly ctMock = mockClient(ControlTowerClient as never);

  ouArn(id: string): string {
    return `arn:aws:organizations::${MANAGEMENT}:ou/${ORG_ID}/${id}`;
  }

  addOu(name: string, parentId: string): FakeOu {
    const ou = { id: `ou-ab12-${String(this.ous.length + 1).padStart(8, '0')}`, name, parentId };
    this.ous.push(ou);
    return ou;
  }

  ouNamed(name: string): FakeOu {
    const ou = this.ous.find((o) => o.name === name);
    if (!ou) throw new Error(`fake org has no OU ${name}`);
    return ou;
  }

  layers() {
    return Layer.mergeAll(
      Organizations.fromClient(new OrganizationsClient({ region: 'us-east-1' }), FAST_RETRY),
      ControlTower.fromClient(new ControlTowerClient({ region: 'us-east-1' }), FAST_RETRY),
    );
  }

  /** Counts the call and throws TooManyRequests while the command's throttle budget lasts. */
  private enter(command: string): void {
    this.calls.set(command, (this.calls.get(command) ?? 0) + 1);
    const left = this.throttle.get(command) ?? 0;
    if (left > 0) {
      this.throttle.set(command, left - 1);
      throw command === 'ListEnabledControls'
        ? new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } })
        : new TooManyRequestsException({
            message: "AWS Organizations can't complete your request because another request is in progress.",
            Type: 'TooManyRequests',
            $metadata: { httpStatusCode: 400 },
          });
    }
  }

  private page<T>(items: T[], token: string | undefined): { items: T[]; next: string | undefined } {
    const start = token ? Number(token) : 0;
    const next = start + PAGE_SIZE < items.length ? String(start + PAGE_SIZE) : undefined;
    return { items: items.slice(start, start + PAGE_SIZE), next };
  }

  private accountShape(a: FakeAccount): Account {
    return {
      Id: a.Id,
      Arn: `arn:aws:organizations::${MANAGEMENT}:account/${ORG_ID}/${a.Id}`,
      Email: a.Email,
      Name: a.Name,
      Status: 'ACTIVE',
      JoinedMethod: 'CREATED',
      JoinedTimestamp: new Date('2026-01-05T10:00:00Z'),
    };
  }

  /** Wires every command to this in-memory organization. */
  install(): this {
    const { orgMock, ctMock } = this;
    orgMock.on(ListRootsCommand).callsFake(async () => {
      this.enter('ListRoots');
      return {
        Roots: [
          {
            Id: this.rootId,
            Arn: `arn:aws:organizations::${MANAGEMENT}:root/${ORG_ID}/${this.rootId}`,
            Name: 'Root',
            PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }],
          },
        ],
      };
    });
    orgMock.on(ListOrganizationalUnitsForParentCommand).callsFake(async (input) => {
      this.enter('ListOrganizationalUnitsForParent');
      const { items, next } = this.page(
        this.ous.filter((o) => o.parentId === input.ParentId),
        input.NextToken,
      );
      return {
        OrganizationalUnits: items.map((o) => ({ Id: o.id, Arn: this.ouArn(o.id), Name: o.name })),
        NextToken: next,
      };
    });
    orgMock.on(ListAccountsCommand).callsFake(async (input) => {
      this.enter('ListAccounts');
      const { items, next } = this.page(this.accounts, input.NextToken);
      return { Accounts: items.map((a) => this.accountShape(a)), NextToken: next };
    });
    orgMock.on(ListAccountsForParentCommand).callsFake(async (input) => {
      this.enter('ListAccountsForParent');
      const { items, next } = this.page(
        this.accounts.filter((a) => a.parentId === input.ParentId),
        input.NextToken,
      );
      return { Accounts: items.map((a) => this.accountShape(a)), NextToken: next };
    });
    orgMock.on(ListParentsCommand).callsFake(async (input) => {
      this.enter('ListParents');
      const account = this.accounts.find((a) => a.Id === input.ChildId);
      const parentId = account?.parentId ?? this.rootId;
      return { Parents: [{ Id: parentId, Type: parentId === this.rootId ? 'ROOT' : 'ORGANIZATIONAL_UNIT' }] };
    });
    orgMock.on(ListPoliciesCommand).callsFake(async (input) => {
      this.enter('ListPolicies');
      const all = [
        { Id: 'p-FullAWSAccess', Name: 'FullAWSAccess', AwsManaged: true },
        ...this.policies.map((p) => ({ Id: p.Id, Name: p.Name, AwsManaged: false })),
      ];
      const { items, next } = this.page(all, input.NextToken);
      return {
        Policies: items.map((p) => ({
          ...p,
          Arn: `arn:aws:organizations::${MANAGEMENT}:policy/${ORG_ID}/service_control_policy/${p.Id}`,
          Type: 'SERVICE_CONTROL_POLICY',
          Description: '',
        })),
        NextToken: next,
      };
    });
    orgMock.on(DescribePolicyCommand).callsFake(async (input) => {
      this.enter('DescribePolicy');
      const policy = this.policies.find((p) => p.Id === input.PolicyId);
      return {
        Policy: {
          PolicySummary: { Id: policy?.Id, Name: policy?.Name, Type: 'SERVICE_CONTROL_POLICY', AwsManaged: false },
          Content: policy?.Content,
        },
      };
    });
    orgMock.on(ListTargetsForPolicyCommand).callsFake(async (input) => {
      this.enter('ListTargetsForPolicy');
      const policy = this.policies.find((p) => p.Id === input.PolicyId);
      const { items, next } = this.page(policy?.targets ?? [], input.NextToken);
      return {
        Targets: items.map((id) => ({
          TargetId: id,
          Arn: id === this.rootId ? `arn:aws:organizations::${MANAGEMENT}:root/${ORG_ID}/${id}` : this.ouArn(id),
          Name: id === this.rootId ? 'Root' : this.ous.find((o) => o.id === id)?.name,
          Type: id === this.rootId ? 'ROOT' : 'ORGANIZATIONAL_UNIT',
        })),
        NextToken: next,
      };
    });
    orgMock.on(CreateAccountCommand).callsFake(async (input) => {
      this.enter('CreateAccount');
      const rejection = this.rejectCreate.get(input.Email ?? '');
      if (rejection) throw rejection;
      const id = `car-${String(this.creations.size + 1).padStart(32, '0')}`;
      this.creations.set(id, {
        pollsLeft: this.pollsBeforeDone,
        email: input.Email ?? '',
        name: input.AccountName ?? '',
        ...(this.failCreation.has(input.Email ?? '') ? { fail: this.failCreation.get(input.Email ?? '') } : {}),
      });
      this.creating += 1;
      this.peakCreating = Math.max(this.peakCreating, this.creating);
      return {
        CreateAccountStatus: {
          Id: id,
          AccountName: input.AccountName,
          State: 'IN_PROGRESS',
          RequestedTimestamp: new Date('2026-01-05T10:00:00Z'),
        },
      };
    });
    orgMock.on(DescribeCreateAccountStatusCommand).callsFake(async (input) => {
      this.enter('DescribeCreateAccountStatus');
      // A real poll takes a round trip: let other vending fibers run meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 2));
      const request = this.creations.get(input.CreateAccountRequestId ?? '');
      if (!request) throw new Error(`unknown request ${input.CreateAccountRequestId}`);
      const base = {
        Id: input.CreateAccountRequestId,
        AccountName: request.name,
        RequestedTimestamp: new Date('2026-01-05T10:00:00Z'),
      };
      if (request.pollsLeft > 0) {
        request.pollsLeft -= 1;
        return { CreateAccountStatus: { ...base, State: 'IN_PROGRESS' } };
      }
      if (!request.accountId && !request.fail) {
        request.accountId = String(this.nextAccount++);
        this.accounts.push({ Id: request.accountId, Email: request.email, Name: request.name, parentId: this.rootId });
        this.creating -= 1;
      } else if (request.fail && request.pollsLeft === 0) {
        request.pollsLeft = -1;
        this.creating -= 1;
      }
      return {
        CreateAccountStatus: request.fail
          ? { ...base, State: 'FAILED', FailureReason: request.fail }
          : {
              ...base,
              State: 'SUCCEEDED',
              AccountId: request.accountId,
              CompletedTimestamp: new Date('2026-01-05T10:04:00Z'),
            },
      };
    });
    orgMock.on(MoveAccountCommand).callsFake(async (input) => {
      this.enter('MoveAccount');
      const account = this.accounts.find((a) => a.Id === input.AccountId);
      if (!account || account.parentId !== input.SourceParentId) throw new Error('SourceParentNotFoundException');
      account.parentId = input.DestinationParentId ?? '';
      return {};
    });
    ctMock
      .on(ListEnabledControlsCommand as never)
      .callsFake(async (input: { targetIdentifier?: string; nextToken?: string }) => {
        this.enter('ListEnabledControls');
        const { items, next } = this.page(
          this.enabledControls.get(input.targetIdentifier ?? '') ?? [],
          input.nextToken,
        );
        return { enabledControls: items.map((controlIdentifier) => ({ controlIdentifier })), nextToken: next };
      });
    return this;
  }

  restore(): void {
    this.orgMock.restore();
    this.ctMock.restore();
  }

  /** Builds the organization exactly as the blueprint plans it (accounts still to be vended do not exist). */
  static matching(
    layout: OrganizationLayout,
    documents: readonly ScpDocument[],
    catalog: ControlCatalog,
  ): FakeOrganization {
    const org = new FakeOrganization();
    const ids = new Map<string, string>();
    for (const ou of layout.ous) {
      const parentId = ou.parent === 'root' ? org.rootId : (ids.get(ou.parent) as string);
      ids.set(ou.key, org.addOu(ou.name, parentId).id);
      if (ou.controlRole)
        org.enabledControls.set(org.ouArn(ids.get(ou.key) as string), [
          'arn:aws:controltower:us-east-1::control/AWS-GR_RESTRICT_ROOT_USER',
          ...controlsFor(catalog, ou.controlRole).flatMap((c) => (c.controlIdentifier ? [c.controlIdentifier] : [])),
        ]);
    }
    for (const account of layout.accounts)
      if (account.accountId)
        org.accounts.push({
          Id: account.accountId,
          Email: account.email ?? `${account.accountId}@panops.example`,
          Name: account.name,
          parentId: ids.get(account.ou) as string,
        });
    org.accounts.push({ Id: MANAGEMENT, Email: 'management@panops.example', Name: 'Management', parentId: org.rootId });
    documents.forEach((doc, index) => {
      org.policies.push({
        Id: `p-${String(index).padStart(8, '0')}`,
        Name: doc.name,
        // Organizations returns the document as it was sent, as a JSON string.
        Content: JSON.stringify(doc.content),
        targets: doc.targets.map((target) => {
          if (target === 'root') return org.rootId;
          const ou = layout.ous.find((o) => o.scpTarget === target);
          return ids.get(ou?.key as string) as string;
        }),
      });
    });
    return org;
  }
}
