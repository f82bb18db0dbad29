import { Effect, Option, Stream } from 'effect';

/** One page of a provider's list: its items, and the cursor (token, link) of the next page; none, null or '' ends the list. */
export interface ListPage<A> {
  readonly items: ReadonlyArray<A>;
  readonly next: string | null | undefined;
}

/**
 * Every item of a paged list, in order: the page at `first`, then the page at
 * each `next` until a page names none. Every lister of reconcile follows its
 * provider's pages this way (page tokens, `@odata.nextLink`, `next_page_uri`,
 * Slack cursors), so the loop is written once, on `Stream.paginate`.
 */
export const everyPage = <C extends string | undefined, A, E, R>(
  first: C,
  page: (cursor: C | string) => Effect.Effect<ListPage<A>, E, R>,
): Effect.Effect<A[], E, R> =>
  Stream.paginate(first as C | string, (cursor) =>
    Effect.map(page(cursor), ({ items, next }) => [items, next ? Option.some(next) : Option.none()] as const),
  ).pipe(Stream.runCollect);
