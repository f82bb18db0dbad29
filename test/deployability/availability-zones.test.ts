import { beforeAll, describe, expect, it } from 'vitest';
import { accountAvailabilityZones } from '../../src/data-plane/availability-zones.js';
import { ORGANIZATION_KINDS, type SynthesizedOrganization, synthesizeOrganization } from '../support/organizations.js';

/** A zone name written out (`us-east-1a`, `eu-west-2c`, `us-gov-west-1b`): it means a different zone in each account. */
const ZONE_NAME = /\b[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d[a-z]\b/;

/** Every string in a template with its JSON path. */
const strings = (value: unknown, path: string): [string, string][] => {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, `${path}[${index}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => strings(item, `${path}.${key}`));
  return [];
};
/** Every value of a property named `AvailabilityZone` anywhere in a template. */
const zoneProperties = (value: unknown): unknown[] => {
  if (Array.isArray(value)) return value.flatMap(zoneProperties);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => (key === 'AvailabilityZone' ? [item] : zoneProperties(item)));
  return [];
};

let organizations: SynthesizedOrganization[];
beforeAll(() => {
  organizations = ORGANIZATION_KINDS.map(synthesizeOrganization);
});

describe('availability zones come from the account, not from letters', () => {
  it('no synthesized template names a zone', () => {
    const named = organizations.flatMap((org) =>
      org.templates.flatMap((t) =>
        strings(t.template.Resources, 'Resources')
          .filter(([, text]) => ZONE_NAME.test(text))
          .map(([path, text]) => `${org.kind} ${t.stackName} ${path}: ${text}`),
      ),
    );
    expect(named).toEqual([]);
  });

  it('every AvailabilityZone is one of the account’s zones, selected from Fn::GetAZs of the stack’s region', () => {
    const zones = organizations.flatMap((org) => org.templates.flatMap((t) => zoneProperties(t.template.Resources)));
    expect(zones.length).toBeGreaterThan(10);
    for (const zone of zones) expect(zone).toEqual({ 'Fn::Select': [expect.any(Number), { 'Fn::GetAZs': '' }] });
  });

  it('the Aurora writer and reader sit in two different zones of the account', () => {
    for (const org of organizations)
      for (const t of org.templates) {
        const instances = Object.values(
          t.template.Resources as Record<
            string,
            { Type: string; Properties: { AvailabilityZone: { 'Fn::Select': [number, unknown] } } }
          >,
        ).filter((r) => r.Type === 'AWS::RDS::DBInstance');
        if (instances.length === 0) continue;
        const indexes = instances.map((i) => i.Properties.AvailabilityZone['Fn::Select'][0]);
        expect(new Set(indexes).size, `${org.kind} ${t.stackName}`).toBe(instances.length);
      }
  });

  it('the zone helper refuses a count no region is sure to have', () => {
    expect(() => accountAvailabilityZones(4)).toThrow(RangeError);
    expect(accountAvailabilityZones(3)).toHaveLength(3);
  });
});
