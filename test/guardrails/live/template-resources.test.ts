import { describe, expect, it } from 'vitest';
import type { TemplatePromises } from '../../../src/guardrails/evidence/live/promises.js';
import { templateResourceChecks } from '../../../src/guardrails/evidence/live/template-resources.js';

const promises = {
  stack: { stack: 'acme', account: '111111111111', region: 'us-east-1', template: 'acme.template.json' },
} as TemplatePromises;
const physical = new Map([
  ['Gone', 'key-gone'],
  ['Denied', 'key-denied'],
  ['Fine', 'key-fine'],
]);

describe('templateResourceChecks', () => {
  it('a resource not in the stack or gone at the service disagrees; a read that fails otherwise is unverified', async () => {
    const checks = await templateResourceChecks(promises, physical, {
      source: 'kms-rotation',
      guardrails: ['kms-key-rotation'],
      noun: 'key',
      resources: () => [
        { logicalId: 'Missing' },
        { logicalId: 'Gone' },
        { logicalId: 'Denied' },
        { logicalId: 'Fine' },
      ],
      synth: () => 'rotation enabled',
      read: async (_key, id) => {
        if (id === 'key-gone') throw Object.assign(new Error('gone'), { name: 'NotFoundException' });
        if (id === 'key-denied') throw Object.assign(new Error('no'), { name: 'AccessDeniedException' });
        return { live: 'rotation enabled', status: 'agrees' };
      },
      notFound: { error: 'NotFoundException', live: 'no such key' },
    });
    expect(checks.map((c) => [c.subject, c.live, c.status])).toEqual([
      ['key (not in the stack) (Missing)', 'no such resource in the deployed stack', 'disagrees'],
      ['key key-gone (Gone)', 'no such key', 'disagrees'],
      ['key key-denied (Denied)', 'not read: AccessDeniedException: no', 'unverified'],
      ['key key-fine (Fine)', 'rotation enabled', 'agrees'],
    ]);
    expect(Object.keys(checks[3] ?? {})).toEqual([
      'source',
      'guardrails',
      'account',
      'region',
      'stack',
      'logicalId',
      'subject',
      'synth',
      'live',
      'status',
    ]);
  });
});
