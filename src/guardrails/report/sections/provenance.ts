import type { ComplianceReport } from '../../compliance/model.js';
import type { Block } from '../document.js';

/** Where the report comes from: commit, tools, blueprint hash, and how to check the folder. */
export const provenanceBlocks = (report: ComplianceReport): Block[] => {
  const p = report.provenance;
  if (!p) return [];
  return [
    { kind: 'heading', level: 2, text: 'Provenance and integrity', anchor: 'provenance' },
    {
      kind: 'table',
      header: ['what', 'value'],
      rows: [
        [
          'commit',
          `${p.commit ?? 'unknown (not a git checkout)'}${p.dirty ? ' (with uncommitted changes to tracked files)' : ''}`,
        ],
        [`blueprint (${p.blueprintDir}) SHA-256`, p.blueprintSha256],
        ...Object.entries(p.tools).map(([tool, version]) => [tool, version]),
      ],
    },
    {
      kind: 'paragraph',
      text: `Every file of this folder is listed with its SHA-256 in SHA256SUMS: check it with "sha256sum -c SHA256SUMS" in the folder, or "npx projen compliance:verify -- <folder>", which also checks the KMS signature (SHA256SUMS.sig.json) when the report was signed. The blueprint hash is "(cd ${p.blueprintDir} && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum".`,
    },
  ];
};
