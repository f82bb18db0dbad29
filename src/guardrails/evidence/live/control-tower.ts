import {
  type ControlTowerClient,
  type EnabledControlSummary,
  ListEnabledControlsCommand,
} from '@aws-sdk/client-controltower';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { Effect } from 'effect';
import { type ControlCatalog, type ControlEntry, controlsFor } from '../../../org/control-tower/control-catalog.js';
import type { OrganizationLayout } from '../../../org/layout.js';
import { matchPlannedOus, readLiveTree } from '../../../org/operations/live-organization.js';
import { Organizations } from '../../../org/operations/organizations.js';
import type { OrganizationSource } from './collect.js';
import { describeError, type LiveCheck, notRead } from './model.js';

/**
 * An enabled control as ListEnabledControls answers today: beside the
 * identifier, its status (SUCCEEDED, FAILED, UNDER_CHANGE) and drift status
 * (https://docs.aws.amazon.com/controltower/latest/APIReference/API_EnabledControlSummary.html).
 * The client this registry serves (3.332) predates those fields in its types
 * but passes them through (its deserializer copies the list as JSON), so they
 * are read here; GetEnabledControl is not in that client at all.
 */
export interface EnabledControlState extends EnabledControlSummary {
  readonly arn?: string;
  readonly statusSummary?: { readonly status?: string; readonly lastOperationIdentifier?: string };
  readonly driftStatusSummary?: { readonly driftStatus?: string };
}

/** Every control enabled on one OU (by its ARN), every page. */
export const enabledControlStates = async (
  client: ControlTowerClient,
  targetIdentifier: string,
): Promise<EnabledControlState[]> => {
  const states: EnabledControlState[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListEnabledControlsCommand({ targetIdentifier, nextToken }));
    states.push(...((page.enabledControls ?? []) as EnabledControlState[]));
    nextToken = page.nextToken || undefined;
  } while (nextToken);
  return states;
};

export interface ControlTowerSourceInput {
  readonly layout: OrganizationLayout;
  readonly catalog: ControlCatalog;
  /** Identifiers resolved from the Control Catalog for the controls controls.json leaves to the deploy (alias → ARN). */
  readonly resolvedIdentifiers?: ReadonlyMap<string, string>;
  /** Management account, landing zone home region. */
  readonly organizations: OrganizationsClient;
  readonly controlTower: ControlTowerClient;
  readonly managementAccount: string;
  readonly homeRegion: string;
  /** The guardrails a control serves (from the catalog's Control Tower layer). */
  readonly guardrailsOf: (controlId: string) => readonly string[];
}

const describeState = (s: EnabledControlState): string =>
  [
    `enabled, status ${s.statusSummary?.status ?? 'not reported'}`,
    s.driftStatusSummary?.driftStatus ? `drift ${s.driftStatusSummary.driftStatus}` : '',
  ]
    .filter(Boolean)
    .join(', ');

/**
 * Every control controls.json enables, on every OU of its role: enabled on the
 * live OU with status SUCCEEDED (and not DRIFTED), as Control Tower reports it.
 * OUs are found as `npx projen drift` finds them (src/org/operations/live-organization.ts).
 */
export const controlTowerSource = (input: ControlTowerSourceInput): OrganizationSource => ({
  source: 'control-tower',
  checks: async () => {
    const base = {
      source: 'control-tower' as const,
      account: input.managementAccount,
      region: input.homeRegion,
    };
    const identifierOf = (c: ControlEntry) => c.controlIdentifier ?? input.resolvedIdentifiers?.get(c.id);
    let ous: Map<string, { arn: string } | undefined>;
    try {
      const tree = await Effect.runPromise(
        readLiveTree.pipe(Effect.provide(Organizations.fromClient(input.organizations))),
      );
      ous = matchPlannedOus(input.layout, tree);
    } catch (error) {
      return [
        notRead(
          { ...base, guardrails: [], subject: 'the organization tree', synth: 'readable from the management account' },
          error,
        ),
      ];
    }
    const checks: LiveCheck[] = [];
    for (const ou of input.layout.ous) {
      if (!ou.controlRole) continue;
      const wanted = controlsFor(input.catalog, ou.controlRole);
      if (wanted.length === 0) continue;
      const live = ous.get(ou.key);
      let states: EnabledControlState[] | undefined;
      let problem: string | undefined;
      if (live)
        try {
          states = await enabledControlStates(input.controlTower, live.arn);
        } catch (error) {
          problem = describeError(error);
        }
      for (const control of wanted) {
        const identifier = identifierOf(control);
        const check = {
          ...base,
          guardrails: input.guardrailsOf(control.id),
          subject: `${control.id} on OU ${ou.name}`,
          synth: `enabled (verified at synth by Guard rule ${control.guardRule})`,
        };
        if (!identifier) {
          checks.push({
            ...check,
            live: 'not checked: identifier neither in controls.json nor resolved from the Control Catalog',
            status: 'unverified',
          });
          continue;
        }
        if (!live) {
          checks.push({ ...check, live: 'OU absent from the organization', status: 'disagrees' });
          continue;
        }
        if (!states) {
          checks.push({ ...check, live: `not read: ${problem}`, status: 'unverified' });
          continue;
        }
        const state = states.find((s) => s.controlIdentifier === identifier);
        if (!state) {
          checks.push({ ...check, live: 'not enabled', status: 'disagrees' });
          continue;
        }
        const status = state.statusSummary?.status;
        const drifted = state.driftStatusSummary?.driftStatus === 'DRIFTED';
        checks.push({
          ...check,
          live: describeState(state),
          // No status reported counts as enabled (the control is listed on the OU); UNDER_CHANGE is neither yet.
          status:
            status === 'FAILED' || drifted
              ? 'disagrees'
              : status === undefined || status === 'SUCCEEDED'
                ? 'agrees'
                : 'unverified',
        });
      }
    }
    return checks;
  },
});
