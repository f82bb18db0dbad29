import { type CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import type { TemplatePromises } from './promises.js';
import type { TemplateResourceKind } from './template-resources.js';

const yesNo = (b: boolean | undefined, yes: string, no: string) => (b ? yes : no);
const described = (logging: boolean | undefined, validation: boolean | undefined) =>
  `${yesNo(logging, 'logging', 'not logging')}, ${yesNo(validation, 'log file validation on', 'log file validation off')}`;

/**
 * Each trail the template creates: logging (GetTrailStatus IsLogging,
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html)
 * and log file validation, the signed digest files that make the trail
 * tamper-evident (DescribeTrails LogFileValidationEnabled,
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_Trail.html).
 */
export const cloudTrails = (
  cloudtrail: CloudTrailClient,
): TemplateResourceKind<TemplatePromises['trails'][number]> => ({
  source: 'cloudtrail',
  guardrails: ['cloudtrail-tamper-evident'],
  noun: 'trail',
  resources: (promises) => promises.trails,
  nameInTemplate: (trail) => trail.trailName,
  synth: (trail) => described(trail.isLogging, trail.logFileValidation),
  read: async (trail, name) => {
    const trails = await cloudtrail.send(new DescribeTrailsCommand({ trailNameList: [name] }));
    // Matched by name or ARN: shadow trails of other regions may come back too.
    const live = trails.trailList?.find((t) => t.Name === name || t.TrailARN === name);
    if (!live) return { live: 'no such trail', status: 'disagrees' };
    const status = await cloudtrail.send(new GetTrailStatusCommand({ Name: live.TrailARN ?? name }));
    const logging = status.IsLogging === true;
    const validation = live.LogFileValidationEnabled === true;
    return {
      live: described(logging, validation),
      status: logging === trail.isLogging && validation === trail.logFileValidation ? 'agrees' : 'disagrees',
    };
  },
  notFound: { error: 'TrailNotFoundException', live: 'no such trail' },
});
