import type { ComplianceReport, Finding, RuleResult } from '../compliance/model.js';

const xml = (text: string): string =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** The database checks as one suite: one test case per check and table (or role). */
const databaseSuite = (report: ComplianceReport): string => {
  const db = report.database;
  const name = `database ${db.migrationsDir}`;
  const cases = db.outcomes.map((o) => {
    const failure =
      o.status === 'failed' ? `<failure message="${xml(o.detail)}">${xml(`${o.file}: ${o.detail}`)}</failure>` : '';
    return `    <testcase classname="${xml(name)}" name="${xml(`database ${o.ruleId} ${o.subject}`)}" time="0">${failure}</testcase>`;
  });
  const skipped =
    db.status === 'skipped'
      ? [
          `    <testcase classname="${xml(name)}" name="database checks" time="0"><skipped message="--skip-database"/></testcase>`,
        ]
      : [];
  const failures = db.outcomes.filter((o) => o.status === 'failed').length;
  return [
    `  <testsuite name="${xml(name)}" tests="${cases.length + skipped.length}" failures="${failures}" errors="0" skipped="${skipped.length}" time="0">`,
    ...cases,
    ...skipped,
    '  </testsuite>',
  ].join('\n');
};

/**
 * junit.xml: one test suite per stack, one test case per rule that had
 * something to check there. A failed rule is a failure listing its
 * unacknowledged findings; acknowledged findings are printed in system-out.
 */
export const renderJunit = (report: ComplianceReport): string => {
  // Indexes, so a 1,000-stack organization stays linear.
  const findingsByKey = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const key = `${f.stack}|${f.layer}|${f.ruleId.replace(/\[.*\]$/, '')}`;
    const list = findingsByKey.get(key);
    if (list) list.push(f);
    else findingsByKey.set(key, [f]);
  }
  const rowsByStack = new Map<string, { rule: RuleResult }[]>();
  for (const rule of report.rules) {
    for (const row of rule.stacks) {
      const list = rowsByStack.get(row.stack);
      if (list) list.push({ rule });
      else rowsByStack.set(row.stack, [{ rule }]);
    }
  }
  const suites = report.stacks.map((stack) => {
    const cases = (rowsByStack.get(stack.stack) ?? []).flatMap(({ rule }) => {
      const findings = findingsByKey.get(`${stack.stack}|${rule.layer}|${rule.ruleId}`) ?? [];
      const failed = findings.filter((f) => f.status === 'failed');
      const acknowledged = findings.filter((f) => f.status === 'acknowledged');
      const name = `${rule.layer} ${rule.ruleId} [${rule.guardrails.join(', ')}]`;
      const failure = failed.length
        ? `<failure message="${xml(`${failed.length} unacknowledged finding(s)`)}">${xml(
            failed
              .map(
                (f) =>
                  `${f.constructPath}: ${f.message}${f.acknowledgementProblem ? ` (${f.acknowledgementProblem})` : ''}`,
              )
              .join('\n'),
          )}</failure>`
        : '';
      const out = acknowledged.length
        ? `<system-out>${xml(acknowledged.map((f) => `acknowledged ${f.constructPath}: ${f.acknowledgement?.reason ?? ''} (on ${f.acknowledgement?.at ?? ''})`).join('\n'))}</system-out>`
        : '';
      return [`    <testcase classname="${xml(stack.stack)}" name="${xml(name)}" time="0">${failure}${out}</testcase>`];
    });
    const failures = cases.filter((c) => c.includes('<failure')).length;
    return [
      `  <testsuite name="${xml(stack.stack)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="0">`,
      ...cases,
      '  </testsuite>',
    ].join('\n');
  });
  suites.push(databaseSuite(report));
  const tests = suites.reduce((n, s) => n + (s.match(/<testcase /g)?.length ?? 0), 0);
  const failures = suites.reduce((n, s) => n + (s.match(/<failure /g)?.length ?? 0), 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="panops-compliance" tests="${tests}" failures="${failures}" errors="0" time="0">\n${suites.join('\n')}\n</testsuites>\n`;
};
