import { Schema } from 'effect';

/** cfn-guard exited with an error (exit code other than 0 = all pass, 19 = some rule failed), or printed no JSON. */
export class GuardRunFailed extends Schema.TaggedError<GuardRunFailed>()('GuardRunFailed', {
  exitCode: Schema.NullOr(Schema.Number),
  templates: Schema.Array(Schema.String),
  stderr: Schema.String,
}) {
  override get message(): string {
    return `cfn-guard failed (exit code ${this.exitCode}) on ${this.templates.length} template(s), first ${this.templates[0]}: ${this.stderr.slice(0, 2000)}`;
  }
}
