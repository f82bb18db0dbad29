import { describe, expect, it } from 'vitest';
import type { VerifiedDelivery } from '../../../src/services/webhooks/delivery.js';
import { planDelivery } from '../../../src/services/webhooks/intake.js';
import { CUSTOMER } from './support.js';

const delivery = (
  provider: VerifiedDelivery['route']['provider'],
  event: VerifiedDelivery['event'],
): VerifiedDelivery => ({
  route: { provider, customerId: CUSTOMER, connectorId: 'c1' },
  event,
  rawBody: '{}',
  contentType: 'application/json',
  receivedAt: new Date('2026-11-20T10:00:00Z'),
});

describe('what a verified delivery becomes', () => {
  it('a Slack message event becomes a chat item with its text, keyed on channel and ts', () => {
    const plan = planDelivery(
      delivery('slack', {
        _tag: 'SlackEvent',
        payload: {
          type: 'event_callback',
          team_id: 'T1',
          event_id: 'Ev1',
          event_time: 1,
          event: { type: 'message', channel: 'C1', user: 'U1', text: 'Hello world', ts: '1355517523.000005' },
        },
      }),
    );
    expect(plan.items.map((i) => [i.communication.externalId, i.communication.bodyText])).toEqual([
      ['C1:1355517523.000005', 'Hello world'],
    ]);
    expect(plan.jobs).toEqual([]);
  });

  it('an inbound SMS becomes an sms item keyed on its MessageSid', () => {
    const params = {
      MessageSid: `SM${'1'.repeat(32)}`,
      AccountSid: `AC${'a'.repeat(32)}`,
      From: '+15558675310',
      To: '+15017122661',
      Body: 'hi',
    };
    const plan = planDelivery(delivery('twilio', { _tag: 'TwilioMessage', params, all: params }));
    expect(plan.items[0]?.communication).toMatchObject({
      channel: 'sms',
      externalId: params.MessageSid,
      bodyText: 'hi',
    });
  });

  it('a Zoom recording.completed becomes a download job carrying the download token', () => {
    const plan = planDelivery(
      delivery('zoom', {
        _tag: 'ZoomRecordingCompleted',
        payload: {
          event: 'recording.completed',
          event_ts: 1,
          download_token: 'tok',
          payload: {
            account_id: 'A',
            object: { uuid: 'u==', id: 1, host_id: 'h', start_time: '2021-07-13T21:44:51Z', recording_files: [] },
          },
        },
      }),
    );
    expect(plan.jobs).toHaveLength(1);
    expect(plan.jobs[0]).toMatchObject({ platform: 'zoom', kind: 'webhook', params: { downloadToken: 'tok' } });
  });

  it('an in-progress Twilio recording starts nothing; a completed one starts a download job', () => {
    const params = {
      AccountSid: `AC${'a'.repeat(32)}`,
      CallSid: `CA${'2'.repeat(32)}`,
      RecordingSid: `RE${'3'.repeat(32)}`,
      RecordingUrl: 'https://api.twilio.com/x',
      RecordingStatus: 'in-progress',
    };
    expect(planDelivery(delivery('twilio', { _tag: 'TwilioRecording', params })).jobs).toEqual([]);
    const completed = planDelivery(
      delivery('twilio', { _tag: 'TwilioRecording', params: { ...params, RecordingStatus: 'completed' } }),
    );
    expect(completed.jobs[0]?.jobId).toBe(`twilio-recording-${params.RecordingSid}`);
  });
});
