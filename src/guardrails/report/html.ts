import type { ComplianceReport } from '../compliance/model.js';
import { type Block, type Cell, type Link, reportDocument } from './document.js';
import { renderChartSvg } from './svg-chart.js';

const escapeHtml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const STATUS_CLASS: Record<string, string> = {
  PASS: 'pass',
  FAIL: 'fail',
  failed: 'fail',
  passed: 'pass',
  acknowledged: 'ack',
  'NOT EVALUATED': 'na',
  'not applicable': 'na',
};

const link = (l: Link): string => `<a href="${escapeHtml(l.href)}">${escapeHtml(l.text)}</a>`;

const inline = (cell: Cell): string => {
  if (typeof cell === 'string') return escapeHtml(cell);
  if ('links' in cell) return cell.links.map(link).join(', ');
  return cell.href ? link({ text: cell.text, href: cell.href }) : escapeHtml(cell.text);
};

const td = (cell: Cell): string => {
  const css = typeof cell === 'string' ? STATUS_CLASS[cell] : undefined;
  const id = typeof cell !== 'string' && cell.anchor ? ` id="${escapeHtml(cell.anchor)}"` : '';
  return `<td${id}${css ? ` class="${css}"` : ''}>${inline(cell)}</td>`;
};

const render = (block: Block): string => {
  switch (block.kind) {
    case 'heading': {
      const id = block.anchor ? ` id="${escapeHtml(block.anchor)}"` : '';
      const text = escapeHtml(block.text).replace(/ — (PASS|FAIL|NOT EVALUATED)$/, (_m, s: string) => {
        return ` — <span class="${STATUS_CLASS[s]}">${s}</span>`;
      });
      return `<h${block.level}${id}>${text}</h${block.level}>`;
    }
    case 'paragraph':
      return `<p>${escapeHtml(block.text)}</p>`;
    case 'list':
      return `<ul>${block.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`;
    case 'table':
      return [
        '<table>',
        `<thead><tr>${block.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
        '<tbody>',
        ...block.rows.map((row) => `<tr>${row.map(td).join('')}</tr>`),
        '</tbody></table>',
      ].join('\n');
    case 'chart':
      return renderChartSvg(block.title, block.bars);
    case 'links':
      return `<p class="links">${block.links.map(link).join(' · ')}</p>`;
  }
};

const STYLE = `body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24;max-width:110rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.85rem}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}.pass{color:#116329;font-weight:600}.fail{color:#cf222e;font-weight:700}.ack{color:#9a6700;font-weight:600}.na{color:#6e7781}
h2{border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2.5rem}nav a{margin-right:1rem}
a{color:#0969da}:target{background:#fff8c5}p.links{font-size:.85rem}figure.chart{margin:1rem 0}figure.chart figcaption{font-size:.85rem;color:#57606a}
figure.chart svg a text{fill:#0969da}figure.chart text.na{fill:#6e7781}
nav{position:sticky;top:0;background:#fff;padding:.5rem 0;border-bottom:1px solid #d0d7de}
@media print{@page{margin:1.5cm}body{margin:0;max-width:none;font-size:9pt}nav,p.links{display:none}a{color:inherit;text-decoration:none}
h2,h3{break-after:avoid}tr,figure.chart{break-inside:avoid}table{font-size:7.5pt;width:100%}thead{display:table-header-group}
th{background:#eee!important;-webkit-print-color-adjust:exact;print-color-adjust:exact}
figure.chart svg{max-width:100%;height:auto;-webkit-print-color-adjust:exact;print-color-adjust:exact}:target{background:none}}`;

const NAV: readonly (readonly [string, string])[] = [
  ['guardrails', 'Guardrails'],
  ['frameworks', 'Frameworks'],
  ['deployability', 'Deployability'],
  ['retention', 'Retention'],
  ['accounts', 'Accounts'],
  ['provenance', 'Provenance'],
  ['failed', 'Unacknowledged'],
  ['exceptions', 'Exceptions'],
  ['detail', 'Detail'],
  ['acknowledgements', 'Acknowledgements'],
  ['rules', 'Rules'],
];

/** The navigation bar: the report's sections that this report has (a section without content has no anchor). */
const nav = (blocks: readonly Block[]): string => {
  const anchors = new Set(blocks.flatMap((b) => (b.kind === 'heading' && b.anchor ? [b.anchor] : [])));
  return `<nav>${NAV.filter(([anchor]) => anchors.has(anchor))
    .map(([anchor, text]) => `<a href="#${anchor}">${text}</a>`)
    .join('')}</nav>`;
};

/** report.html: self-contained (inline style, no scripts, no external assets). */
export const renderHtml = (report: ComplianceReport): string => {
  const blocks = reportDocument(report);
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>PanOps compliance report</title>',
    `<style>${STYLE}</style></head><body>`,
    nav(blocks),
    ...blocks.map(render),
    '</body></html>',
    '',
  ].join('\n');
};
