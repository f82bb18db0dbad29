import { type LiveCheck, type LiveSource, notRead } from './model.js';
import type { TemplatePromises } from './promises.js';

/** How one kind of resource a template creates is checked live. */
export interface TemplateResourceKind<P> {
  readonly source: LiveSource;
  readonly guardrails: readonly string[];
  readonly frameworkControls?: readonly string[];
  /** The resource in words, before its id: `bucket`, `trail`, `key`. */
  readonly noun: string;
  /** The resources of this kind the template creates. */
  readonly resources: (promises: TemplatePromises) => readonly P[];
  /**
   * The name the template gives it, taken as its physical id where the
   * deployed stack does not list it (a trail's name).
   * @default none: a resource the stack does not list is not in the stack
   */
  readonly nameInTemplate?: (resource: P) => string | undefined;
  /** What the template promises, in words. */
  readonly synth: (resource: P) => string;
  /** Reads the live state with the service's SDK and compares it with the promise. */
  readonly read: (resource: P, physicalId: string) => Promise<Pick<LiveCheck, 'live' | 'status'>>;
  /** The error the read rejects with when the resource is gone, and what the check then says. */
  readonly notFound: { readonly error: string; readonly live: string };
}

/**
 * The live check of each resource of one kind a template creates (WORM
 * buckets, trails, KMS keys): absent from the deployed stack or gone at the
 * service, it disagrees; a read that fails otherwise leaves it unverified.
 * Only the call and the comparison differ from kind to kind. `physical`: the
 * deployed stack's physical ids by logical id.
 */
export const templateResourceChecks = <P extends { readonly logicalId: string }>(
  promises: TemplatePromises,
  physical: ReadonlyMap<string, string>,
  kind: TemplateResourceKind<P>,
): Promise<LiveCheck[]> =>
  Promise.all(
    kind.resources(promises).map(async (resource): Promise<LiveCheck> => {
      const id = physical.get(resource.logicalId) ?? kind.nameInTemplate?.(resource);
      const check = {
        source: kind.source,
        guardrails: kind.guardrails,
        ...(kind.frameworkControls ? { frameworkControls: kind.frameworkControls } : {}),
        account: promises.stack.account,
        region: promises.stack.region,
        stack: promises.stack.stack,
        logicalId: resource.logicalId,
        subject: `${kind.noun} ${id ?? '(not in the stack)'} (${resource.logicalId})`,
        synth: kind.synth(resource),
      };
      if (!id) return { ...check, live: 'no such resource in the deployed stack', status: 'disagrees' };
      try {
        return { ...check, ...(await kind.read(resource, id)) };
      } catch (error) {
        if ((error as { name?: string })?.name === kind.notFound.error)
          return { ...check, live: kind.notFound.live, status: 'disagrees' };
        return notRead(check, error);
      }
    }),
  );
