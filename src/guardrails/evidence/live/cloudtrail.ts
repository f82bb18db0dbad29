import { type CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { describeError, type LiveCheck } from './model.js';
import type { TemplatePromises } from './promises.js';

const yesNo = (b: boolean | undefined, yes: string, no: string) => (b ? yes : no);

/**
 * Each trail the template creates: logging (GetTrailStatus IsLogging,
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html)
 * and log file validation, the signed digest files that make the trail
 * tamper-evident (DescribeTrails LogFileValidationEnabled,
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_Trail.html).
 */
export const cloudTrailChecks = async (
  cloudtrail: CloudTrailClient,
  promises: TemplatePromises,
  physical: ReadonlyMap<string, string>,
): Promise<LiveCheck[]> =>
  Promise.all(
    promises.trails.map(async (trail): Promise<LiveCheck> => {
      const name = physical.get(trail.logicalId) ?? trail.trailName;
      const check = {
        source: 'cloudtrail' as const,
        guardrails: ['cloudtrail-tamper-evident'],
        account: promises.stack.account,
        region: promises.stack.region,
        stack: promises.stack.stack,
        logicalId: trail.logicalId,
        subject: `trail ${name ?? '(not in the stack)'} (${trail.logicalId})`,
        synth: `${yesNo(trail.isLogging, 'logging', 'not logging')}, ${yesNo(trail.logFileValidation, 'log file validation on', 'log file validation off')}`,
      };
      if (!name) return { ...check, live: 'no such resource in the deployed stack', status: 'disagrees' };
      try {
        const described = await cloudtrail.send(new DescribeTrailsCommand({ trailNameList: [name] }));
        // Matched by name or ARN: shadow trails of other regions may come back too.
        const live = described.trailList?.find((t) => t.Name === name || t.TrailARN === name);
        if (!live) return { ...check, live: 'no such trail', status: 'disagrees' };
        const status = await cloudtrail.send(new GetTrailStatusCommand({ Name: live.TrailARN ?? name }));
        const logging = status.IsLogging === true;
        const validation = live.LogFileValidationEnabled === true;
        return {
          ...check,
          live: `${yesNo(logging, 'logging', 'not logging')}, ${yesNo(validation, 'log file validation on', 'log file validation off')}`,
          status: logging === trail.isLogging && validation === trail.logFileValidation ? 'agrees' : 'disagrees',
        };
      } catch (error) {
        if ((error as { name?: string })?.name === 'TrailNotFoundException')
          return { ...check, live: 'no such trail', status: 'disagrees' };
        return { ...check, live: `not read: ${describeError(error)}`, status: 'unverified' };
      }
    }),
  );
