import { AWS_LIMITS } from '../../config/index.js';
import type { OrganizationLayout, ScpTarget } from '../layout.js';
import type { ScpDocument } from './scp-documents.js';
import { scpCharacters } from './scp-documents.js';

/** The two Organizations quotas an SCP design can break, both settings (they were raised in 2026). */
export interface ScpLimits {
  /** @default AWS_LIMITS.scpMaxCharacters (5,120) */
  readonly scpMaxCharacters: number;
  /** @default AWS_LIMITS.scpsPerTarget (5) */
  readonly scpsPerTarget: number;
  /** SCPs Control Tower attaches to each OU it governs. @default AWS_LIMITS.controlTowerScpsPerOu (1) */
  readonly controlTowerScpsPerOu: number;
}

export const DEFAULT_SCP_LIMITS: ScpLimits = {
  scpMaxCharacters: AWS_LIMITS.scpMaxCharacters,
  scpsPerTarget: AWS_LIMITS.scpsPerTarget,
  controlTowerScpsPerOu: AWS_LIMITS.controlTowerScpsPerOu,
};

/** SCPs attached to one target, ours and those AWS attaches itself. */
export interface TargetScpCount {
  readonly target: string;
  readonly ours: readonly string[];
  /** FullAWSAccess (on every target) and Control Tower's guardrail SCPs (on every OU it governs). */
  readonly awsManaged: readonly string[];
}

/**
 * What is attached to the root and to every OU: FullAWSAccess everywhere (a
 * target must have at least one SCP, and Organizations attaches it to each new
 * OU), Control Tower's SCPs on every OU it governs, and ours.
 */
export const scpsPerTarget = (
  layout: OrganizationLayout,
  documents: readonly ScpDocument[],
  limits: ScpLimits = DEFAULT_SCP_LIMITS,
): TargetScpCount[] => {
  const oursOn = (target: ScpTarget) => documents.filter((d) => d.targets.includes(target)).map((d) => d.name);
  const controlTower = Array.from(
    { length: limits.controlTowerScpsPerOu },
    (_, i) => `aws-guardrails (Control Tower ${i + 1})`,
  );
  return [
    { target: 'Root', ours: oursOn('root'), awsManaged: ['FullAWSAccess'] },
    ...layout.ous.map((ou) => ({
      target: `OU ${ou.name}`,
      ours: ou.scpTarget ? oursOn(ou.scpTarget) : [],
      // Every OU PanOps creates is registered with Control Tower (and the Security OU is Control Tower's own).
      awsManaged: ['FullAWSAccess', ...controlTower],
    })),
  ];
};

/**
 * Every way the SCP set breaks the Organizations quotas, each naming the limit;
 * empty when it fits.
 */
export const scpLimitViolations = (
  layout: OrganizationLayout,
  documents: readonly ScpDocument[],
  limits: ScpLimits = DEFAULT_SCP_LIMITS,
): string[] => {
  const violations: string[] = [];
  for (const doc of documents) {
    const size = scpCharacters(doc.content);
    if (size > limits.scpMaxCharacters)
      violations.push(
        `SCP ${doc.name} (policies/scp/${doc.file}) is ${size.toLocaleString('en-US')} characters: over the limit of ${limits.scpMaxCharacters.toLocaleString('en-US')} characters per SCP (AWS_LIMITS.scpMaxCharacters)`,
      );
  }
  for (const count of scpsPerTarget(layout, documents, limits)) {
    const total = count.ours.length + count.awsManaged.length;
    if (total > limits.scpsPerTarget)
      violations.push(
        `${count.target} would have ${total} SCPs attached (${[...count.awsManaged, ...count.ours].join(', ')}): over the limit of ${limits.scpsPerTarget} SCPs per target (AWS_LIMITS.scpsPerTarget), counting those AWS and Control Tower attach`,
      );
  }
  return violations;
};
