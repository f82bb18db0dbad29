import { Clock, Effect, Option, Schema } from 'effect';
import { LargeObjectArchive } from '../../archive/large-object.js';
import type { Communication, RawItem } from '../../pipeline/communication.js';
import type { Connector, Page } from '../../pipeline/connector.js';
import { connectorTokens } from '../../pipeline/credentials.js';
import { badJob, Transient } from '../../pipeline/errors.js';
import type { ConnectorJob } from '../../pipeline/job.js';
import { TranscriptionJobs } from '../../queue/transcription-jobs.js';
import { getMeetingRecordings, listRecordings } from './client.js';
import { downloadStream } from './download.js';
import { ZoomMeetingRecording, type ZoomRecordingFile } from './events.js';

export interface ZoomConnectorOptions {
  /** @default https://api.zoom.us/v2 */
  readonly baseUrl?: string;
  /** How many days back the backstop poll looks for recordings missed by webhooks. @default 7 */
  readonly lookbackDays?: number;
}

/** Files worth archiving: the media and Zoom's own transcript/chat; not in-progress or deleted files. */
const archivable = (f: ZoomRecordingFile) => f.status === undefined || f.status === 'completed';
/** The file Whisper transcribes: audio-only when Zoom made one, else the video. */
const transcribable = (files: readonly ZoomRecordingFile[]) =>
  files.find((f) => f.file_type === 'M4A') ?? files.find((f) => f.file_type === 'MP4');

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const PollCursor = Schema.Struct({ from: Schema.String, to: Schema.String, next: Schema.optionalKey(Schema.String) });
const decodePollCursor = Schema.decodeUnknownOption(Schema.fromJsonString(PollCursor));
const decodeMeeting = Schema.decodeUnknownOption(ZoomMeetingRecording);

/**
 * The verified `recording.completed` a webhook job carries: `params.event` as
 * the webhook Lambda queues it (`{ event, rawArchiveKey }`, the event's
 * payload being the body as Zoom sent it), or `params.meeting` from an
 * in-process caller.
 */
const WebhookJobEvent = Schema.Struct({
  _tag: Schema.Literal('ZoomRecordingCompleted'),
  payload: Schema.Struct({
    download_token: Schema.optionalKey(Schema.String),
    payload: Schema.Struct({ object: Schema.Unknown }),
  }),
});
const decodeWebhookJobEvent = Schema.decodeUnknownOption(WebhookJobEvent);

interface NotifiedMeeting {
  readonly meeting: ZoomMeetingRecording;
  /** The meeting object as Zoom sent it (every field, the ones our schema ignores included). */
  readonly raw: unknown;
  readonly downloadToken: string | undefined;
}

export const notifiedMeeting = (job: ConnectorJob): Option.Option<NotifiedMeeting> => {
  const event = decodeWebhookJobEvent(job.params?.event);
  const raw = Option.isSome(event) ? event.value.payload.payload.object : job.params?.meeting;
  const token = Option.isSome(event)
    ? event.value.payload.download_token
    : typeof job.params?.downloadToken === 'string'
      ? job.params.downloadToken
      : undefined;
  return Option.map(decodeMeeting(raw), (meeting) => ({ meeting, raw, downloadToken: token }));
};

/** Every file of a meeting: the recordings and, when Zoom made them, each participant's own audio. */
const filesOf = (meeting: ZoomMeetingRecording): readonly ZoomRecordingFile[] => [
  ...meeting.recording_files,
  ...(meeting.participant_audio_files ?? []),
];

/**
 * Zoom cloud recordings. A `recording.completed` webhook becomes a `webhook`
 * job that downloads the meeting's files with the event's download token
 * (valid 24 h; after that the connector's OAuth token) and streams each into
 * the archive, then queues the transcription. A `poll` job lists each user's
 * recordings over the last `lookbackDays` as the backstop for missed webhooks;
 * files already archived are not downloaded again.
 */
