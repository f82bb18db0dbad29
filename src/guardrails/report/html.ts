import type { ComplianceReport } from '../compliance/model.js';
import { type Block, type Cell, reportDocument } from './document.js';
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

const inline = (cell: Cell): string =>
  typeof cell === 'string' ? escapeHtml(cell) : `<a href="${escapeHtml(cell.href)}">${escapeHtml(cell.text)}</a>`;

const td = (cell: Cell): string => {
  const css = typeof cell === 'string' ? STATUS_CLASS[cell] : undefined;
  return css ? `<td class="${css}">${inline(cell)}</td>` : `<td>${inline(cell)}</td>`;
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
  }
};

const STYLE = `body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24;max-width:110rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.85rem}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}.pass{color:#116329;font-weight:600}.fail{color:#cf222e;font-weight:700}.ack{color:#9a6700;font-weight:600}.na{color:#6e7781}
h2{border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2.5rem}nav a{margin-right:1rem}`;

/** report.html: self-contained (inline style, no scripts, no external assets). */
export const renderHtml = (report: ComplianceReport): string =>
  [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>PanOps compliance report</title>',
    `<style>${STYLE}</style></head><body>`,
    '<nav><a href="#guardrails">Guardrails</a><a href="#frameworks">Frameworks</a><a href="#accounts">Accounts</a><a href="#failed">Unacknowledged</a><a href="#exceptions">Exceptions</a><a href="#detail">Detail</a><a href="#acknowledgements">Acknowledgements</a><a href="#rules">Rules</a></nav>',
    ...reportDocument(report).map(render),
    '</body></html>',
    '',
  ].join('\n');
