import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { repositoryFrames, type SourceLocation } from './source-location.js';

/** One acknowledgement (CDK's `Validations` acknowledged-rules metadata) found in the construct tree. */
export interface Acknowledgement {
  /** As CDK stored it: `AwsSolutions::AwsSolutions-S1`; a bare id is stored as `Annotation::AwsSolutions-S1`. */
  readonly id: string;
  readonly reason: string;
  /** Construct path of the scope it was made on (it covers that construct and everything below). */
  readonly constructPath: string;
  /** Where in the source it was made, when CDK recorded a trace. */
  readonly source?: SourceLocation;
}

/** CDK's namespace for ids given without a `prefix::` (annotation warnings). */
export const BARE_ID_NAMESPACE = 'Annotation';

/** An acknowledgement id without a plugin prefix: cdk-nag then drops the finding from every report. */
export const isBareId = (id: string): boolean => id.startsWith(`${BARE_ID_NAMESPACE}::`);

/** The id as the author wrote it (CDK adds `Annotation::` to bare ids). */
export const writtenId = (id: string): string => (isBareId(id) ? id.slice(BARE_ID_NAMESPACE.length + 2) : id);

/** Every acknowledgement in the tree under `root`, in tree order. */
export const collectAcknowledgements = (root: IConstruct): Acknowledgement[] =>
  root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && entry.data)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => {
          const [first, caller] = repositoryFrames(entry.trace);
          const source = first && caller ? { ...first, calledFrom: caller } : first;
          return { id, reason, constructPath: construct.node.path, ...(source ? { source } : {}) };
        }),
      ),
  );

/**
 * Finds the acknowledgement that covers a finding, with CDK's own semantics:
 * the prefixed id (`<plugin>::<rule>`) made on the finding's construct or the
 * closest ancestor of it.
 */
export class AcknowledgementIndex {
  private readonly byId = new Map<string, Map<string, Acknowledgement>>();

  constructor(readonly all: readonly Acknowledgement[]) {
    for (const ack of all) {
      let byPath = this.byId.get(ack.id);
      if (!byPath) {
        byPath = new Map();
        this.byId.set(ack.id, byPath);
      }
      // Two acknowledgements of one id on one construct: the later one wins, as in CDK's metadata.
      byPath.set(ack.constructPath, ack);
    }
  }

  /** The acknowledgement of `qualifiedId` that covers `constructPath`, if any. */
  covering(qualifiedId: string, constructPath: string): Acknowledgement | undefined {
    const byPath = this.byId.get(qualifiedId);
    if (!byPath) return undefined;
    let path = constructPath;
    for (;;) {
      const ack = byPath.get(path);
      if (ack) return ack;
      if (path === '') return undefined;
      const slash = path.lastIndexOf('/');
      path = slash === -1 ? '' : path.slice(0, slash);
    }
  }

  /** A bare-id acknowledgement of `ruleId` covering the path: it hides the finding from CDK's report. */
  bareCovering(ruleId: string, constructPath: string): Acknowledgement | undefined {
    return this.covering(`${BARE_ID_NAMESPACE}::${ruleId}`, constructPath);
  }
}
