import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cfnGuardBinary } from '../../src/guardrails/guard/cfn-guard-binary.js';
import { ownRuleFiles } from '../../src/guardrails/guard/rule-files.js';

interface Fixture {
  readonly name: string;
  readonly expectations: { readonly rules: Record<string, 'PASS' | 'FAIL' | 'SKIP'> };
}

const rules = ownRuleFiles();

describe('the project Guard rules in policies/guard', () => {
  it('there are rule files, each with named rules and a description', () => {
    expect(rules.length).toBeGreaterThanOrEqual(4);
    for (const rule of rules) {
      expect(rule.ruleNames.length, rule.fileName).toBeGreaterThan(0);
      expect(rule.resourceTypes.length, rule.fileName).toBeGreaterThan(0);
      expect(rule.title, rule.fileName).not.toBe(rule.fileName);
    }
  });

  for (const rule of rules) {
    const fixtureFile = rule.path.replace(/\.guard$/, '.test.yaml');
    it(`${rule.fileName}: every named rule has a PASS and a FAIL fixture, and cfn-guard test agrees`, () => {
      expect(existsSync(fixtureFile), `${fixtureFile} is missing`).toBe(true);
      const fixtures = parse(readFileSync(fixtureFile, 'utf8')) as Fixture[];
      for (const name of rule.ruleNames) {
        const outcomes = new Set(fixtures.map((f) => f.expectations.rules[name]));
        expect(outcomes, `${name} needs a PASS fixture`).toContain('PASS');
        expect(outcomes, `${name} needs a FAIL fixture`).toContain('FAIL');
      }
      // cfn-guard test exits non-zero when any fixture's expectation is not met.
      const output = execFileSync(cfnGuardBinary(), ['test', '-r', rule.path, '-t', fixtureFile], { encoding: 'utf8' });
      expect(output).not.toMatch(/FAIL Rules:/);
    });
  }
});
