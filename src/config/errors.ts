import { Schema } from 'effect';

/** One broken rule in one blueprint file. */
export interface BlueprintProblem {
  /** Path of the file, relative to the working directory when loaded from disk. */
  readonly file: string;
  /** Dotted path of the field inside the file (`database.min`, `connectors.1.id`), or `(file)`. */
  readonly field: string;
  /** The offending value as written, when there is one. */
  readonly value?: unknown;
  /** The rule, in words a reader can act on. */
  readonly rule: string;
}

export const formatProblem = (p: BlueprintProblem): string => {
  const value = p.value === undefined ? '' : ` = ${JSON.stringify(p.value)}`;
  return `${p.file}: ${p.field}${value}: ${p.rule}`;
};

/**
 * The blueprint was refused. Carries every problem found, not only the first,
 * so one edit-run cycle fixes them all.
 */
export class BlueprintInvalid extends Schema.TaggedError<BlueprintInvalid>()('BlueprintInvalid', {
  problems: Schema.Array(
    Schema.Struct({
      file: Schema.String,
      field: Schema.String,
      value: Schema.optional(Schema.Unknown),
      rule: Schema.String,
    }),
  ),
}) {
  override get message(): string {
    const lines = this.problems.map((p) => `  - ${formatProblem(p)}`);
    return `The blueprint is invalid (${this.problems.length} problem${this.problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
  }
}
