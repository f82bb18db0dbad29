/**
 * Visits every object of a parsed JSON document, depth first in document
 * order (arrays walked through), each before what it holds; the values under
 * a key in `skip` are not entered. Slack's Block Kit and Teams' Adaptive
 * Cards both keep a message's text spread over such a tree.
 */
export const eachJsonObject = (
  root: unknown,
  visit: (node: Readonly<Record<string, unknown>>) => void,
  skip: ReadonlySet<string> = new Set(),
): void => {
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    visit(n);
    for (const [key, value] of Object.entries(n)) if (!skip.has(key)) walk(value);
  };
  walk(root);
};
