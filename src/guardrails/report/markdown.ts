import type { ComplianceReport } from '../compliance/model.js';
import { type Block, type Cell, reportDocument } from './document.js';

const escapeCell = (text: string): string => text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('\n', ' ');
const link = (text: string, href: string): string => `[${escapeCell(text)}](${href})`;
const cell = (c: Cell): string => {
  if (typeof c === 'string') return escapeCell(c);
  const target = c.anchor ? `<a id="${c.anchor}"></a>` : '';
  if ('links' in c) return target + c.links.map((l) => link(l.text, l.href)).join(', ');
  return target + (c.href ? link(c.text, c.href) : escapeCell(c.text));
};

const render = (block: Block): string | undefined => {
  switch (block.kind) {
    case 'heading':
      // An explicit anchor, so links between sections work whatever the heading's text.
      return `${block.anchor ? `<a id="${block.anchor}"></a>\n\n` : ''}${'#'.repeat(block.level)} ${block.text}`;
    case 'paragraph':
      return block.text;
    case 'list':
      return block.items.map((i) => `- ${typeof i === 'string' ? i : cell(i)}`).join('\n');
    case 'table':
      return [
        `| ${block.header.map(cell).join(' | ')} |`,
        `|${block.header.map(() => '---').join('|')}|`,
        ...block.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
      ].join('\n');
    case 'chart':
      return undefined;
    case 'links':
      return block.links.map((l) => link(l.text, l.href)).join(' · ');
  }
};

/** report.md: the auditors' report as GitHub-flavoured markdown. */
export const renderMarkdown = (report: ComplianceReport): string =>
  `${reportDocument(report)
    .map(render)
    .filter((text) => text !== undefined)
    .join('\n\n')}\n`;
