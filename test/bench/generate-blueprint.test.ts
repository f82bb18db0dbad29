import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateBlueprint, writeBlueprintDir } from '../../bench/generate-blueprint.js';
import { BlueprintInvalid, loadBlueprint, usesTransitGateway, validateBlueprint } from '../../src/config/index.js';

describe('the scale benchmark blueprint generator', () => {
  it('generates 100 valid customers with disjoint CIDRs and unique ids', () => {
    const bp = validateBlueprint(generateBlueprint(100, { pooledEvery: 10 }));
    expect(bp.customers).toHaveLength(100);
    expect(bp.customers.filter((c) => c.tier === 'pooled')).toHaveLength(10);
  });

  it('generates 1,000 valid dedicated customers in transit-gateway mode', () => {
    const bp = validateBlueprint(generateBlueprint(1000));
    expect(bp.customers.filter((c) => c.tier === 'dedicated')).toHaveLength(1000);
    expect(usesTransitGateway(bp)).toBe(true);
    expect(bp.sharedCompute.network?.transitGatewayId).toMatch(/^tgw-/);
  });

  it('generates a valid peering design up to the peering limit, with the route-table quota it needs', () => {
    const bp = validateBlueprint(generateBlueprint(124, { network: 'peering' }));
    expect(usesTransitGateway(bp)).toBe(false);
    expect(bp.sharedCompute.vpcId).toMatch(/^vpc-/);
    expect(bp.sharedCompute.routeTableQuota).toBe(124 + 1 + 4);
    expect(() => validateBlueprint(generateBlueprint(125, { network: 'peering' }))).toThrow(BlueprintInvalid);
  });

  it('writes a folder that the loader reads back unchanged', () => {
    const raw = generateBlueprint(3);
    const dir = writeBlueprintDir(mkdtempSync(join(tmpdir(), 'gen-')), raw);
    const bp = loadBlueprint(dir, dir);
    expect(bp.customers.map((c) => c.id)).toEqual(raw.customers.map((c) => (c.data as { id: string }).id));
  });

  it('is deterministic', () => {
    expect(generateBlueprint(5)).toEqual(generateBlueprint(5));
  });
});
