import { Template } from 'aws-cdk-lib/assertions';
import { Effect } from 'effect';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeJob } from '../../src/services/pipeline/job.js';
import { SHARDING } from '../../src/shared-compute/sharding.js';
import { type CfnProperties, exampleBlueprint, propertiesOf, synthSharedCompute } from './fixtures.js';

let dispositions: CfnProperties[];
let shards: number;
beforeAll(() => {
  const { stacks } = synthSharedCompute(exampleBlueprint());
  shards = stacks.dispositions.length;
  dispositions = stacks.dispositions.flatMap((s) => propertiesOf(Template.fromStack(s), 'AWS::Scheduler::Schedule'));
});

const jobOf = (schedule: CfnProperties) => JSON.parse(schedule.Target.Input) as Record<string, unknown>;

describe('retention disposition schedules of the example organization', () => {
  it('runs once a day per customer, at the customer’s own minute, through the connector-jobs queue, its retries and dead-letter queue', () => {
    const customers = exampleBlueprint().customers;
    expect(shards).toBe(Math.ceil(customers.length / SHARDING.schedulesPerStack));
    expect(dispositions.map((s) => jobOf(s).customerId).sort()).toEqual(customers.map((c) => c.id).sort());
    for (const schedule of dispositions) {
      expect(schedule.ScheduleExpression).toMatch(/^cron\(\d+ \d+ \* \* \? \*\)$/);
      expect(schedule.ScheduleExpressionTimezone).toBe('UTC');
      expect(JSON.stringify(schedule.Target.Arn)).toContain('ConnectorJobsQueue');
      expect(schedule.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
      expect(JSON.stringify(schedule.Target.DeadLetterConfig.Arn)).toContain('ScheduleDeadLetters');
      expect(JSON.stringify(schedule.Target.RoleArn)).toContain('SchedulerRole');
    }
  });

  it('delivers a disposition job the services decode, carrying the customer’s retention from the blueprint', () => {
    for (const { Target } of dispositions) {
      const body = String(Target.Input)
        .replace('<aws.scheduler.execution-id>', 'e6c8a6d2-0f5e-4a63-9d1c-2f1a3b4c5d6e')
        .replace('<aws.scheduler.scheduled-time>', '2026-11-26T03:41:00Z');
      const job = Effect.runSync(decodeJob(body));
      const customer = exampleBlueprint().customers.find((c) => c.id === job.customerId);
      expect(job.kind).toBe('disposition');
      expect(job.params).toMatchObject({ retentionDays: customer?.retentionDays });
    }
  });
});
