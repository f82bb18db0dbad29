import type { ChartBar } from './document.js';

const escapeXml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Segment colours: the same as the report's status classes (pass, fail, ack, na). */
const SEGMENTS = [
  { key: 'passed', label: 'passed', fill: '#1a7f37' },
  { key: 'failed', label: 'failed', fill: '#cf222e' },
  { key: 'acknowledged', label: 'acknowledged', fill: '#bf8700' },
  { key: 'notApplicable', label: 'not applicable', fill: '#afb8c1' },
] as const;

const LABEL_WIDTH = 260;
const BAR_WIDTH = 320;
const ROW = 18;

/**
 * A small stacked horizontal bar chart as inline SVG (no script, no external
 * asset): one bar per guardrail or account, its width split by outcome in
 * proportion to that bar's own total, the counts in the tooltip and as text.
 * Bars with an href link to the section they summarize.
 */
export const renderChartSvg = (title: string, bars: readonly ChartBar[]): string => {
  const height = (bars.length + 1) * ROW + 8;
  const width = LABEL_WIDTH + BAR_WIDTH + 170;
  const legend = SEGMENTS.map(
    (s, i) =>
      `<rect x="${LABEL_WIDTH + i * 110}" y="2" width="10" height="10" fill="${s.fill}"/><text x="${LABEL_WIDTH + i * 110 + 14}" y="11">${s.label}</text>`,
  ).join('');
  const rows = bars.map((bar, index) => {
    const y = (index + 1) * ROW + 4;
    const total = bar.passed + bar.failed + bar.acknowledged + bar.notApplicable;
    let x = LABEL_WIDTH;
    const segments = SEGMENTS.map((s) => {
      const value = bar[s.key];
      if (total === 0 || value === 0) return '';
      const w = Math.max(1, Math.round((value / total) * BAR_WIDTH));
      const rect = `<rect x="${x}" y="${y}" width="${w}" height="${ROW - 5}" fill="${s.fill}"><title>${escapeXml(`${bar.label}: ${value} ${s.label}`)}</title></rect>`;
      x += w;
      return rect;
    }).join('');
    const numbers = `${bar.passed} / ${bar.failed} / ${bar.acknowledged} / ${bar.notApplicable}`;
    const label = `<text x="0" y="${y + ROW - 8}">${escapeXml(bar.label)}</text>`;
    return [
      bar.href ? `<a href="${escapeXml(bar.href)}">${label}</a>` : label,
      total === 0 ? `<text x="${LABEL_WIDTH}" y="${y + ROW - 8}" class="na">nothing evaluated</text>` : segments,
      `<text x="${LABEL_WIDTH + BAR_WIDTH + 8}" y="${y + ROW - 8}">${numbers}</text>`,
    ].join('');
  });
  return [
    `<figure class="chart"><figcaption>${escapeXml(title)} (passed / failed / acknowledged / not applicable)</figcaption>`,
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeXml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-size="11" font-family="system-ui,sans-serif">`,
    legend,
    ...rows,
    '</svg></figure>',
  ].join('\n');
};
