// The ESM build: the package's `main` is a UMD file whose lazy require('./impl/...') esbuild cannot follow,
// so the bundled workers and Lambdas would fail at start (test/images/self-check.test.ts).
import { findNodeAtLocation, type Node, parseTree } from 'jsonc-parser/lib/esm/main.js';

/**
 * A provider's JSON document as received, and the exact bytes of its items.
 * The archive keeps these bytes (hashed as they are); the schema-decoded
 * object is only a derived view, so a field our schema does not name
 * (mentions, reactions, attachments, blocks, cards, `@odata.type`) is never
 * lost. Offsets come from the parse tree, so an item's bytes are the slice of
 * the page the provider sent, not a re-serialization.
 */
export interface ReceivedJson {
  /** The body as received (UTF-8). */
  readonly bytes: Uint8Array;
  readonly text: string;
  /** The parsed document (every field, unknown ones included). */
  readonly value: unknown;
}

/** One item of a received page: its bytes verbatim and its parsed value. */
export interface ReceivedItem {
  readonly bytes: Uint8Array;
  readonly value: unknown;
}

const utf8 = new TextEncoder();

export const receivedJson = (text: string): ReceivedJson => ({
  bytes: utf8.encode(text),
  text,
  value: JSON.parse(text) as unknown,
});

/**
 * The items of the array at `path` (`['value']` for Graph, `['messages']` for
 * Slack), each as the exact text the provider sent. Empty when the document
 * has no array there.
 */
export const receivedItems = (page: ReceivedJson, path: ReadonlyArray<string | number>): ReceivedItem[] => {
  const root = parseTree(page.text);
  const array: Node | undefined = root ? findNodeAtLocation(root, [...path]) : undefined;
  if (!array || array.type !== 'array') return [];
  return (array.children ?? []).map((node) => {
    const text = page.text.slice(node.offset, node.offset + node.length);
    return { bytes: utf8.encode(text), value: JSON.parse(text) as unknown };
  });
};
