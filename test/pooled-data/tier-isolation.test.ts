import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TIER_ISOLATION } from '../../src/pooled-data/tier-isolation.js';

describe('the tier isolation statement', () => {
  it('states both tiers: dedicated physical and logical, pooled logical only', () => {
    expect(TIER_ISOLATION.map((t) => [t.tier, t.kind])).toEqual([
      ['dedicated', 'physical and logical'],
      ['pooled', 'logical'],
    ]);
  });

  it('says the dedicated tier has an account boundary and the customer’s own key, and the pooled tier has neither', () => {
    const layersOf = (tier: string) => TIER_ISOLATION.find((t) => t.tier === tier)?.layers.map((l) => l.layer) ?? [];
    expect(layersOf('dedicated')).toEqual(expect.arrayContaining(['account', 'database', 'encryption']));
    expect(layersOf('pooled')).not.toContain('account');
    const pooled = TIER_ISOLATION.find((t) => t.tier === 'pooled');
    expect(pooled?.summary).toMatch(/row-level security/);
    expect(pooled?.summary).toMatch(/prefix/);
    expect(pooled?.summary).toMatch(/IAM conditions/);
    expect(pooled?.summary).toMatch(/PanOps-managed customer-managed key \(stronger than the seed's AWS-managed key/);
    expect(TIER_ISOLATION.find((t) => t.tier === 'dedicated')?.summary).toMatch(/customer’s own KMS key/);
  });

  it('states each side channel between pooled tenants: term statistics mitigated; customer_id statistics, table totals, other statistics and timing residual; webhook probing mitigated', () => {
    const pooled = TIER_ISOLATION.find((t) => t.tier === 'pooled');
    const channels = (pooled?.residualChannels ?? []).map((c) => [c.channel.split(' (')[0], c.status]);
    expect(channels).toEqual([
      ['Planner statistics of search terms', 'mitigated'],
      ['Planner statistics of customer_id', 'residual'],
      ['Table-level totals', 'residual'],
      ['Statistics of other columns', 'residual'],
      ['Webhook probing', 'mitigated'],
    ]);
    for (const c of pooled?.residualChannels ?? []) {
      expect(c.reveals.length, c.channel).toBeGreaterThan(10);
      for (const path of c.evidence) expect(existsSync(path), `${c.channel}: ${path}`).toBe(true);
    }
    expect(TIER_ISOLATION.find((t) => t.tier === 'dedicated')?.residualChannels).toEqual([]);
  });

  it('names evidence that exists in the repository for every layer', () => {
    for (const tier of TIER_ISOLATION)
      for (const layer of tier.layers) {
        expect(layer.evidence.length, `${tier.tier}/${layer.layer}`).toBeGreaterThan(0);
        for (const path of layer.evidence) expect(existsSync(path), `${tier.tier}/${layer.layer}: ${path}`).toBe(true);
      }
  });
});
