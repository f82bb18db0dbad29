import { createHash } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Effect, Layer, ManagedRuntime, Option } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3LargeObjectArchiveLayer } from '../../../../src/services/archive/large-object.js';
import { makeZoomConnector } from '../../../../src/services/connectors/zoom/connector.js';
import type { Connector } from '../../../../src/services/pipeline/connector.js';
import { staticCredentialsLayer } from '../../../../src/services/pipeline/credentials.js';
import type { ConnectorJob } from '../../../../src/services/pipeline/job.js';
import {
  memoryTranscriptionJobsLayer,
  type TranscriptionJob,
} from '../../../../src/services/queue/transcription-jobs.js';
import { emulatorCredentials, type S3Emulator, startS3 } from '../../pipeline/support/emulators.js';
import { fileBytes, startFakeZoom } from './fake-zoom.js';

const CUSTOMER = '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01';
const OAUTH = 'zoom-oauth-token';
const DOWNLOAD_TOKEN = 'zoom-download-token';
const s3Client = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: emulatorCredentials,
});

let zoom: Awaited<ReturnType<typeof startFakeZoom>>;
let s3: S3Emulator;
let runtime: ManagedRuntime.ManagedRuntime<never, never>;
let connector: Connector;
const transcriptions: TranscriptionJob[] = [];

beforeAll(async () => {
  zoom = await startFakeZoom(OAUTH, DOWNLOAD_TOKEN);
  s3 = await startS3(['acme-archive']);
  runtime = ManagedRuntime.make(Layer.empty);
  connector = await runtime.runPromise(
    makeZoomConnector({ baseUrl: zoom.apiUrl }).pipe(
      Effect.provide(
        Layer.mergeAll(
          staticCredentialsLayer(OAUTH),
          memoryTranscriptionJobsLayer(transcriptions),
          s3LargeObjectArchiveLayer({
            targetFor: (id) => (id === CUSTOMER ? { bucket: 'acme-archive', kmsKeyId: 'alias/acme' } : undefined),
            client: s3Client(s3.endpoint),
            partSizeBytes: 5 * 1024 * 1024,
          }),
        ),
      ),
    ),
  );
}, 30_000);
afterAll(async () => {
  await runtime.dispose();
  await zoom.close();
  await s3.close();
});

/** A meeting as Zoom's recording.completed and the recordings list describe it. */
const meeting = (uuid: string, day: string, sizes: { mp4: number; m4a: number }) => {
  const mp4 = `${uuid}-mp4`;
  const m4a = `${uuid}-m4a`;
  zoom.files.set(mp4, fileBytes(mp4, sizes.mp4));
  zoom.files.set(m4a, fileBytes(m4a, sizes.m4a));
  return {
    uuid,
    id: 6840331990,
    account_id: 'EPeQtiABC000VYxHMA',
    host_id: 'z8yAAAAA8bbbQ',
    host_email: 'host@acme.example',
    topic: 'Quarterly review',
    start_time: `${day}T21:44:51Z`,
    duration: 60,
    recording_files: [
      {
        id: mp4,
        file_type: 'MP4',
        file_extension: 'MP4',
        file_size: sizes.mp4,
        download_url: `${zoom.base}/rec/download/${mp4}`,
        status: 'completed',
        recording_type: 'shared_screen_with_speaker_view',
      },
      {
        id: m4a,
        file_type: 'M4A',
        file_extension: 'M4A',
        file_size: sizes.m4a,
        download_url: `${zoom.base}/rec/download/${m4a}`,
        status: 'completed',
        recording_type: 'audio_only',
      },
    ],
  };
};

const job = (kind: ConnectorJob['kind'], params: Record<string, unknown>): ConnectorJob => ({
  version: 1,
  jobId: `zoom-${kind}`,
  customerId: CUSTOMER,
  connectorId: 'zoom-meetings',
  platform: 'zoom',
  kind,
  requestedAt: '2026-11-20T00:00:00Z',
  params,
});

const archivedSha = async (key: string) => {
  const client = new S3Client(s3Client(s3.endpoint));
  const out = await client.send(new GetObjectCommand({ Bucket: 'acme-archive', Key: key }));
  const bytes = await out.Body?.transformToByteArray();
  client.destroy();
  return createHash('sha256')
    .update(bytes ?? new Uint8Array())
    .digest('hex');
};