export const makeZoomConnector = (options: ZoomConnectorOptions = {}) =>
  Effect.gen(function* () {
    const oauthToken = yield* connectorTokens('zoom');
    const archive = yield* LargeObjectArchive;
    const transcription = yield* TranscriptionJobs;
    const baseUrl = options.baseUrl ?? 'https://api.zoom.us/v2';
    const lookbackDays = options.lookbackDays ?? 7;

    /**
     * A file's download URL: from the event, else from `GET /meetings/{uuid}/recordings`.
     * A completed file Zoom gives no URL for is never skipped in silence: the job
     * fails (retried, then dead-lettered with the file named).
     */
    const downloadUrlOf = (job: ConnectorJob, meeting: ZoomMeetingRecording, file: ZoomRecordingFile) =>
      file.download_url !== undefined
        ? Effect.succeed(file.download_url)
        : Effect.gen(function* () {
            const fresh = yield* getMeetingRecordings(baseUrl, yield* oauthToken(job), meeting.uuid);
            const url = filesOf(fresh.meeting).find(
              (f) => f.id !== undefined && f.id === file.id && f.download_url !== undefined,
            )?.download_url;
            if (url === undefined)
              return yield* new Transient({
                source: 'zoom',
                detail: `recording file ${file.id ?? file.file_type} of meeting ${meeting.uuid} has no download_url yet`,
              });
            return url;
          });

    /** Downloads one file unless archived already; the download token first, the OAuth token if it expired. */
    const archiveFile = (
      job: ConnectorJob,
      meeting: ZoomMeetingRecording,
      file: ZoomRecordingFile,
      downloadToken?: string,
    ) =>
      Effect.gen(function* () {
        const name = `zoom/${meeting.uuid}/${file.id ?? file.recording_type ?? file.file_type}.${(file.file_extension ?? file.file_type).toLowerCase()}`;
        const key = archive.keyFor(name);
        if (yield* archive.exists(job.customerId, name)) return { file, key, sha256: undefined, size: file.file_size };
        const url = yield* downloadUrlOf(job, meeting, file);
        const viaToken = (token: string) => downloadStream('zoom', url, { authorization: `Bearer ${token}` });
        const download = yield* downloadToken
          ? viaToken(downloadToken).pipe(
              Effect.catchTag('AuthExpired', () => Effect.flatMap(oauthToken(job), viaToken)),
            )
          : Effect.flatMap(oauthToken(job), viaToken);
        const stored = yield* archive.putStream(job.customerId, name, download.body, download.contentType);
        return { file, key: stored.key, sha256: stored.sha256, size: stored.size };
      });

    const meetingItem = (
      job: ConnectorJob,
      meeting: ZoomMeetingRecording,
      received: { readonly raw: Uint8Array; readonly envelope?: Uint8Array },
      downloadToken?: string,
    ) =>
      Effect.gen(function* () {
        const files = filesOf(meeting).filter(archivable);
        const archived = yield* Effect.forEach(files, (f) => archiveFile(job, meeting, f, downloadToken));
        const communication: Communication = {
          channel: 'meeting',
          externalId: meeting.uuid,
          threadId: String(meeting.id),
          ...(meeting.topic ? { subject: meeting.topic } : {}),
          sentAt: new Date(meeting.start_time),
          bodyText: '',
          participants: [{ role: 'sender', address: meeting.host_email ?? meeting.host_id }],
          attachments: [],
          recordings: [],
          metadata: {
            platform: 'zoom',
            meetingId: meeting.id,
            hostId: meeting.host_id,
            ...(meeting.duration !== undefined ? { durationMinutes: meeting.duration } : {}),
            ...(typeof job.params?.rawArchiveKey === 'string' ? { webhookArchiveKey: job.params.rawArchiveKey } : {}),
            // Media is archived by stream, not carried here: the row points at it.
            recordingFiles: archived.map((a) => ({
              fileId: a.file.id,
              fileType: a.file.file_type,
              recordingType: a.file.recording_type,
              ...(meeting.participant_audio_files?.includes(a.file) ? { participantAudio: true } : {}),
              archiveKey: a.key,
              ...(a.sha256 ? { sha256: a.sha256 } : {}),
              ...(a.size !== undefined ? { size: a.size } : {}),
            })),
          },
        };
        const media = transcribable(meeting.recording_files.filter(archivable));
        const mediaArchived = archived.find((a) => a.file === media);
        // Only a fresh download is queued: a file already archived was queued when it was stored.
        if (mediaArchived?.sha256)
          yield* transcription.enqueue({
            version: 1,
            customerId: job.customerId,
            recordingId: `${meeting.uuid}/${media?.id ?? media?.file_type}`,
            communicationId: meeting.uuid,
            archiveKey: mediaArchived.key,
            contentType: media?.file_type === 'M4A' ? 'audio/mp4' : 'video/mp4',
          });
        return {
          sourceId: meeting.uuid,
          raw: received.raw,
          contentType: 'application/json',
          communication,
          ...(received.envelope ? { envelope: { bytes: received.envelope, contentType: 'application/json' } } : {}),
        } satisfies RawItem;
      });

    const scopes = (job: ConnectorJob) => {
      if (job.kind === 'webhook') {
        const notified = notifiedMeeting(job);
        return Option.isSome(notified)
          ? Effect.succeed([`meeting:${notified.value.meeting.uuid}`])
          : Effect.fail(
              badJob(job, 'a Zoom webhook job needs a recording.completed event (params.event) or params.meeting'),
            );
      }
      const users = job.params?.users;
      return Array.isArray(users) && users.length > 0 && users.every((u) => typeof u === 'string')
        ? Effect.succeed((users as string[]).map((u) => `user:${u}`))
        : Effect.fail(badJob(job, 'a Zoom poll job needs params.users'));
    };

    const fetchPage = (job: ConnectorJob, scope: string, stored: Option.Option<string>) =>
      Effect.gen(function* () {
        if (job.kind === 'webhook') {
          const notified = notifiedMeeting(job);
          if (Option.isNone(notified)) return yield* badJob(job, 'no Zoom meeting in the job');
          const { meeting, raw, downloadToken } = notified.value;
          const item = yield* meetingItem(
            job,
            meeting,
            { raw: new TextEncoder().encode(JSON.stringify(raw)) },
            downloadToken,
          );
          return { items: [item], skipped: [], nextCursor: 'downloaded', done: true } satisfies Page;
        }
        const userId = scope.slice('user:'.length);
        const now = yield* Clock.currentTimeMillis;
        // A round keeps its window while it pages; a new round always looks back `lookbackDays` from today.
        const window: { readonly from: string; readonly to: string; readonly next?: string } = Option.getOrElse(
          Option.flatMap(stored, decodePollCursor).pipe(Option.filter((c) => c.next !== undefined)),
          () => ({ from: day(now - lookbackDays * 86_400_000), to: day(now) }),
        );
        const token = yield* oauthToken(job);
        const { page, received, meetings } = yield* listRecordings({
          baseUrl,
          token,
          userId,
          from: window.from,
          to: window.to,
          nextPageToken: window.next,
        });
        const items = yield* Effect.forEach(page.meetings, (m, i) =>
          meetingItem(job, m, { raw: meetings[i]?.bytes ?? new Uint8Array(), envelope: received.bytes }),
        );
        const next = page.next_page_token || undefined;
        return {
          items,
          skipped: [],
          nextCursor: JSON.stringify({ from: window.from, to: window.to, ...(next ? { next } : {}) }),
          done: next === undefined,
        } satisfies Page;
      });

    return { platform: 'zoom', scopes, fetchPage } satisfies Connector;
  });
