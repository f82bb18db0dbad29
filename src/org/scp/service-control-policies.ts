import { CfnPolicy } from 'aws-cdk-lib/aws-organizations';
import { Construct } from 'constructs';
import type { OrganizationLayout } from '../layout.js';
import type { OrganizationalUnits } from '../organizational-units.js';
import type { ScpDocument } from './scp-documents.js';

export interface ServiceControlPoliciesProps {
  /** The SCP documents from `policies/scp/`, placeholders filled in. */
  readonly documents: readonly ScpDocument[];
  readonly layout: OrganizationLayout;
  readonly units: OrganizationalUnits;
}

/**
 * One `AWS::Organizations::Policy` per document in `policies/scp/`, its
 * `Content` the JSON object itself (not a string), attached to the targets
 * that `attachments.json` names.
 */
export class ServiceControlPolicies extends Construct {
  /** Policy name → the CloudFormation policy. */
  readonly byName: ReadonlyMap<string, CfnPolicy>;

  constructor(scope: Construct, id: string, props: ServiceControlPoliciesProps) {
    super(scope, id);
    const byName = new Map<string, CfnPolicy>();
    for (const doc of props.documents) {
      const targetIds = doc.targets.map((target) => {
        if (target === 'root') return props.units.rootId;
        const ou = props.layout.ous.find((candidate) => candidate.scpTarget === target);
        if (!ou || ou.ownedByLandingZone)
          throw new Error(
            `policies/scp/attachments.json: ${doc.file} targets ${target}, which is not an OU this stack creates`,
          );
        return props.units.ou(ou.key).attrId;
      });
      byName.set(
        doc.name,
        new CfnPolicy(this, doc.name, {
          name: doc.name,
          description: doc.description,
          type: 'SERVICE_CONTROL_POLICY',
          content: doc.content,
          targetIds,
        }),
      );
    }
    this.byName = byName;
  }
}
