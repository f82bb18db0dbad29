import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { Effect } from 'effect';
import {
  type CustomResourceEvent,
  type CustomResourceResponse,
  sendResponse,
} from '../../../data-plane/migration-hook/custom-resource.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../../operations/aws-errors.js';
import { type ControlCatalogClient, controlCatalogClient } from '../control-catalog-api.js';
import { resolveControlAliases } from './resolve.js';

/**
 * Deploy-time lookup of Control Tower control identifiers: CloudFormation
 * calls this Lambda (a custom resource) with the aliases of the controls to
 * enable (`CT.S3.PR.1`, ...); it reads the Control Catalog (every page of
 * ListControls) and answers each alias's global ARN as a resource attribute
 * named after the alias, which `AWS::ControlTower::EnabledControl` takes as
 * its `ControlIdentifier`. Nothing is guessed: an alias the catalog does not
 * know fails the deploy with its name. Delete has nothing to undo.
 */

/** CloudFormation keeps at most 4,096 bytes of a custom resource's answer; the construct splits bigger lists. */
export const MAX_RESPONSE_BYTES = 4_096;

const physicalIdOf = (event: CustomResourceEvent): string =>
  event.PhysicalResourceId ?? `panops-control-identifiers-${event.LogicalResourceId}`;

/** The `Aliases` property: a non-empty list of Control Tower control ids. */
export const parseAliases = (props: Readonly<Record<string, unknown>>): string[] => {
  const aliases = props.Aliases;
  if (!Array.isArray(aliases) || aliases.length === 0 || aliases.some((a) => typeof a !== 'string' || a === ''))
    throw new Error(
      `Aliases: expected a non-empty list of control ids such as CT.S3.PR.1, got ${JSON.stringify(aliases)}`,
    );
  return aliases as string[];
};

/** Decides the answer for one event; never throws. */
export const handleLookupEvent = async (
  event: CustomResourceEvent,
  client: ControlCatalogClient,
  retry: RetryPolicy = DEFAULT_RETRY,
): Promise<CustomResourceResponse> => {
  const base = {
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    PhysicalResourceId: physicalIdOf(event),
  };
  if (event.RequestType === 'Delete') return { ...base, Status: 'SUCCESS' };
  try {
    const aliases = parseAliases(event.ResourceProperties);
    const resolved = await Effect.runPromise(
      resolveControlAliases(client, aliases, retry).pipe(
        Effect.mapError((error) => new Error(`${error._tag}: ${error.message}`)),
      ),
    );
    const response: CustomResourceResponse = { ...base, Status: 'SUCCESS', Data: Object.fromEntries(resolved) };
    const size = Buffer.byteLength(JSON.stringify(response));
    if (size > MAX_RESPONSE_BYTES)
      throw new Error(
        `the answer for ${aliases.length} aliases is ${size} bytes, over CloudFormation's ${MAX_RESPONSE_BYTES}`,
      );
    console.log(JSON.stringify({ resolved: response.Data }));
    return response;
  } catch (error) {
    return {
      ...base,
      Status: 'FAILED',
      Reason: (error instanceof Error ? error.message : String(error)).slice(0, 2_000),
    };
  }
};

/** Lambda entry point (the function runs in the stack's region, where Control Tower is home). */
export const handler = async (event: CustomResourceEvent): Promise<void> => {
  const client = controlCatalogClient({
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: fromNodeProviderChain(),
  });
  await sendResponse(event.ResponseURL, await handleLookupEvent(event, client));
};
