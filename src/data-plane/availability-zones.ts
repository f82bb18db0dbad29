/**
 * Availability zones named from the region (`us-east-1a`, `us-east-1b`, ...).
 *
 * With an explicit `env`, CDK's `Stack.availabilityZones` is a context lookup:
 * it needs AWS credentials, or returns dummy names. Every region has zones `a`
 * and `b`, so naming them from the region keeps synth credential-free and the
 * same on every machine.
 */
export const availabilityZonesFor = (region: string, count = 2): string[] => {
  if (count < 1 || count > 3) throw new RangeError(`availabilityZonesFor: count must be 1–3, got ${count}`);
  return ['a', 'b', 'c'].slice(0, count).map((letter) => `${region}${letter}`);
};
