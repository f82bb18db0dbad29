import { AccountPrincipal, type IPrincipal, SessionTagsPrincipal } from 'aws-cdk-lib/aws-iam';

export interface SharedComputeTrustProps {
  readonly sharedComputeAccountId: string;
  /** The shared compute roles that may assume (aws:PrincipalArn). */
  readonly roleArns: readonly string[];
  /** When set, the caller must also be in this organization (aws:PrincipalOrgID). */
  readonly organizationId?: string;
  /**
   * A session tag the caller must set, and no other (sts:TagSession granted
   * too): the tag names the one customer the session may reach.
   */
  readonly sessionTag?: { readonly key: string; readonly valuePattern: string };
}

/**
 * Who may assume a data-plane role: named roles of the shared compute account
 * only (the account, the role ARNs and, where known, the organization, all
 * required), optionally with exactly one session tag. One definition for
 * every role a customer or pooled-data account offers to shared compute.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required
 */
export const sharedComputeTrust = (props: SharedComputeTrustProps): IPrincipal => {
  const caller = new AccountPrincipal(props.sharedComputeAccountId).withConditions({
    ArnEquals: { 'aws:PrincipalArn': [...props.roleArns] },
    StringEquals: {
      'aws:PrincipalAccount': props.sharedComputeAccountId,
      ...(props.organizationId ? { 'aws:PrincipalOrgID': props.organizationId } : {}),
    },
    ...(props.sessionTag
      ? {
          StringLike: { [`aws:RequestTag/${props.sessionTag.key}`]: props.sessionTag.valuePattern },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [props.sessionTag.key] },
        }
      : {}),
  });
  return props.sessionTag ? new SessionTagsPrincipal(caller) : caller;
};
