/**
 * The control frameworks auditors of PanOps's customers audit against, the
 * controls of each that the guardrail catalog refers to (with their titles,
 * so the report can print them), and the requirements no guardrail covers.
 * Data, not code paths: `framework-mappings.ts` maps guardrails onto these
 * controls, and the catalog test checks every id against this list.
 */

export type FrameworkId = 'sec-17a-4' | 'finra-4511' | 'soc2-tsc' | 'nist-800-53-r5' | 'iso-27001-2022';

export interface Framework {
  readonly id: FrameworkId;
  readonly name: string;
  /** The edition mapped against. */
  readonly edition: string;
  /** What a well-formed control id of this framework looks like. */
  readonly idPattern: RegExp;
  /** Every control this blueprint refers to (covered or stated as a gap): id → title. */
  readonly controls: Readonly<Record<string, string>>;
}

/**
 * How a guardrail serves a control: `direct` when the guardrail is (part of)
 * what the control asks for; `supporting` when it protects the systems or
 * data the control is about without being the control itself.
 */
export type FrameworkRelation = 'direct' | 'supporting';

/** One guardrail's reference to one framework control, with a sentence on how it serves it. */
export interface FrameworkRef {
  readonly framework: FrameworkId;
  readonly control: string;
  readonly relation: FrameworkRelation;
  /** One sentence: how the guardrail serves the control. */
  readonly how: string;
}

/** A framework requirement that no guardrail covers (`none`) or covers only in part (`partial`), and why. */
export interface FrameworkGap {
  readonly framework: FrameworkId;
  readonly control: string;
  readonly coverage: 'none' | 'partial';
  /** What is missing and who or what covers it instead, if anything. */
  readonly note: string;
}

