import type { Template } from 'aws-cdk-lib/assertions';
import { Effect, Layer } from 'effect';
import { HttpClient, HttpClientResponse } from 'effect/http';
import { beforeAll, describe, expect, it } from 'vitest';
import { LargeObjectArchive } from '../../src/services/archive/large-object.js';
import { PROVIDERS } from '../../src/services/connectors/providers.js';
import type { Connector } from '../../src/services/pipeline/connector.js';
import { staticCredentialsLayer } from '../../src/services/pipeline/credentials.js';
import { decodeJob } from '../../src/services/pipeline/job.js';
import { memoryTranscriptionJobsLayer } from '../../src/services/queue/transcription-jobs.js';
import { reconcileSourceOf } from '../../src/services/reconcile/reconcile-job.js';
import { jitterOffsetMinutes, POLL_RUNTIME, scheduleExpression } from '../../src/shared-compute/schedule-plan.js';
import { type CfnProperties, exampleBlueprint, propertiesOf, synthSharedCompute } from './fixtures.js';

let schedules: CfnProperties[];
let reconciles: CfnProperties[];
let shards: Template[];
beforeAll(() => {
  shards = synthSharedCompute(exampleBlueprint()).schedules;
  const all = shards.flatMap((t) => propertiesOf(t, 'AWS::Scheduler::Schedule'));
  schedules = all.filter((s) => jobOf(s).kind === 'poll');
  reconciles = all.filter((s) => jobOf(s).kind === 'reconcile');
});

/** The connector id a schedule polls, from its job. */
const jobOf = (schedule: CfnProperties) => JSON.parse(schedule.Target.Input) as Record<string, string>;

/** The job a schedule delivers, once Scheduler fills in its placeholders. */
const deliveredJob = (schedule: CfnProperties) =>
  Effect.runSync(
    decodeJob(
      String(schedule.Target.Input)
        .replace('<aws.scheduler.execution-id>', 'e6c8a6d2-0f5e-4a63-9d1c-2f1a3b4c5d6e')
        .replace('<aws.scheduler.scheduled-time>', '2026-11-26T06:17:00Z'),
    ),
  );

describe('connector schedule timing', () => {
  it('gives a connector the same offset on every synth, within its interval', () => {
    const a = jitterOffsetMinutes('3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01', 'm365-mail', 6);
    expect(jitterOffsetMinutes('3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01', 'm365-mail', 6)).toBe(a);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(360);
  });

  it('spreads many connectors over the interval instead of firing them together', () => {
    const offsets = Array.from({ length: 720 }, (_, i) =>
      jitterOffsetMinutes(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, 'gmail', 6),
    );
    const perHour = Array.from({ length: 6 }, (_, h) => offsets.filter((o) => Math.floor(o / 60) === h).length);
    // 720 connectors over 6 hours: about 120 an hour; none of the hours gets double its share.
    for (const count of perHour) expect(count).toBeLessThan(240);
    expect(new Set(offsets).size).toBeGreaterThan(250);
  });

  it.each([
    [6, 137, 'cron(17 2/6 * * ? *)'],
    [12, 0, 'cron(0 0/12 * * ? *)'],
    [24, 75, 'cron(15 1 * * ? *)'],
    [5, 100, 'rate(300 minutes)'],
    [1.5, 10, 'rate(90 minutes)'],
  ])('expresses a %s-hour interval at offset %s minutes as %s', (hours, offset, expression) => {
    expect(scheduleExpression(hours, offset)).toBe(expression);
  });
});

