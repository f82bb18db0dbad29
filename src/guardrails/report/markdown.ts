import type { ComplianceReport } from '../compliance/model.js';
import { type Block, reportDocument } from './document.js';

const cell = (text: string): string => text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('\n', ' ');

const render = (block: Block): string => {
  switch (block.kind) {
    case 'heading':
      return `${'#'.repeat(block.level)} ${block.text}`;
    case 'paragraph':
      return block.text;
    case 'list':
      return block.items.map((i) => `- ${i}`).join('\n');
    case 'table':
      return [
        `| ${block.header.map(cell).join(' | ')} |`,
        `|${block.header.map(() => '---').join('|')}|`,
        ...block.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
      ].join('\n');
  }
};

/** report.md: the auditors' report as GitHub-flavoured markdown. */
export const renderMarkdown = (report: ComplianceReport): string =>
  `${reportDocument(report).map(render).join('\n\n')}\n`;
