import { BASELINE_GUARDRAIL_ID } from '../compliance/guardrail-index.js';
import type { FrameworkId, FrameworkRef, FrameworkRelation } from './frameworks.js';

const ref =
  (framework: FrameworkId) =>
  (control: string, relation: FrameworkRelation, how: string): FrameworkRef => ({ framework, control, relation, how });
const sec = ref('sec-17a-4');
const finra = ref('finra-4511');
const soc2 = ref('soc2-tsc');
const nist = ref('nist-800-53-r5');
const iso = ref('iso-27001-2022');

/**
 * Each guardrail's references in the five frameworks, with one sentence on
 * how it serves the control. Keyed by guardrail id (the catalog test checks
 * that every guardrail, the baseline included, has a reference in every
 * framework, and that every control id is one of `FRAMEWORKS`).
 */
export const GUARDRAIL_FRAMEWORKS: Readonly<Record<string, readonly FrameworkRef[]>> = {
  'no-public-s3': [
    sec(
      '17a-4(f)(2)(i)(A)',
      'supporting',
      'No public write grant exists, so no one outside the organization can rewrite or delete an archived record beyond the reach of the audit trail.',
    ),
    finra(
      '4511(c)',
      'supporting',
      'Keeps the archive that holds the books and records closed to anonymous access, a precondition of 17a-4-compliant media.',
    ),
    soc2(
      'CC6.1',
      'direct',
      'Every bucket blocks public ACLs and policies, and SCPs stop anyone from lifting the block outside a reviewed deploy.',
    ),
    soc2('C1.1', 'supporting', 'Confidential communications in the archive can never be exposed to the internet.'),
    nist(
      'AC-3',
      'direct',
      'Access to S3 objects is enforced by IAM and bucket policies only; public grants are refused.',
    ),
    nist('SC-7', 'supporting', 'Buckets are not reachable across the organization boundary by anonymous principals.'),
    iso(
      'A.8.3',
      'direct',
      'Restricts access to stored information to authorized principals by blocking all public access.',
    ),
    iso('A.8.12', 'supporting', 'Prevents leakage of archived data through public bucket settings.'),
  ],
  'cloudtrail-tamper-evident': [
    sec(
      '17a-4(f)(2)(i)(A)',
      'direct',
      'The customer-owned trail records every API call on the archive (who, what, when) with digest-validated, KMS-encrypted log files: the time-stamped audit trail of modifications and deletions.',
    ),
    finra(
      '4511(c)',
      'direct',
      'Provides the audit trail the 17a-4 audit-trail alternative requires for the records FINRA members must preserve.',
    ),
    soc2(
      'CC7.2',
      'direct',
      'API activity in every customer account is logged to CloudWatch Logs, where anomalies can be detected.',
    ),
    nist('AU-2', 'direct', 'Management and data events are logged in every customer account by a multi-region trail.'),
    nist(
      'AU-9',
      'direct',
      'SCPs deny stopping, deleting or altering trails outside deploys; log file validation detects tampering.',
    ),
    nist('AU-9(3)', 'direct', "Trail log files are encrypted with the customer's KMS key."),
    nist(
      'AU-10',
      'supporting',
      'Signed digest files bind each log file to CloudTrail, so actions cannot be repudiated by editing logs.',
    ),
    nist('AU-12', 'direct', 'A trail is required in every customer account and checked at synth.'),
    nist('SI-4', 'supporting', 'Trail events are delivered to CloudWatch Logs, where the account can be monitored.'),
    iso(
      'A.8.15',
      'direct',
      'Activities are logged, the logs protected against tampering and kept in the customer’s account.',
    ),
    iso('A.5.28', 'supporting', 'Validated, encrypted trail logs are admissible evidence of who did what to a record.'),
  ],
  'no-internet-gateway-in-customer-vpc': [
    sec(
      '17a-4(f)(2)(i)(A)',
      'supporting',
      'The account holding the records has no path from the internet, which protects the security and authenticity of the records and their audit trail.',
    ),
    finra('4511(c)', 'supporting', 'Keeps the systems preserving the books and records off the internet.'),
    soc2('CC6.6', 'direct', 'A customer VPC has no internet gateway; its only path is peering to shared compute.'),
    nist(
      'SC-7',
      'direct',
      'The customer boundary admits only the peering connection to shared compute and VPC endpoints.',
    ),
    nist(
      'AC-4',
      'supporting',
      'Information flows only through the peering route and endpoints, never to the internet.',
    ),
    iso('A.8.20', 'direct', 'Network security: the data network of a customer account has no internet attachment.'),
    iso('A.8.22', 'direct', 'Each customer is in its own network, segregated from the internet and other customers.'),
  ],
  'customer-data-encrypted-with-customer-key': [
    sec(
      '17a-4(f)(2)(i)(A)',
      'supporting',
      "Records, their index and the trail are encrypted with the customer's own key, which the customer can audit and revoke.",
    ),
    finra('4511(c)', 'supporting', 'Protects the confidentiality of preserved books and records at rest.'),
    soc2(
      'CC6.1',
      'direct',
      'Data at rest is encrypted with a customer-managed key whose use is logged and policy-restricted.',
    ),
    soc2('C1.1', 'direct', "Confidential data is encrypted under the customer's control."),
    nist('SC-28(1)', 'direct', 'S3, Aurora, logs and secrets are encrypted at rest with the customer’s KMS key.'),
    nist('SC-12', 'direct', 'One customer-managed key per account; SCPs deny disabling or scheduling its deletion.'),
    iso('A.8.24', 'direct', 'Cryptography protects customer data with keys the customer owns.'),
    iso('A.5.34', 'supporting', 'PII in communications is protected by encryption under the customer’s key.'),
  ],
  'kms-key-rotation': [
    sec(
      '17a-4(f)(2)(i)(A)',
      'supporting',
      'Rotating key material limits exposure of the encrypted records over long retention periods.',
    ),
    finra(
      '4511(c)',
      'supporting',
      'Keeps the encryption protecting preserved records current over their six-year life.',
    ),
    soc2('CC6.1', 'direct', 'Encryption keys rotate automatically every year.'),
    nist('SC-12', 'direct', 'Key material is rotated on a defined cryptoperiod by KMS.'),
    iso('A.8.24', 'direct', 'Key management includes automatic rotation of key material.'),
  ],
  's3-versioning': [
    sec(
      '17a-4(f)(2)(i)(A)',
      'direct',
      'Every overwrite or delete keeps the previous version, so the original record can be re-created after a modification or deletion.',
    ),
    finra(
      '4511(c)',
      'direct',
      'Versions preserve each record as first written, in line with the 17a-4 audit-trail alternative.',
    ),
    soc2('A1.2', 'direct', 'Object versions are a data backup process within the bucket.'),
    nist('CP-9', 'supporting', 'Prior versions allow recovery of objects after accidental or malicious change.'),
    nist(
      'SI-7',
      'supporting',
      'A changed object does not replace its original: integrity violations are recoverable and visible.',
    ),
    iso('A.5.33', 'direct', 'Records are protected from loss and falsification by keeping every version.'),
    iso('A.8.13', 'supporting', 'Versions act as an in-place backup of archived information.'),
  ],
  's3-tls-only': [
    sec(
      '17a-4(f)(2)(i)(A)',
      'supporting',
      'Records cannot be read or altered in transit: bucket policies refuse plain HTTP.',
    ),
    finra('4511(c)', 'supporting', 'Protects books and records in transit to and from the archive.'),
    soc2('CC6.7', 'direct', 'Information is protected during transmission: S3 requests without TLS are denied.'),
    nist('SC-8', 'direct', 'Transmission confidentiality and integrity by TLS on every S3 request.'),
    iso('A.8.24', 'direct', 'Cryptography (TLS) protects information in transit.'),
  ],
  's3-access-logging': [
    sec(
      '17a-4(f)(2)(i)(A)',
      'direct',
      'Server access logs record each request on a record: requester, time, operation and result.',
    ),
    finra('4511(c)', 'supporting', 'Adds an access record for every object of the preserved books and records.'),
    soc2('CC7.2', 'direct', 'Access to buckets is logged so anomalous access can be detected.'),
    nist('AU-12', 'direct', 'Audit records are generated for every S3 request.'),
    iso('A.8.15', 'direct', 'Access to stored information is logged.'),
  ],
  'aurora-backups-7-days': [
    sec(
      '17a-4(f)(2)(vi)',
      'supporting',
      'The database holds the information needed to locate records; 7-day backups let it be restored after loss.',
    ),
    finra('4511(a)', 'supporting', 'The index of the books and records survives the loss of the database.'),
    soc2('A1.2', 'direct', 'Automated database backups are retained at least 7 days; SCPs deny deleting them.'),
    soc2(
      'CC7.5',
      'supporting',
      'Point-in-time restore from the backups is the recovery path after an incident that damages data.',
    ),
    nist('CP-9', 'direct', 'System-level backups of the database, kept 7 days, in the customer account.'),
    nist('CP-10', 'supporting', 'Point-in-time restore allows reconstitution of the database.'),
    iso('A.8.13', 'direct', 'Backup copies of the database are taken and retained automatically.'),
  ],
  'aurora-deletion-protection': [
    sec('17a-4(f)(2)(vi)', 'supporting', 'The database that locates the records cannot be deleted by one call.'),
    finra('4511(a)', 'supporting', 'Prevents accidental deletion of the database indexing the preserved records.'),
    soc2('A1.2', 'supporting', 'Availability of the database is protected against accidental deletion.'),
    nist('CM-5', 'direct', 'Disabling deletion protection is a change only a reviewed deploy can make (SCP).'),
    nist('CP-10', 'supporting', 'Avoids an unrecoverable loss of the running database.'),
    iso('A.8.32', 'supporting', 'Destructive changes go through change management (deploy role only).'),
  ],
  'aurora-iam-authentication': [
    sec(
      '17a-4(f)(2)(i)(A)',
      'supporting',
      'Every database session is an IAM identity, logged by CloudTrail: actions on the index are attributable to who performed them.',
    ),
    finra('4511(c)', 'supporting', 'Identity of whoever changes the record index is attributable.'),
    soc2('CC6.1', 'direct', 'Database authentication uses short-lived IAM tokens instead of stored passwords.'),
    nist('IA-2', 'direct', 'Users of the database are identified and authenticated through IAM.'),
    iso('A.8.5', 'direct', 'Secure authentication with short-lived tokens bound to IAM roles.'),
  ],
  'aurora-storage-encrypted': [
    sec('17a-4(f)(2)(vi)', 'supporting', 'The record index is encrypted at rest.'),
    finra('4511(c)', 'supporting', 'Protects the index of the preserved records at rest.'),
    soc2('CC6.1', 'direct', 'Database storage, backups and snapshots are encrypted at rest.'),
    nist('SC-28', 'direct', 'Protection of information at rest in the database.'),
    iso('A.8.24', 'direct', 'Cryptography protects the database storage.'),
  ],
  'aurora-not-public': [
    sec('17a-4(f)(2)(vi)', 'supporting', 'The database locating the records is never reachable from the internet.'),
    finra('4511(c)', 'supporting', 'Keeps the index of the books and records off the internet.'),
    soc2('CC6.6', 'direct', 'Database endpoints are not publicly accessible.'),
    nist('SC-7', 'direct', 'The database sits inside the boundary with no public endpoint.'),
    iso('A.8.20', 'direct', 'Network security: no public address for the database.'),
  ],
  'sqs-encryption': [
    sec('17a-4(f)(2)(i)(A)', 'supporting', 'Jobs carrying record references are encrypted at rest while they wait.'),
    finra('4511(c)', 'supporting', 'Protects in-flight work on books and records.'),
    soc2('CC6.1', 'direct', 'Queued messages are encrypted at rest.'),
    nist('SC-28', 'direct', 'Protection of queued information at rest.'),
    iso('A.8.24', 'direct', 'Cryptography protects queued messages.'),
  ],
  'sqs-tls-only': [
    sec('17a-4(f)(2)(i)(A)', 'supporting', 'Jobs about records cannot be read or changed in transit.'),
    finra('4511(c)', 'supporting', 'Protects in-flight work on books and records in transit.'),
    soc2('CC6.7', 'direct', 'Queue requests without TLS are denied by the queue policies and an SCP.'),
    nist('SC-8', 'direct', 'Transmission confidentiality and integrity on every SQS call.'),
    iso('A.8.24', 'direct', 'TLS protects messages in transit.'),
  ],
  'sqs-dead-letter-queue': [
    sec(
      '17a-4(f)(2)(ii)',
      'supporting',
      'A job that fails three times is kept in a dead-letter queue, not dropped: failures of the storing process remain visible and replayable.',
    ),
    finra('4511(a)', 'supporting', 'No captured communication is lost silently on its way to preservation.'),
    soc2('CC7.2', 'supporting', 'Failed processing is captured and alarmed on (queue depth alarms).'),
    nist('SC-24', 'direct', 'Failed jobs end in a known state (the DLQ) with their payload preserved.'),
    iso('A.8.16', 'supporting', 'Failed processing is retained for monitoring and replay.'),
  ],
  'least-privilege-iam': [
    sec(
      '17a-4(f)(2)(i)(A)',
      'supporting',
      'Only narrowly scoped roles may write records and none may delete them, which keeps modifications rare and attributable.',
    ),
    finra('4511(c)', 'supporting', 'Limits who can alter preserved books and records.'),
    soc2('CC6.3', 'direct', 'No managed admin policies; wildcards only where written down and reviewed.'),
    nist('AC-6', 'direct', 'Least privilege for every role of the organization.'),
    iso('A.8.2', 'direct', 'Privileged access is restricted: no admin or full-access statements.'),
    iso('A.5.15', 'direct', 'Access control rules are expressed as least-privilege IAM policies.'),
    iso('A.5.18', 'supporting', 'Access rights of workload roles are granted per purpose and reviewed as code.'),
  ],
  'lambda-in-vpc': [
    sec(
      '17a-4(f)(2)(i)(A)',
      'supporting',
      'Functions that capture records run inside the VPC, so their traffic to the archive stays on private paths.',
    ),
    finra('4511(c)', 'supporting', 'Capture of books and records happens inside the network boundary.'),
    soc2('CC6.6', 'direct', 'Functions are attached to the VPC and reach the outside only through the NAT gateway.'),
    nist('SC-7', 'direct', 'Functions sit inside the boundary and its flow controls.'),
    iso('A.8.20', 'direct', 'Network security applies to every function.'),
  ],
  'lambda-not-public': [
    sec(
      '17a-4(f)(2)(i)(A)',
      'supporting',
      'No one can invoke a function that writes records without authorization, so unauthorized writes cannot enter the archive.',
    ),
    finra('4511(c)', 'supporting', 'Protects the capture path of books and records from anonymous invocation.'),
    soc2('CC6.1', 'direct', 'Function resource policies never grant invocation to everyone.'),
    nist('AC-3', 'direct', 'Invocation is enforced by resource policies naming principals.'),
    iso('A.8.3', 'direct', 'Access to functions is restricted to named principals.'),
  ],
  'ec2-imdsv2': [
    sec(
      '17a-4(f)(2)(i)(A)',
      'supporting',
      'Session-based metadata access stops SSRF theft of the GPU workers’ credentials, which could otherwise alter records.',
    ),
    finra('4511(c)', 'supporting', 'Protects credentials of workers that read preserved recordings.'),
    soc2('CC6.1', 'direct', 'Instance credentials are only served to session-token requests (IMDSv2).'),
    nist('AC-3', 'direct', 'Access to instance metadata and role credentials requires a session token.'),
    iso('A.8.5', 'supporting', 'Secure retrieval of instance credentials.'),
  ],
  'ebs-encryption': [
    sec(
      '17a-4(f)(2)(i)(A)',
      'supporting',
      'Recordings staged on GPU instances for transcription are encrypted at rest.',
    ),
    finra('4511(c)', 'supporting', 'Copies of records being transcribed are protected at rest.'),
    soc2('CC6.1', 'direct', 'Instance volumes are encrypted.'),
    nist('SC-28', 'direct', 'Protection of information at rest on EBS.'),
    iso('A.8.24', 'direct', 'Cryptography protects instance storage.'),
  ],
  'held-records-never-deleted': [
    sec(
      '17a-4(f)(2)(i)(A)',
      'supporting',
      'A record under legal hold keeps its row and archive objects past its retention period: no lifecycle rule can expire an object the disposition job did not tag disposable, and the database refuses to delete a held row; every disposition writes its counts and id hash to the audit log.',
    ),
    finra(
      '4511(a)',
      'direct',
      'Books and records subject to a hold are preserved, whatever their retention date, in the archive and its index.',
    ),
    finra('4511(c)', 'supporting', 'The preservation media never deletes a held record by age.'),
    soc2(
      'C1.2',
      'supporting',
      'Disposal at the end of retention never reaches information that a legal hold retains; disposal itself is scheduled and audited.',
    ),
    nist(
      'SI-12',
      'supporting',
      'Information retention honours legal holds: retention-driven deletion (lifecycle, disposition) skips held records.',
    ),
    iso('A.5.33', 'direct', 'Records under legal hold are protected from deletion by lifecycle or disposition.'),
    iso(
      'A.8.10',
      'supporting',
      'Information deletion at the end of retention skips information a hold still requires.',
    ),
  ],
  'tenant-row-level-isolation': [
    sec(
      '17a-4(j)',
      'supporting',
      "Every query is scoped to one customer by RLS, so a firm's records can be produced without another firm's records and no firm can see another's.",
    ),
    finra('4511(a)', 'supporting', "Each member's books and records are kept apart from every other customer's."),
    soc2('C1.1', 'direct', 'Confidential data of one customer is never visible to another.'),
    soc2('CC6.1', 'direct', 'Forced row-level security enforces tenant boundaries in the database itself.'),
    nist('SC-4', 'direct', 'No information leaks between tenants through the shared database.'),
    nist('AC-3', 'direct', 'Row access is enforced by database policies bound to the transaction’s tenant.'),
    iso('A.8.3', 'direct', 'Access to rows is restricted to the authenticated tenant.'),
    iso('A.5.34', 'supporting', 'PII of one customer is not disclosed to another.'),
  ],
  [BASELINE_GUARDRAIL_ID]: [
    sec(
      '17a-4(f)(2)(i)(A)',
      'supporting',
      'The remaining AwsSolutions, NIST and Control Tower rules harden the systems that hold the records and their audit trail.',
    ),
    finra('4511(c)', 'supporting', 'Hardens the systems preserving books and records.'),
    soc2(
      'CC7.1',
      'direct',
      'Every synthesized template is checked against the packs before deploy; a finding fails CI.',
    ),
    soc2('CC8.1', 'supporting', 'Changes reach accounts only through synthesized, checked templates.'),
    nist('CM-6', 'direct', 'Configuration settings are checked against AWS and NIST baselines on every change.'),
    iso('A.8.9', 'direct', 'Configurations are defined as code and checked before deployment.'),
    iso('A.8.27', 'supporting', 'Secure architecture principles of the packs apply to every resource.'),
  ],
};

/** The framework references of a guardrail (none when the catalog has no entry: the catalog test fails then). */
export const frameworksOf = (guardrailId: string): readonly FrameworkRef[] => GUARDRAIL_FRAMEWORKS[guardrailId] ?? [];
