import { Effect, Option, Schema } from 'effect';
import { LargeObjectArchive } from '../../archive/large-object.js';
import type { Connector, Page } from '../../pipeline/connector.js';
import { connectorTokens } from '../../pipeline/credentials.js';
import { badJob, Transient } from '../../pipeline/errors.js';
import type { ConnectorJob } from '../../pipeline/job.js';
import { TranscriptionJobs } from '../../queue/transcription-jobs.js';
import { downloadStream } from '../zoom/download.js';
import { TwilioInboundMessage, TwilioRecordingStatus } from './events.js';
import { attachTwilioMedia } from './media.js';
import { twilioMessageItem, twilioRecordingCommunication } from './normalize.js';

export interface TwilioConnectorOptions {
  /** Format Twilio serves the recording in (`.wav` is the original; `.mp3` is smaller). @default 'wav' */
  readonly format?: 'wav' | 'mp3';
}

const decodeRecording = Schema.decodeUnknownOption(TwilioRecordingStatus);
const decodeMessage = Schema.decodeUnknownOption(TwilioInboundMessage);

/** What a Twilio webhook job carries: from the webhook Lambda (`params.event`) or the in-process intake (`params.recording`). */
const jobPayload = (job: ConnectorJob) => {
  const event = job.params?.event as { _tag?: string; params?: unknown; all?: Record<string, string> } | undefined;
  const recording = decodeRecording(event?._tag === 'TwilioRecording' ? event.params : job.params?.recording);
  if (Option.isSome(recording)) return { _tag: 'recording', recording: recording.value } as const;
  const message = decodeMessage(event?._tag === 'TwilioMessage' ? event.params : undefined);
  if (Option.isSome(message)) return { _tag: 'message', message: message.value, all: event?.all ?? {} } as const;
  return undefined;
};

/**
 * Twilio is push-only: inbound SMS arrive whole in the webhook; a completed
 * voice recording's callback becomes a job that downloads the audio (HTTP
 * basic auth with the account SID and auth token), streams it into the
 * archive, stores the call, and queues the transcription. Everything is keyed
 * on the Twilio SID, so a redelivered callback downloads nothing twice.
 */
export const makeTwilioConnector = (options: TwilioConnectorOptions = {}) =>
  Effect.gen(function* () {
    const tokenFor = yield* connectorTokens('twilio');
    const archive = yield* LargeObjectArchive;
    const transcription = yield* TranscriptionJobs;
    const format = options.format ?? 'wav';

    const scopes = (job: ConnectorJob) => {
      const payload = jobPayload(job);
      if (job.kind !== 'webhook' || !payload)
        return Effect.fail(badJob(job, 'Twilio jobs come from webhooks (a recording or a message)'));
      return Effect.succeed([
        payload._tag === 'recording'
          ? `recording:${payload.recording.RecordingSid}`
          : `message:${payload.message.MessageSid}`,
      ]);
    };

    const recordingPage = (job: ConnectorJob, status: TwilioRecordingStatus) =>
      Effect.gen(function* () {
        const name = `twilio/${status.RecordingSid}.${format}`;
        const key = archive.keyFor(name);
        let stored: { sha256?: string; size?: number } = {};
        if (!(yield* archive.exists(job.customerId, name))) {
          const authToken = yield* tokenFor(job);
          const basic = Buffer.from(`${status.AccountSid}:${authToken}`).toString('base64');
          const download = yield* downloadStream('twilio', `${status.RecordingUrl}.${format}`, {
            authorization: `Basic ${basic}`,
          }).pipe(
            // Twilio may answer 404 for a moment after the callback, until the media is in place: retry, do not dead-letter.
            Effect.mapError((e) =>
              e._tag === 'BadPayload' && e.reason.includes('404')
                ? new Transient({ source: 'twilio', status: 404, detail: 'recording not yet available' })
                : e,
            ),
          );
          const contentType = format === 'wav' ? 'audio/x-wav' : 'audio/mpeg';
          stored = yield* archive.putStream(job.customerId, name, download.body, contentType);
          yield* transcription.enqueue({
            version: 1,
            customerId: job.customerId,
            recordingId: status.RecordingSid,
            communicationId: status.RecordingSid,
            archiveKey: key,
            contentType,
          });
        }
        const communication = twilioRecordingCommunication(status);
        const item = {
          sourceId: status.RecordingSid,
          raw: new TextEncoder().encode(JSON.stringify(status)),
          contentType: 'application/json',
          communication: {
            ...communication,
            metadata: { ...communication.metadata, recordingFiles: [{ archiveKey: key, format, ...stored }] },
          },
        };
        return { items: [item], skipped: [], nextCursor: 'downloaded', done: true } satisfies Page;
      });

    const fetchPage = (job: ConnectorJob, _scope: string, _cursor: Option.Option<string>) =>
      Effect.gen(function* () {
        const payload = jobPayload(job);
        if (!payload) return yield* badJob(job, 'not a Twilio webhook job');
        if (payload._tag === 'message')
          return {
            items: [
              yield* attachTwilioMedia(
                twilioMessageItem(payload.message, payload.all, new Date(job.requestedAt)),
                payload.all,
                payload.message.AccountSid,
                tokenFor(job),
              ),
            ],
            skipped: [],
            nextCursor: 'stored',
            done: true,
          } satisfies Page;
        if (payload.recording.RecordingStatus !== 'completed')
          return { items: [], skipped: [], nextCursor: 'not-completed', done: true } satisfies Page;
        return yield* recordingPage(job, payload.recording);
      });

    return { platform: 'twilio', scopes, fetchPage } satisfies Connector;
  });