export const FRAMEWORKS: readonly Framework[] = [
  /*
   * Paragraph numbers as amended by Release No. 34-96034, 87 FR 66412
   * (Nov. 3, 2022, https://regulations.justia.com/regulations/fedreg/2022/11/03/2022-22670.html;
   * current text https://www.ecfr.gov/current/title-17/section-240.17a-4). Reviewed 2026-12-04
   * against the adopting release, the proposal (86 FR 68300, which numbers the audit-trail
   * alternative and the WORM alternative as the two branches of (f)(2)(i)) and the SEC staff
   * FAQ of Jan. 18, 2023 (https://www.sec.gov/tm/faq-rule-amendments-broker-dealer-security-based-swap):
   * (f)(2)(i)(A) audit trail, (f)(2)(i)(B) WORM, (f)(2)(ii) automatic verification,
   * (f)(2)(iv) download and transfer, (f)(2)(v) backup, (f)(2)(vi) information to locate
   * records, (b)(4) communications, (j) prompt production. (f)(3)(iii) is the Designated
   * Executive Officer or Designated Third Party undertaking that replaced the pre-2022
   * third-party undertaking of (f)(3)(vii); the sources reachable offline confirm the
   * alternative but not its paragraph number in full text: re-check it on eCFR.
   */
  {
    id: 'sec-17a-4',
    name: 'SEC Rule 17a-4 (17 CFR 240.17a-4), paragraph (f) as amended in 2022',
    edition: 'Release No. 34-96034 (October 2022; compliance date May 3, 2023)',
    idPattern: /^17a-4\([a-z]\)(\(\d+\)(\((i|ii|iii|iv|v|vi|vii|viii|ix|x)\)(\([A-Z]\))?)?)?$/,
    controls: {
      '17a-4(b)(4)':
        'Preserve for at least three years originals of all communications received and copies of all communications sent relating to the business as such',
      '17a-4(f)(2)(i)(A)':
        'Audit-trail alternative: preserve each record for its retention period with a complete time-stamped audit trail of all modifications and deletions, when and by whom, that permits re-creation of the original record',
      '17a-4(f)(2)(i)(B)':
        'WORM alternative: preserve each record for its retention period exclusively in a non-rewriteable, non-erasable format',
      '17a-4(f)(2)(ii)':
        'Verify automatically the completeness and accuracy of the processes for storing and retaining records electronically',
      '17a-4(f)(2)(iv)':
        'Readily download and transfer copies of a record and its audit trail in a human-readable and a reasonably usable electronic format, with the information needed to locate it',
      '17a-4(f)(2)(v)':
        'Keep a backup electronic recordkeeping system (or other redundant means) that serves as a redundant set of the records if the original system is inaccessible',
      '17a-4(f)(2)(vi)':
        'Organize, maintain, keep current and provide promptly on request all information necessary to access and locate the records (the record index)',
      '17a-4(f)(3)(iii)':
        'Have filed with the designated examining authority an undertaking by a Designated Third Party or a Designated Executive Officer able to access and provide the records',
      '17a-4(j)':
        'Furnish promptly to the Commission and its designees legible, true, complete and current copies of the records requested',
    },
  },
  {
    id: 'finra-4511',
    name: 'FINRA Rule 4511 (General Requirements, books and records)',
    edition: 'FINRA Rule 4511 as in force 2026',
    idPattern: /^4511\([a-c]\)$/,
    controls: {
      '4511(a)':
        'Make and preserve books and records as required under the FINRA rules, the Exchange Act and the applicable Exchange Act rules',
      '4511(b)':
        'Preserve for at least six years the FINRA books and records for which no retention period is specified',
      '4511(c)': 'Preserve books and records in a format and media that complies with SEA Rule 17a-4',
    },
  },
  {
    id: 'soc2-tsc',
    name: 'AICPA SOC 2 Trust Services Criteria',
    edition: 'TSP Section 100 (2017 criteria, revised points of focus 2022)',
    idPattern: /^(CC[1-9]\.[1-9]|A1\.[1-3]|C1\.[1-2]|PI1\.[1-5]|P[1-8]\.[1-6])$/,
    controls: {
      'CC6.1':
        'Logical access security software, infrastructure and architectures protect information assets from security events',
      'CC6.3':
        'Access to data and assets is authorized, modified or removed based on roles and responsibilities, with least privilege and segregation of duties',
      'CC6.6': 'Logical access security measures protect against threats from sources outside the system boundaries',
      'CC6.7':
        'Transmission, movement and removal of information is restricted to authorized users and processes, and information is protected during transmission',
      'CC7.1':
        'Detection and monitoring procedures identify configuration changes that introduce vulnerabilities, and susceptibilities to newly discovered vulnerabilities',
      'CC7.2':
        'System components and their operation are monitored for anomalies indicative of malicious acts, natural disasters and errors',
      'CC7.4': 'Identified security incidents are responded to by executing a defined incident-response program',
      'CC7.5': 'Activities to recover from identified security incidents are identified, developed and implemented',
      'CC8.1':
        'Changes to infrastructure, data, software and procedures are authorized, designed, documented, tested, approved and implemented',
      'CC9.2': 'Risks associated with vendors and business partners are assessed and managed',
      'A1.2':
        'Environmental protections, software, data backup processes and recovery infrastructure are implemented, operated and monitored',
      'C1.1': 'Confidential information is identified and maintained to meet the confidentiality objectives',
      'C1.2': 'Confidential information is disposed of to meet the confidentiality objectives',
    },
  },
  {
    id: 'nist-800-53-r5',
    name: 'NIST SP 800-53 Rev. 5 (Security and Privacy Controls)',
    edition: 'Rev. 5 (September 2020, updated December 2020; release 5.1.1)',
    idPattern: /^(AC|AT|AU|CA|CM|CP|IA|IR|MA|MP|PE|PL|PM|PS|PT|RA|SA|SC|SI|SR)-\d{1,2}(\(\d{1,2}\))?$/,
    controls: {
      'AC-3': 'Access Enforcement',
      'AC-4': 'Information Flow Enforcement',
      'AC-6': 'Least Privilege',
      'AU-2': 'Event Logging',
      'AU-9': 'Protection of Audit Information',
      'AU-9(3)': 'Protection of Audit Information | Cryptographic Protection',
      'AU-10': 'Non-repudiation',
      'AU-11': 'Audit Record Retention',
      'AU-12': 'Audit Record Generation',
      'CM-5': 'Access Restrictions for Change',
      'CM-6': 'Configuration Settings',
      'CP-9': 'System Backup',
      'CP-10': 'System Recovery and Reconstitution',
      'IA-2': 'Identification and Authentication (Organizational Users)',
      'IR-4': 'Incident Handling',
      'SC-4': 'Information in Shared System Resources',
      'SC-7': 'Boundary Protection',
      'SC-8': 'Transmission Confidentiality and Integrity',
      'SC-12': 'Cryptographic Key Establishment and Management',
      'SC-24': 'Fail in Known State',
      'SC-28': 'Protection of Information at Rest',
      'SC-28(1)': 'Protection of Information at Rest | Cryptographic Protection',
      'SI-4': 'System Monitoring',
      'SI-7': 'Software, Firmware, and Information Integrity',
      'SI-12': 'Information Management and Retention',
    },
  },
  {
    id: 'iso-27001-2022',
    name: 'ISO/IEC 27001:2022 Annex A (controls of ISO/IEC 27002:2022)',
    edition: 'ISO/IEC 27001:2022 (with Amd 1:2024)',
    idPattern: /^A\.(5\.([1-9]|[12]\d|3[0-7])|6\.[1-8]|7\.([1-9]|1[0-4])|8\.([1-9]|[12]\d|3[0-4]))$/,
    controls: {
      'A.5.15': 'Access control',
      'A.5.18': 'Access rights',
      'A.5.24': 'Information security incident management planning and preparation',
      'A.5.28': 'Collection of evidence',
      'A.5.33': 'Protection of records',
      'A.5.34': 'Privacy and protection of PII',
      'A.8.2': 'Privileged access rights',
      'A.8.3': 'Information access restriction',
      'A.8.5': 'Secure authentication',
      'A.8.9': 'Configuration management',
      'A.8.10': 'Information deletion',
      'A.8.12': 'Data leakage prevention',
      'A.8.13': 'Information backup',
      'A.8.14': 'Redundancy of information processing facilities',
      'A.8.15': 'Logging',
      'A.8.16': 'Monitoring activities',
      'A.8.20': 'Networks security',
      'A.8.22': 'Segregation of networks',
      'A.8.24': 'Use of cryptography',
      'A.8.27': 'Secure system architecture and engineering principles',
      'A.8.32': 'Change management',
    },
  },
];

