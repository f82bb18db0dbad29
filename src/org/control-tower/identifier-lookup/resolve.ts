import { Effect, Schema } from 'effect';
import { type AwsError, awsCall, DEFAULT_RETRY, type RetryPolicy } from '../../operations/aws-errors.js';
import { allPages } from '../../operations/organizations.js';
import type { ControlCatalogClient, ControlSummary } from '../control-catalog-api.js';

/** The global form of a control identifier, as Control Catalog returns it and EnableControl accepts it. */
export const GLOBAL_CONTROL_ARN = /^arn:aws:controlcatalog:::control\/[a-z0-9]{10,40}$/;

/** Some aliases are in no control of the catalog: never guess one, fail the deploy naming them. */
export class ControlAliasesNotFound extends Schema.TaggedError<ControlAliasesNotFound>()('ControlAliasesNotFound', {
  aliases: Schema.Array(Schema.String),
  controlsRead: Schema.Number,
}) {
  override get message(): string {
    return `No control in the Control Catalog has the alias ${this.aliases.join(', ')} (read all ${this.controlsRead} controls). Check the id in policies/control-tower/controls.json against \`aws controlcatalog list-controls\`.`;
  }
}

/** An alias names more than one control, or a control answers with an ARN of an unexpected form. */
export class ControlAliasUnusable extends Schema.TaggedError<ControlAliasUnusable>()('ControlAliasUnusable', {
  alias: Schema.String,
  arns: Schema.Array(Schema.String),
  reason: Schema.String,
}) {
  override get message(): string {
    return `Control alias ${this.alias} cannot be resolved: ${this.reason} (${this.arns.join(', ')})`;
  }
}

export type ResolveError = AwsError | ControlAliasesNotFound | ControlAliasUnusable;

/**
 * Looks each alias (`CT.S3.PR.1`) up in the Control Catalog: reads every page
 * of ListControls (throttling retried with backoff), and answers alias → the
 * control's global ARN. Every alias must name exactly one control.
 */
export const resolveControlAliases = (
  client: ControlCatalogClient,
  aliases: readonly string[],
  retry: RetryPolicy = DEFAULT_RETRY,
): Effect.Effect<ReadonlyMap<string, string>, ResolveError> =>
  Effect.gen(function* () {
    const controls = yield* allPages<{ Controls: readonly ControlSummary[]; NextToken?: string }, ControlSummary>(
      (token) => awsCall('controlcatalog', 'ListControls', () => client.listControls(token), retry),
      (page) => page.Controls,
      (page) => page.NextToken,
    );
    const wanted = new Set(aliases);
    const found = new Map<string, string[]>();
    for (const control of controls)
      for (const alias of control.Aliases ?? [])
        if (wanted.has(alias)) found.set(alias, [...(found.get(alias) ?? []), control.Arn]);
    const missing = aliases.filter((alias) => !found.has(alias));
    if (missing.length > 0)
      return yield* new ControlAliasesNotFound({ aliases: missing, controlsRead: controls.length });
    const resolved = new Map<string, string>();
    const aliasOf = new Map<string, string>();
    for (const alias of aliases) {
      const arns = [...new Set(found.get(alias) ?? [])];
      if (arns.length > 1)
        return yield* new ControlAliasUnusable({ alias, arns, reason: 'more than one control has this alias' });
      const arn = arns[0] as string;
      if (!GLOBAL_CONTROL_ARN.test(arn))
        return yield* new ControlAliasUnusable({
          alias,
          arns,
          reason: 'the ARN is not of the form arn:aws:controlcatalog:::control/<id>',
        });
      const other = aliasOf.get(arn);
      if (other && other !== alias)
        return yield* new ControlAliasUnusable({ alias, arns, reason: `${other} resolves to the same control` });
      aliasOf.set(arn, alias);
      resolved.set(alias, arn);
    }
    return resolved;
  });