describe('Zoom connector against a local Zoom API and S3', () => {
  it('downloads a recording.completed meeting with the download token, streams it to S3 (multipart) and queues the audio for transcription', async () => {
    const m = meeting('4444AAAiAAAAAiAiAiiAii==', '2026-11-19', { mp4: 12 * 1024 * 1024, m4a: 300_000 });
    const webhookJob = job('webhook', { meeting: m, downloadToken: DOWNLOAD_TOKEN });
    const [scope] = await Effect.runPromise(connector.scopes(webhookJob));
    const page = await Effect.runPromise(connector.fetchPage(webhookJob, scope as string, Option.none()));
    const files = page.items[0]?.communication.metadata.recordingFiles as Array<{
      archiveKey: string;
      sha256: string;
      size: number;
    }>;
    expect(files).toHaveLength(2);
    expect(files[0]?.size).toBe(12 * 1024 * 1024);
    expect(await archivedSha(files[0]?.archiveKey as string)).toBe(
      createHash('sha256')
        .update(zoom.files.get(`${m.uuid}-mp4`) as Buffer)
        .digest('hex'),
    );
    expect(files[0]?.sha256).toBe(await archivedSha(files[0]?.archiveKey as string));
    expect(s3.requests.some((r) => r.method === 'POST' && r.url.includes('uploads'))).toBe(true);
    expect(
      zoom.requests
        .filter((r) => r.path.startsWith('/rec/download'))
        .every((r) => r.authorization === `Bearer ${DOWNLOAD_TOKEN}`),
    ).toBe(true);
    expect(transcriptions.map((t) => [t.recordingId, t.contentType])).toEqual([
      [`${m.uuid}/${m.uuid}-m4a`, 'audio/mp4'],
    ]);
  });

  it('archives each participant_audio_files entry beside the recordings, marked as participant audio', async () => {
    const m = meeting('9999FFFiFFFFFiFiFiiFii==', '2026-11-19', { mp4: 2000, m4a: 700 });
    const own = `${m.uuid}-participant-U1`;
    zoom.files.set(own, fileBytes(own, 900));
    const withParticipants = {
      ...m,
      participant_audio_files: [
        {
          id: own,
          file_type: 'M4A',
          file_extension: 'M4A',
          file_name: 'Ana Trader',
          file_size: 900,
          download_url: `${zoom.base}/rec/download/${own}`,
          status: 'completed',
          recording_type: 'audio_only',
        },
      ],
    };
    const page = await Effect.runPromise(
      connector.fetchPage(job('webhook', { meeting: withParticipants }), 'meeting:x', Option.none()),
    );
    const files = page.items[0]?.communication.metadata.recordingFiles as Array<{
      fileId: string;
      participantAudio?: boolean;
      archiveKey: string;
    }>;
    expect(files.map((f) => [f.fileId, f.participantAudio === true])).toEqual([
      [`${m.uuid}-mp4`, false],
      [`${m.uuid}-m4a`, false],
      [own, true],
    ]);
    const participant = files.find((f) => f.participantAudio);
    expect(await archivedSha(participant?.archiveKey as string)).toBe(
      createHash('sha256').update(fileBytes(own, 900)).digest('hex'),
    );
  });

  it('fetches the download_url a webhook file lacks from meetings/{uuid}/recordings, and fails naming a file Zoom gives none for', async () => {
    const m = meeting('7777DDDiDDDDDiDiDiiDii==', '2026-11-19', { mp4: 1500, m4a: 600 });
    // Known to the API (meetings/{uuid}/recordings); taken out again so the poll test sees only its own.
    const known = zoom.meetings.length;
    zoom.meetings.push(m);
    const [mp4, m4a] = m.recording_files;
    const { download_url: _url, ...withoutUrl } = mp4 as NonNullable<typeof mp4>;
    const event = { ...m, recording_files: [withoutUrl, m4a] };
    const page = await Effect.runPromise(
      connector.fetchPage(
        job('webhook', { meeting: event, downloadToken: DOWNLOAD_TOKEN }),
        'meeting:x',
        Option.none(),
      ),
    );
    const files = page.items[0]?.communication.metadata.recordingFiles as Array<{ fileId: string; archiveKey: string }>;
    expect(files.map((f) => f.fileId)).toEqual([`${m.uuid}-mp4`, `${m.uuid}-m4a`]);
    expect(await archivedSha(files[0]?.archiveKey as string)).toBe(
      createHash('sha256')
        .update(zoom.files.get(`${m.uuid}-mp4`) as Buffer)
        .digest('hex'),
    );
    expect(zoom.requests.some((r) => r.path === `/v2/meetings/${encodeURIComponent(m.uuid)}/recordings`)).toBe(true);

    // Zoom has no URL for the file either: the job fails naming it, nothing is skipped in silence.
    const orphan = meeting('8888EEEiEEEEEiEiEiiEii==', '2026-11-19', { mp4: 100, m4a: 100 });
    const { download_url: _gone, ...noUrl } = orphan.recording_files[0] as NonNullable<
      (typeof orphan.recording_files)[0]
    >;
    zoom.meetings.push({ ...orphan, recording_files: [noUrl, orphan.recording_files[1]] });
    const failed = await Effect.runPromise(
      Effect.flip(
        connector.fetchPage(
          job('webhook', { meeting: { ...orphan, recording_files: [noUrl, orphan.recording_files[1]] } }),
          'meeting:x',
          Option.none(),
        ),
      ),
    );
    expect(failed).toMatchObject({ _tag: 'Transient' });
    expect(JSON.stringify(failed)).toContain(
      `recording file ${orphan.uuid}-mp4 of meeting ${orphan.uuid} has no download_url`,
    );
    zoom.meetings.splice(known);
  });

  it('falls back to the OAuth token when the 24-hour download token has expired', async () => {
    const m = meeting('5555BBBiBBBBBiBiBiiBii==', '2026-11-19', { mp4: 1000, m4a: 500 });
    const page = await Effect.runPromise(
      connector.fetchPage(job('webhook', { meeting: m, downloadToken: 'expired' }), 'meeting:x', Option.none()),
    );
    expect(page.items[0]?.communication.metadata.recordingFiles).toHaveLength(2);
    expect(zoom.requests.filter((r) => r.path.includes('5555BBB')).map((r) => r.authorization)).toContain(
      `Bearer ${OAUTH}`,
    );
  });

  it('polls users/{id}/recordings over the last days, paging, without downloading what is already archived', async () => {
    const today = new Date().toISOString().slice(0, 10);
    zoom.meetings.push(
      meeting('4444AAAiAAAAAiAiAiiAii==', today, { mp4: 12 * 1024 * 1024, m4a: 300_000 }),
      meeting('6666CCCiCCCCCiCiCiiCii==', today, { mp4: 2000, m4a: 1000 }),
    );
    const downloadsBefore = zoom.requests.filter((r) => r.path.startsWith('/rec/download')).length;
    const poll = job('poll', { users: ['z8yAAAAA8bbbQ'] });
    const first = await Effect.runPromise(connector.fetchPage(poll, 'user:z8yAAAAA8bbbQ', Option.none()));
    expect(first.done).toBe(false);
    const second = await Effect.runPromise(
      connector.fetchPage(poll, 'user:z8yAAAAA8bbbQ', Option.some(first.nextCursor)),
    );
    expect(second.done).toBe(true);
    expect([...first.items, ...second.items].map((i) => i.communication.externalId)).toEqual([
      '4444AAAiAAAAAiAiAiiAii==',
      '6666CCCiCCCCCiCiCiiCii==',
    ]);
    const list = zoom.requests.find((r) => r.path.endsWith('/recordings'));
    expect(list?.authorization).toBe(`Bearer ${OAUTH}`);
    // Only the new meeting's two files were downloaded; the one from the webhook was already archived.
    expect(zoom.requests.filter((r) => r.path.startsWith('/rec/download')).length - downloadsBefore).toBe(2);
  });

  it('maps 429 with Retry-After to RateLimited', async () => {
    zoom.faults.push(429);
    const result = await Effect.runPromise(
      Effect.result(connector.fetchPage(job('poll', { users: ['u'] }), 'user:u', Option.none())),
    );
    expect(result).toMatchObject({ _tag: 'Failure', failure: { _tag: 'RateLimited', retryAfterMs: 2000 } });
  });
});