/**
 * What the frameworks ask for that no guardrail (or only part of one) covers.
 * The report prints these under each framework instead of staying silent.
 */
export const FRAMEWORK_GAPS: readonly FrameworkGap[] = [
  {
    framework: 'sec-17a-4',
    control: '17a-4(f)(2)(i)(B)',
    coverage: 'none',
    note: 'No guardrail requires S3 Object Lock: it is opt-in per customer (`objectLock` in the customer file). A broker-dealer relying on the WORM alternative must set it; `--live` reports the Object Lock configuration each WORM bucket actually has.',
  },
  {
    framework: 'sec-17a-4',
    control: '17a-4(f)(2)(i)(A)',
    coverage: 'partial',
    note: "CloudTrail, S3 versioning and access logs record every change to archive objects, but no guardrail asserts that the trail's logs are kept as long as the records they describe, and edits of rows in Aurora are not part of that audit trail (the archive object is the record; the database is its index).",
  },
  {
    framework: 'sec-17a-4',
    control: '17a-4(f)(2)(ii)',
    coverage: 'partial',
    note: 'Dead-letter queues keep failed storing jobs visible, but automatic verification of the completeness and accuracy of storage is the archive reconciliation (src/services), not a guardrail: this report does not prove it ran.',
  },
  {
    framework: 'sec-17a-4',
    control: '17a-4(f)(2)(iv)',
    coverage: 'none',
    note: 'Download and transfer of records and their audit trail in human-readable and usable formats is a product capability (export), not checked by any guardrail.',
  },
  {
    framework: 'sec-17a-4',
    control: '17a-4(f)(2)(v)',
    coverage: 'none',
    note: 'No guardrail requires a redundant copy of the records for their whole retention period (cross-region replication or a backup vault); the 7-day Aurora backups are not a backup recordkeeping system.',
  },
  {
    framework: 'sec-17a-4',
    control: '17a-4(f)(2)(vi)',
    coverage: 'partial',
    note: 'The record index lives in Aurora, which is protected (encrypted, never public, deletion protection, 7-day backups), but nothing retains the index itself for the records’ full retention period.',
  },
  {
    framework: 'sec-17a-4',
    control: '17a-4(f)(3)(iii)',
    coverage: 'none',
    note: "The Designated Third Party or Designated Executive Officer undertaking is the broker-dealer's filing with its examining authority; infrastructure cannot provide it.",
  },
  {
    framework: 'sec-17a-4',
    control: '17a-4(b)(4)',
    coverage: 'none',
    note: 'The retention period is each customer’s `retentionDays` (archive lifecycle); no guardrail asserts a minimum of three years.',
  },
  {
    framework: 'sec-17a-4',
    control: '17a-4(j)',
    coverage: 'partial',
    note: "Row-level security lets one firm's records be produced alone, but prompt production to the Commission is an operating procedure of the customer (with PanOps search and export), not a guardrail.",
  },
  {
    framework: 'finra-4511',
    control: '4511(b)',
    coverage: 'none',
    note: 'No guardrail asserts the six-year minimum: `retentionDays` is set per customer and not checked against 2,190 days.',
  },
  {
    framework: 'soc2-tsc',
    control: 'CC7.4',
    coverage: 'none',
    note: 'Incident response is an organizational program; guardrails produce the logs it uses but do not prove it exists.',
  },
  {
    framework: 'soc2-tsc',
    control: 'CC9.2',
    coverage: 'none',
    note: 'Vendor risk (AWS, messaging providers) is managed outside the blueprint.',
  },
  {
    framework: 'soc2-tsc',
    control: 'C1.2',
    coverage: 'partial',
    note: 'The guardrail held-records-never-deleted proves that disposal never reaches a held record; that disposal of everything else happens on time is the daily disposition job (its runs are in the report’s Retention section when supplied), not a guardrail.',
  },
  {
    framework: 'nist-800-53-r5',
    control: 'AU-11',
    coverage: 'none',
    note: 'No guardrail sets or checks how long CloudTrail logs and S3 access logs are kept.',
  },
  {
    framework: 'nist-800-53-r5',
    control: 'IR-4',
    coverage: 'none',
    note: 'Incident handling is an organizational capability outside the blueprint.',
  },
  {
    framework: 'nist-800-53-r5',
    control: 'SI-12',
    coverage: 'partial',
    note: 'Retention is configured per customer (lifecycle, optional Object Lock) but no guardrail checks it against the applicable rule.',
  },
  {
    framework: 'iso-27001-2022',
    control: 'A.5.24',
    coverage: 'none',
    note: 'Incident management planning is organizational; guardrails only supply evidence to it.',
  },
  {
    framework: 'iso-27001-2022',
    control: 'A.5.33',
    coverage: 'partial',
    note: 'Records are protected against loss, falsification and unauthorized access (versioning, trail, keys, no public access), but their retention period is not a guardrail.',
  },
  {
    framework: 'iso-27001-2022',
    control: 'A.8.10',
    coverage: 'partial',
    note: 'The guardrail held-records-never-deleted proves that deletion skips held information; that deletion at the end of retention happens is the daily disposition job (the Retention section shows its last run when supplied), not a guardrail.',
  },
  {
    framework: 'iso-27001-2022',
    control: 'A.8.14',
    coverage: 'none',
    note: 'Aurora runs a reader in a second zone, but no guardrail requires redundancy of the archive or the workers.',
  },
];

export const frameworkById = (id: FrameworkId): Framework => {
  const framework = FRAMEWORKS.find((f) => f.id === id);
  if (!framework) throw new Error(`Unknown framework '${id}'`);
  return framework;
};
