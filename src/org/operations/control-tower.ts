import { ControlTowerClient, ListEnabledControlsCommand } from '@aws-sdk/client-controltower';
import { Context, Effect, Layer } from 'effect';
import { type AwsError, awsCall, DEFAULT_RETRY, type RetryPolicy } from './aws-errors.js';
import { allPages } from './organizations.js';

/**
 * The Control Tower calls the org operations make. The client this registry
 * serves (3.332) has only the control APIs; landing zone and baselines are
 * CloudFormation's job.
 */
export class ControlTower extends Context.Service<
  ControlTower,
  {
    /** Identifiers of the controls enabled on an OU (by its ARN). */
    readonly listEnabledControls: (targetIdentifier: string) => Effect.Effect<string[], AwsError>;
  }
>()('panops/org/operations/ControlTower') {
  static fromClient(client: ControlTowerClient, retry: RetryPolicy = DEFAULT_RETRY) {
    return Layer.succeed(
      ControlTower,
      ControlTower.of({
        listEnabledControls: (targetIdentifier) =>
          allPages(
            (nextToken) =>
              awsCall(
                'controltower',
                'ListEnabledControls',
                () => client.send(new ListEnabledControlsCommand({ targetIdentifier, nextToken })),
                retry,
              ),
            (page) => page.enabledControls,
            (page) => page.nextToken,
          ).pipe(Effect.map((controls) => controls.flatMap((c) => (c.controlIdentifier ? [c.controlIdentifier] : [])))),
      }),
    );
  }

  /** The service in the landing zone's home region. */
  static readonly live = (region: string, retry: RetryPolicy = DEFAULT_RETRY) =>
    ControlTower.fromClient(new ControlTowerClient({ region }), retry);
}
