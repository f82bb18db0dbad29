import type { Communication, RawItem } from '../../pipeline/communication.js';
import { mediaUrls, type TwilioInboundMessage, type TwilioRecordingStatus } from './events.js';

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** An inbound SMS/MMS as a communication, keyed on its MessageSid. */
export const twilioMessageItem = (
  message: TwilioInboundMessage,
  all: Readonly<Record<string, string>>,
  receivedAt: Date,
): RawItem => {
  const communication: Communication = {
    channel: 'sms',
    externalId: message.MessageSid,
    threadId: [message.From, message.To].sort().join('|'),
    // Twilio's inbound webhook carries no send time; the receipt time is the closest we have.
    sentAt: receivedAt,
    bodyText: message.Body ?? '',
    participants: [
      { role: 'from', address: message.From },
      { role: 'to', address: message.To },
    ],
    attachments: [],
    recordings: [],
    metadata: {
      platform: 'twilio',
      accountSid: message.AccountSid,
      ...(mediaUrls(all).length > 0 ? { mediaUrls: mediaUrls(all) } : {}),
    },
  };
  return { sourceId: message.MessageSid, raw: encode(all), contentType: 'application/json', communication };
};

/** A voice recording as a communication (the call), keyed on the RecordingSid; its audio is archived separately. */
export const twilioRecordingCommunication = (
  status: TwilioRecordingStatus,
  call: { readonly from?: string; readonly to?: string } = {},
): Communication => ({
  channel: 'call',
  externalId: status.RecordingSid,
  threadId: status.CallSid,
  sentAt: status.RecordingStartTime ? new Date(status.RecordingStartTime) : new Date(0),
  bodyText: '',
  participants: [
    ...(call.from ? [{ role: 'from' as const, address: call.from }] : []),
    ...(call.to ? [{ role: 'to' as const, address: call.to }] : []),
  ],
  attachments: [],
  recordings: [],
  metadata: {
    platform: 'twilio',
    accountSid: status.AccountSid,
    callSid: status.CallSid,
    recordingSid: status.RecordingSid,
    ...(status.RecordingDuration ? { durationSeconds: Number(status.RecordingDuration) } : {}),
    ...(status.RecordingChannels ? { channels: Number(status.RecordingChannels) } : {}),
  },
});
