import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Schema } from 'effect';
import type { CustomerFigures } from '../../contracts/customer-figures.js';

/**
 * Every `.json` file in a folder, decoded with `schema`, the newest
 * (`generatedAt`) per customer, sorted by customer. A file that does not
 * decode is refused with the error `invalid` makes of its path and the
 * decoder's message (which names the field).
 */
export const readNewestPerCustomer = <A extends CustomerFigures>(
  dir: string,
  schema: Schema.Decoder<A>,
  invalid: (path: string, detail: string) => Error,
): A[] => {
  const newest = new Map<string, A>();
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const path = join(dir, name);
    let file: A;
    try {
      file = Schema.decodeUnknownSync(schema)(JSON.parse(readFileSync(path, 'utf8')));
    } catch (e) {
      throw invalid(path, e instanceof Error ? e.message : String(e));
    }
    const seen = newest.get(file.customerSlug);
    if (!seen || seen.generatedAt < file.generatedAt) newest.set(file.customerSlug, file);
  }
  return [...newest.values()].sort((a, b) => a.customerSlug.localeCompare(b.customerSlug));
};