describe('connector schedules of the example organization', () => {
  it('has exactly one poll schedule per configured connector of a polled platform (Twilio pushes, it is not polled)', () => {
    const connectors = exampleBlueprint().customers.flatMap((c) =>
      (c.connectors ?? []).map((k) => ({ key: `${c.id}/${k.id}`, platform: k.platform })),
    );
    expect(connectors.some((k) => k.platform === 'twilio')).toBe(true);
    const polled = connectors.filter((k) => k.platform !== 'twilio').map((k) => k.key);
    expect(schedules.map((s) => `${jobOf(s).customerId}/${jobOf(s).connectorId}`).sort()).toEqual(polled.sort());
  });

  it('names in every scheduled poll what its provider lists, so the connector starts instead of dead-lettering it', async () => {
    // A Graph stand-in for the one listing a scope needs (a mailbox without named folders lists its folders).
    const graph = HttpClient.make((request) =>
      Effect.succeed(HttpClientResponse.fromWeb(request, Response.json({ value: [{ id: 'inbox' }] }))),
    );
    const deps = Layer.mergeAll(
      Layer.succeed(HttpClient.HttpClient, graph),
      staticCredentialsLayer('token'),
      memoryTranscriptionJobsLayer(),
      Layer.succeed(LargeObjectArchive, {} as LargeObjectArchive['Service']),
    );
    const platforms = new Set<string>();
    for (const schedule of schedules) {
      const job = deliveredJob(schedule);
      const make = PROVIDERS[job.platform as keyof typeof PROVIDERS].connector() as Effect.Effect<Connector>;
      const scopes = await Effect.runPromise(
        make.pipe(
          Effect.flatMap((connector) => connector.scopes(job)),
          Effect.provide(deps),
        ),
      );
      expect(scopes.length, `${job.platform}/${job.connectorId}`).toBeGreaterThan(0);
      platforms.add(job.platform);
    }
    expect([...platforms].sort()).toEqual(['gmail', 'm365', 'slack', 'teams', 'zoom']);
  });

  it('names in every scheduled reconcile what its provider lists (channels, users and teams, mailbox, account SID)', async () => {
    const sources = await Effect.runPromise(Effect.forEach(reconciles, (s) => reconcileSourceOf(deliveredJob(s))));
    expect(sources.map((s) => s.platform).sort()).toEqual([
      'gmail',
      'gmail',
      'm365',
      'slack',
      'teams',
      'twilio',
      'zoom',
    ]);
    expect(sources.find((s) => s.platform === 'slack')).toMatchObject({ channels: ['C0ACMETRADE1', 'C0ACMERSRCH2'] });
    expect(sources.find((s) => s.platform === 'teams')).toMatchObject({
      users: [expect.any(String)],
      teams: [expect.any(String)],
    });
    expect(sources.find((s) => s.platform === 'twilio')).toMatchObject({ accountSid: expect.stringMatching(/^AC/) });
  });

  it('polls every 6 hours by default and honours a connector’s own interval', () => {
    for (const schedule of schedules) {
      const every = jobOf(schedule).connectorId === 'gmail' && schedule.Description.includes('cobalt') ? 12 : 6;
      expect(schedule.ScheduleExpression).toMatch(new RegExp(`^cron\\(\\d+ \\d+/${every} \\* \\* \\? \\*\\)$`));
      expect(schedule.ScheduleExpressionTimezone).toBe('UTC');
    }
  });

  it('gives connectors distinct start minutes and a 60-minute flexible window', () => {
    const starts = schedules.map((s) => s.ScheduleExpression.split(' ').slice(0, 2).join(' '));
    expect(new Set(starts).size).toBe(schedules.length);
    for (const s of schedules) expect(s.FlexibleTimeWindow).toEqual({ Mode: 'FLEXIBLE', MaximumWindowInMinutes: 60 });
  });

  it('retries a failed delivery and then dead-letters it', () => {
    for (const { Target } of schedules) {
      expect(Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
      expect(JSON.stringify(Target.DeadLetterConfig.Arn)).toContain('ScheduleDeadLetters');
      expect(JSON.stringify(Target.RoleArn)).toContain('SchedulerRole');
    }
  });

  it('sends short delta polls to the poller Lambda and recording platforms to the connector-jobs queue', () => {
    for (const schedule of schedules) {
      const target = JSON.stringify(schedule.Target.Arn);
      const runtime = POLL_RUNTIME[jobOf(schedule).platform as keyof typeof POLL_RUNTIME];
      expect(target).toContain(runtime === 'lambda' ? 'ConnectorPollerFunction' : 'ConnectorJobsQueue');
    }
    expect(schedules.some((s) => JSON.stringify(s.Target.Arn).includes('ConnectorJobsQueue'))).toBe(true);
  });

  it('delivers a connector job the services decode (once Scheduler fills in its placeholders)', () => {
    for (const schedule of schedules) {
      const job = deliveredJob(schedule);
      expect(job.kind).toBe('poll');
      expect(job.requestedAt).toBe('2026-11-26T06:17:00Z');
    }
  });

  it('reconciles every connector daily through the connector-jobs queue, naming the customer for the ArchiveGaps metric', () => {
    const configured = exampleBlueprint().customers.flatMap((c) =>
      (c.connectors ?? []).map((k) => ({ key: `${c.id}/${k.id}`, slug: c.slug })),
    );
    expect(reconciles.map((s) => `${jobOf(s).customerId}/${jobOf(s).connectorId}`).sort()).toEqual(
      configured.map((c) => c.key).sort(),
    );
    for (const schedule of reconciles) {
      expect(schedule.ScheduleExpression).toMatch(/^cron\(\d+ \d+ \* \* \? \*\)$/);
      expect(JSON.stringify(schedule.Target.Arn)).toContain('ConnectorJobsQueue');
      expect(schedule.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
      const job = deliveredJob(schedule);
      expect(job.kind).toBe('reconcile');
      expect(job.params?.customerSlug).toBe(
        configured.find((c) => c.key === `${job.customerId}/${job.connectorId}`)?.slug,
      );
    }
  });
});
