import { DetachPolicyCommand, ListPoliciesCommand, ListRootsCommand } from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import { sdkStepsCheck } from '../../../src/guardrails/deployability/sdk-steps.js';

/** The SDK-driven steps of a deploy against moto_server (a real emulator process on a free port). */
describe('deploy rehearsal: SDK steps against moto_server', () => {
  it('vends (create, adopt, release), finds no drift, plans the deploy and runs preflight on the example organization, naming the gaps', async () => {
    const outcome = await sdkStepsCheck({ blueprintDir: 'blueprint' });
    expect(outcome.skipped).toBeUndefined();
    expect(outcome.findings).toEqual([]);
    expect(outcome.evaluated).toBe(6);
    expect(outcome.notes).toContainEqual(expect.stringMatching(/customer account\(s\) to vend: borealis-health/));
    expect(outcome.notes).toContainEqual(expect.stringMatching(/^drift: 0 drift\(s\) outside Control Tower/));
    expect(outcome.notes).toContainEqual(
      expect.stringMatching(/^deploy plan: organization-settings → preflight-organization → organization → vend → /),
    );
    expect(outcome.notes).toContainEqual(
      expect.stringMatching(/^preflight: \d+ rows against the emulated organization/),
    );
    expect(outcome.notes).toContainEqual(expect.stringMatching(/^emulator gap: Control Tower is not emulated/));
  });

  it('an organization changed by hand after the deploy is a drift finding, named by policy', async () => {
    const outcome = await sdkStepsCheck({
      blueprintDir: 'blueprint',
      beforeDrift: async (organizations) => {
        const roots = await organizations.send(new ListRootsCommand({}));
        const policies = await organizations.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }));
        const publicS3 = policies.Policies?.find((p) => p.Name === 'panops-deny-public-s3');
        await organizations.send(new DetachPolicyCommand({ PolicyId: publicS3?.Id, TargetId: roots.Roots?.[0]?.Id }));
      },
    });
    expect(outcome.findings.map((f) => [f.check, f.resource])).toEqual([
      ['sdk-steps', 'drift SCP panops-deny-public-s3'],
    ]);
    expect(outcome.findings[0]?.message).toMatch(/^scp-not-attached: /);
  });
});
