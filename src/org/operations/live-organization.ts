import { Effect } from 'effect';
import type { OrganizationLayout } from '../layout.js';
import type { AwsError } from './aws-errors.js';
import { AwsNotFound } from './aws-errors.js';
import { Organizations } from './organizations.js';

export interface LiveOu {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly parentId: string;
}

export interface LiveTree {
  readonly rootId: string;
  readonly ous: readonly LiveOu[];
}

/** The live OU tree, walked breadth-first from the root. */
export const readLiveTree: Effect.Effect<LiveTree, AwsError, Organizations> = Effect.gen(function* () {
  const organizations = yield* Organizations;
  const [root] = yield* organizations.listRoots();
  if (!root?.Id)
    return yield* new AwsNotFound({
      service: 'organizations',
      operation: 'ListRoots',
      awsError: 'RootNotFoundException',
      detail: 'the organization has no root: is this the management account of an organization?',
    });
  const ous: LiveOu[] = [];
  let frontier = [root.Id];
  while (frontier.length > 0) {
    const children = yield* Effect.forEach(
      frontier,
      (parentId) =>
        organizations
          .listOrganizationalUnits(parentId)
          .pipe(
            Effect.map((units) =>
              units.map((unit) => ({ id: unit.Id ?? '', arn: unit.Arn ?? '', name: unit.Name ?? '', parentId })),
            ),
          ),
      { concurrency: 4 },
    );
    const level = children.flat();
    ous.push(...level);
    frontier = level.map((ou) => ou.id);
  }
  return { rootId: root.Id, ous };
});

/** Finds each planned OU in the live tree by name under its (live) parent; absent ones map to undefined. */
export const matchPlannedOus = (layout: OrganizationLayout, tree: LiveTree): Map<string, LiveOu | undefined> => {
  const matched = new Map<string, LiveOu | undefined>();
  for (const ou of layout.ous) {
    const parentId = ou.parent === 'root' ? tree.rootId : matched.get(ou.parent)?.id;
    matched.set(
      ou.key,
      parentId ? tree.ous.find((live) => live.parentId === parentId && live.name === ou.name) : undefined,
    );
  }
  return matched;
};
