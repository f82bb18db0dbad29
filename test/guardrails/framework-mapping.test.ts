import { describe, expect, it } from 'vitest';
import { GUARDRAIL_FRAMEWORKS } from '../../src/guardrails/catalog/framework-mappings.js';
import { FRAMEWORK_GAPS, FRAMEWORKS, frameworkById } from '../../src/guardrails/catalog/frameworks.js';
import { GUARDRAILS } from '../../src/guardrails/catalog/guardrails.js';
import { BASELINE_GUARDRAIL_ID } from '../../src/guardrails/compliance/guardrail-index.js';

const everyGuardrail = [...GUARDRAILS.map((g) => g.id), BASELINE_GUARDRAIL_ID];

describe('framework mapping of the guardrail catalog', () => {
  it('every guardrail, the baseline included, has references in all five frameworks', () => {
    expect(FRAMEWORKS.map((f) => f.id)).toEqual([
      'sec-17a-4',
      'finra-4511',
      'soc2-tsc',
      'nist-800-53-r5',
      'iso-27001-2022',
    ]);
    const missing = everyGuardrail.flatMap((id) =>
      FRAMEWORKS.filter((f) => !(GUARDRAIL_FRAMEWORKS[id] ?? []).some((r) => r.framework === f.id)).map(
        (f) => `${id}: no ${f.id} reference`,
      ),
    );
    expect(missing).toEqual([]);
  });

  it('maps no guardrail that the catalog does not have', () => {
    expect(Object.keys(GUARDRAIL_FRAMEWORKS).filter((id) => !everyGuardrail.includes(id))).toEqual([]);
  });

  it('every reference names a well-formed, known control and says in one sentence how the guardrail serves it', () => {
    const problems = Object.entries(GUARDRAIL_FRAMEWORKS).flatMap(([id, refs]) =>
      refs.flatMap((r) => {
        const framework = frameworkById(r.framework);
        const where = `${id} → ${r.framework} ${r.control}`;
        return [
          ...(framework.idPattern.test(r.control) ? [] : [`${where}: malformed control id`]),
          ...(r.control in framework.controls ? [] : [`${where}: not a control listed in FRAMEWORKS`]),
          ...(/^[A-Z"'].{19,}\.$/s.test(r.how) && r.how.split(/\.\s+[A-Z]/).length === 1
            ? []
            : [`${where}: "how" is not one sentence`]),
        ];
      }),
    );
    expect(problems).toEqual([]);
    // No duplicate reference of one guardrail to one control.
    for (const [id, refs] of Object.entries(GUARDRAIL_FRAMEWORKS)) {
      const keys = refs.map((r) => `${r.framework} ${r.control}`);
      expect(new Set(keys).size, id).toBe(keys.length);
    }
  });

  it('the id patterns accept real control ids and refuse malformed ones', () => {
    const accepts: [string, string][] = [
      ['nist-800-53-r5', 'AU-9'],
      ['nist-800-53-r5', 'SC-28(1)'],
      ['nist-800-53-r5', 'AC-6'],
      ['iso-27001-2022', 'A.8.24'],
      ['iso-27001-2022', 'A.5.33'],
      ['soc2-tsc', 'CC6.1'],
      ['sec-17a-4', '17a-4(f)(2)(i)(A)'],
      ['finra-4511', '4511(c)'],
    ];
    const refuses: [string, string][] = [
      ['nist-800-53-r5', 'AU9'],
      ['nist-800-53-r5', 'XX-1'],
      ['iso-27001-2022', 'A.8.35'],
      ['iso-27001-2022', 'A.12.4.1'],
      ['iso-27001-2022', 'A.5.38'],
      ['soc2-tsc', 'CC10.1'],
      ['sec-17a-4', '17a-4(f)(2)(xi)'],
      ['finra-4511', '4511(d)'],
    ];
    for (const [f, id] of accepts) expect(frameworkById(f as never).idPattern.test(id), `${f} ${id}`).toBe(true);
    for (const [f, id] of refuses) expect(frameworkById(f as never).idPattern.test(id), `${f} ${id}`).toBe(false);
    for (const f of FRAMEWORKS)
      for (const id of Object.keys(f.controls)) expect(f.idPattern.test(id), `${f.id} ${id}`).toBe(true);
  });

  it('no listed control is silent: each is served by a guardrail or states its gap, and a stated non-coverage is true', () => {
    const served = new Set(
      Object.values(GUARDRAIL_FRAMEWORKS).flatMap((refs) => refs.map((r) => `${r.framework} ${r.control}`)),
    );
    const gaps = new Map(FRAMEWORK_GAPS.map((g) => [`${g.framework} ${g.control}`, g]));
    const silent = FRAMEWORKS.flatMap((f) =>
      Object.keys(f.controls)
        .map((c) => `${f.id} ${c}`)
        .filter((key) => !served.has(key) && !gaps.has(key)),
    );
    expect(silent).toEqual([]);
    const contradicted = FRAMEWORK_GAPS.filter(
      (g) => g.coverage === 'none' && served.has(`${g.framework} ${g.control}`),
    ).map((g) => g.control);
    expect(contradicted).toEqual([]);
    const unknown = FRAMEWORK_GAPS.filter((g) => !(g.control in frameworkById(g.framework).controls));
    expect(unknown).toEqual([]);
  });

  it('states the 17a-4 requirements infrastructure cannot meet: the undertaking, and retention of the record index', () => {
    const sec = FRAMEWORK_GAPS.filter((g) => g.framework === 'sec-17a-4');
    expect(sec.find((g) => g.control === '17a-4(f)(3)(iii)')?.coverage).toBe('none');
    expect(sec.find((g) => g.control === '17a-4(f)(2)(vi)')?.note).toMatch(/index/);
    expect(sec.find((g) => g.control === '17a-4(f)(2)(i)(B)')?.note).toMatch(/Object Lock/);
  });
});
