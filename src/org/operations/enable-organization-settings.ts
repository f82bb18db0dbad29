import { ActivateOrganizationsAccessCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EnablePolicyTypeCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { EnableSharingWithAwsOrganizationCommand, type RAMClient } from '@aws-sdk/client-ram';
import { Duration, Effect, Schedule, Schema } from 'effect';
import type { Blueprint } from '../../config/index.js';
import { type AwsError, awsCall } from './aws-errors.js';
import {
  ORGANIZATION_SETTINGS,
  type OrganizationSetting,
  type OrganizationSettingsState,
  readOrganizationSettings,
} from './preflight/organization-settings.js';

/**
 * `deploy`'s first step: the one-time organization settings the stacks
 * depend on (src/org/operations/preflight/organization-settings.ts says which
 * and why), enabled before anything that needs them, each only when it is
 * not enabled yet, so a second run changes nothing:
 * - StackSets trusted access: CloudFormation ActivateOrganizationsAccess
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ActivateOrganizationsAccess.html);
 *   AWS recommends activating through CloudFormation rather than enabling the
 *   service principal in Organizations directly, so StackSets creates the
 *   roles it needs.
 * - SCP policy type: Organizations EnablePolicyType, asynchronous: ListRoots
 *   shows the type PENDING_ENABLE until it is ENABLED
 *   (https://docs.aws.amazon.com/organizations/latest/APIReference/API_EnablePolicyType.html).
 * - RAM sharing (transit-gateway mode): RAM EnableSharingWithAwsOrganization,
 *   from the management account
 *   (https://docs.aws.amazon.com/ram/latest/APIReference/API_EnableSharingWithAwsOrganization.html).
 * With `refuse`, or when the caller may not enable a setting, it stops with
 * the exact command to run instead.
 */
export interface SettingsClients {
  readonly organizations: OrganizationsClient;
  readonly cloudFormation: CloudFormationClient;
  readonly ram: RAMClient;
}

/** A setting is off and this run will not (or may not) turn it on: the commands that do. */
export class OrganizationSettingsNotEnabled extends Schema.TaggedError<OrganizationSettingsNotEnabled>()(
  'OrganizationSettingsNotEnabled',
  {
    settings: Schema.Array(Schema.String),
    commands: Schema.Array(Schema.String),
    reason: Schema.String,
  },
) {
  override get message(): string {
    return `Organization settings not enabled (${this.settings.join(', ')}): ${this.reason}. Run with management-account credentials:\n${this.commands.map((c) => `  ${c}`).join('\n')}`;
  }
}

/** Enabled, but Organizations still showed it pending after the wait. */
export class OrganizationSettingTimedOut extends Schema.TaggedError<OrganizationSettingTimedOut>()(
  'OrganizationSettingTimedOut',
  { setting: Schema.String, waited: Schema.String },
) {
  override get message(): string {
    return `${this.setting} was enabled but still not in effect after ${this.waited}; run deploy again in a minute`;
  }
}

export interface EnableOptions {
  /** Do not enable: refuse with the commands when any needed setting is off. @default false */
  readonly refuse?: boolean;
  /** Waiting for an asynchronous setting to take effect. @default 2 seconds, up to 2 minutes */
  readonly pollBase?: Duration.Input;
  readonly pollTimeout?: Duration.Input;
}

export interface SettingOutcome {
  readonly id: OrganizationSetting['id'];
  readonly title: string;
  /** `already` enabled before this run, or `enabled` by it. */
  readonly state: 'already' | 'enabled';
}

const enableCall = (
  clients: SettingsClients,
  setting: OrganizationSetting,
  state: OrganizationSettingsState,
): Effect.Effect<void, AwsError> => {
  switch (setting.id) {
    case 'stacksets-trusted-access':
      return awsCall('cloudformation', 'ActivateOrganizationsAccess', () =>
        clients.cloudFormation.send(new ActivateOrganizationsAccessCommand({})),
      ).pipe(Effect.asVoid);
    case 'scp-policy-type':
      return awsCall('organizations', 'EnablePolicyType', () =>
        clients.organizations.send(
          new EnablePolicyTypeCommand({ RootId: state.root?.Id ?? '', PolicyType: 'SERVICE_CONTROL_POLICY' }),
        ),
      ).pipe(
        Effect.asVoid,
        // Enabled in the meantime (another run): what we wanted.
        Effect.catchIf(
          (error: AwsError) => error.awsError === 'PolicyTypeAlreadyEnabledException',
          () => Effect.void,
        ),
      );
    case 'ram-organization-sharing':
      return awsCall('ram', 'EnableSharingWithAwsOrganization', () =>
        clients.ram.send(new EnableSharingWithAwsOrganizationCommand({})),
      ).pipe(Effect.asVoid);
  }
};

/**
 * Enables every needed setting that is off, then waits until Organizations
 * shows each in effect. Returns what it found and did.
 */
export const enableOrganizationSettings = (
  blueprint: Blueprint,
  clients: SettingsClients,
  options: EnableOptions = {},
): Effect.Effect<SettingOutcome[], AwsError | OrganizationSettingsNotEnabled | OrganizationSettingTimedOut> =>
  Effect.gen(function* () {
    const state = yield* readOrganizationSettings(clients);
    const needed = ORGANIZATION_SETTINGS.filter((s) => s.needed(blueprint));
    const off = needed.filter((s) => !s.enabled(state));
    if (off.length > 0 && options.refuse)
      return yield* new OrganizationSettingsNotEnabled({
        settings: off.map((s) => s.id),
        commands: off.map((s) => s.command(state)),
        reason: 'deploy was asked not to change organization settings',
      });
    for (const setting of off) {
      yield* enableCall(clients, setting, state).pipe(
        Effect.catchIf(
          (error: AwsError) => error._tag === 'AwsAccessDenied',
          (error) =>
            Effect.fail(
              new OrganizationSettingsNotEnabled({
                settings: [setting.id],
                commands: [setting.command(state)],
                reason: `the caller may not enable it (${error.operation}: ${error.awsError})`,
              }),
            ),
        ),
      );
    }
    if (off.length > 0) {
      const timeout = options.pollTimeout ?? '2 minutes';
      const after = yield* readOrganizationSettings(clients).pipe(
        Effect.repeat({
          schedule: Schedule.spaced(options.pollBase ?? '2 seconds').pipe(Schedule.upTo({ duration: timeout })),
          until: (s) => off.every((setting) => setting.enabled(s)),
        }),
      );
      const stillOff = off.find((setting) => !setting.enabled(after));
      if (stillOff)
        return yield* new OrganizationSettingTimedOut({
          setting: stillOff.id,
          waited: Duration.format(Duration.fromInputUnsafe(timeout)),
        });
    }
    return needed.map((s) => ({
      id: s.id,
      title: s.title,
      state: off.includes(s) ? ('enabled' as const) : ('already' as const),
    }));
  });

export const formatSettingOutcomes = (outcomes: readonly SettingOutcome[]): string =>
  outcomes.map((o) => `  ${o.title}: ${o.state === 'enabled' ? 'enabled now' : 'already enabled'}`).join('\n');
