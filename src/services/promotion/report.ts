import type { PromotionEvent, PromotionPlan, PromotionResult } from './promote.js';

/** The plan as the CLI prints it (also what `--dry-run` shows). */
export const formatPlan = (plan: PromotionPlan): string => {
  const width = Math.max(...plan.tables.map((t) => t.name.length), 'table'.length);
  const lines = [
    `Promotion of customer ${plan.customerId}`,
    `  route now:   ${plan.route ? `${plan.route.tier}${plan.route.relocation ? ` (frozen by promotion ${plan.route.relocation.promotionId})` : ''}` : 'none'}`,
    `  journal:     ${plan.resumes ? `resumes promotion ${plan.resumes.promotionId} at ${plan.resumes.phase}` : 'new promotion'}`,
    '',
    `  ${'table'.padEnd(width)}  pooled rows  already in dedicated`,
    ...plan.tables.map(
      (t) => `  ${t.name.padEnd(width)}  ${String(t.pooledRows).padStart(11)}  ${String(t.dedicatedRows).padStart(20)}`,
    ),
    `  archive objects under ${plan.archivePrefix}: ${plan.archiveObjects}`,
    '',
    '  steps:',
    ...plan.steps.map((step, i) => `    ${i + 1}. ${step}`),
  ];
  return lines.join('\n');
};

/** One progress line. */
export const formatEvent = (event: PromotionEvent): string => {
  switch (event.step) {
    case 'freeze':
      return `freeze: route frozen by promotion ${event.promotionId}`;
    case 'copy':
      return `copy: ${event.table} ${event.copied}/${event.total}`;
    case 'archive':
      return `archive: ${event.key} ${event.written ? 'copied' : 'already there'}`;
    case 'verify':
      return `verify: ${event.what} ${event.count} ${event.matches ? 'match' : 'DIFFER'}`;
    case 'switch':
      return 'switch: routed to the dedicated database';
    case 'purge':
      return `purge: ${event.what} ${event.removed} removed from the pool`;
  }
};

/** The closing summary. */
export const formatResult = (result: PromotionResult): string =>
  result.outcome === 'dry-run'
    ? `${formatPlan(result.plan)}\n\ndry run: nothing was changed`
    : result.outcome === 'already-dedicated'
      ? `customer ${result.plan.customerId} is already served by its dedicated database: nothing to do`
      : `customer ${result.plan.customerId} promoted: ${result.verified.map((v) => `${v.what}=${v.count}`).join(', ')} verified (SHA-256) and purged from the pool`;
