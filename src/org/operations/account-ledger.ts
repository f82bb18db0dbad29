import { readFileSync, writeFileSync } from 'node:fs';
import { Context, Effect, Layer, Schema } from 'effect';
import { parseDocument } from 'yaml';
import type { Customer } from '../../config/index.js';

/** The customer file could not be updated with its new account id. */
export class LedgerWriteFailed extends Schema.TaggedError<LedgerWriteFailed>()('LedgerWriteFailed', {
  file: Schema.String,
  accountId: Schema.String,
  detail: Schema.String,
}) {
  override get message(): string {
    return `Could not write accountId "${this.accountId}" into ${this.file}: ${this.detail}. Add it by hand before the next deploy.`;
  }
}

/**
 * Where a vended account's id is recorded: the customer's blueprint file, so
 * the next synth names the account (customer stacks need a concrete account)
 * and the org stack stops declaring it.
 */
export class AccountLedger extends Context.Service<
  AccountLedger,
  { readonly record: (customer: Customer, accountId: string) => Effect.Effect<void, LedgerWriteFailed> }
>()('panops/org/operations/AccountLedger') {
  /** Writes `accountId` into the customer's YAML file, keeping its comments. */
  static readonly yamlFiles = Layer.succeed(
    AccountLedger,
    AccountLedger.of({
      record: (customer, accountId) =>
        Effect.try({
          try: () => {
            const doc = parseDocument(readFileSync(customer.file, 'utf8'));
            const existing = doc.get('accountId');
            if (existing !== undefined && existing !== accountId)
              throw new Error(`it already names account ${String(existing)}`);
            doc.set('accountId', accountId);
            writeFileSync(customer.file, doc.toString());
          },
          catch: (error) =>
            new LedgerWriteFailed({
              file: customer.file,
              accountId,
              detail: (error as Error).message ?? String(error),
            }),
        }),
    }),
  );
}
