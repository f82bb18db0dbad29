import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Effect, Layer, ManagedRuntime, Stream } from 'effect';
import { FetchHttpClient } from 'effect/http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ArchiveStore } from '../../../src/services/archive/archive-store.js';
import { localArchiveStoreLayer } from '../../../src/services/archive/local.js';
import { TenantSql } from '../../../src/services/db/tenant-sql.js';
import { Embeddings } from '../../../src/services/inference/embeddings.js';
import { Indexer } from '../../../src/services/inference/indexer.js';
import { type InferenceSettings, InferenceSettingsRef } from '../../../src/services/inference/settings.js';
import { JobQueue, type ReceivedMessage } from '../../../src/services/queue/job-queue.js';
import type { TranscriptionJob } from '../../../src/services/queue/transcription-jobs.js';
import { splitAudio } from '../../../src/services/transcription/audio-splitter.js';
import { pollTranscriptionQueueOnce } from '../../../src/services/transcription/consumer.js';
import { Whisper } from '../../../src/services/transcription/whisper.js';
import { type JobHooks, TranscriptionWorker } from '../../../src/services/transcription/worker.js';
import { openPgliteTestDatabase, type TestDatabase } from '../../support/database.js';
import { seedCommunication, seedCustomer, seedRecording } from '../inference/archive-fixtures.js';
import { decodeSpeech, speechWav, Vocabulary } from '../inference/fake-speech.js';
import { type FakeOpenAiServer, startFakeOpenAiServer } from '../inference/openai-server.js';
import { testInferenceSettings } from '../inference/settings.js';

const CUSTOMER = { id: '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01', whisperModel: 'medium' as const };
const DIMENSIONS = 128;
const MAX_PIECE_SECONDS = 20;

const vocabulary = new Vocabulary();
const SENTENCES = Array.from(
  { length: 18 },
  (_, i) => `on the call trader ${i} confirms the ${['bond', 'swap', 'equity'][i % 3]} order for client ${i * 7}`,
);
const RECORDING = speechWav(vocabulary, SENTENCES); // about 75 s: four pieces of at most 20 s
const samples = new Int16Array(RECORDING.slice(44).buffer);
const EXPECTED = decodeSpeech(vocabulary, samples, 8000);
const LIMITS = { maxBytes: 5_000_000, maxSeconds: MAX_PIECE_SECONDS, searchSeconds: 6 };
/** How many pieces the splitter makes of RECORDING (each at most 20 s). */
let PIECES: number;

let server: FakeOpenAiServer;
let db: TestDatabase;
let archiveDir: string;
let runtime: ManagedRuntime.ManagedRuntime<TranscriptionWorker | TenantSql | ArchiveStore, unknown>;
let settings: InferenceSettings;

beforeAll(async () => {
  server = await startFakeOpenAiServer({ vocabulary, maxAudioSeconds: MAX_PIECE_SECONDS, dimensions: DIMENSIONS });
  db = await openPgliteTestDatabase({ embeddingDimensions: DIMENSIONS });
  archiveDir = mkdtempSync(join(tmpdir(), 'panops-transcription-'));
  settings = testInferenceSettings(server.url, { embeddingDimensions: DIMENSIONS });
  const base = Layer.mergeAll(TenantSql.layer(), localArchiveStoreLayer(archiveDir)).pipe(
    Layer.provideMerge(db.appLayer),
  );
  const clients = Layer.mergeAll(Whisper.layer, Embeddings.layer).pipe(Layer.provide(FetchHttpClient.layer));
  const worker = TranscriptionWorker.layer({
    customers: [CUSTOMER],
    splitLimits: LIMITS,
    heartbeat: '1 hour',
  }).pipe(Layer.provide(Indexer.layer({ maxChars: 300, overlapChars: 40 })), Layer.provide(clients));
  runtime = ManagedRuntime.make(worker.pipe(Layer.provideMerge(base)));
  await runtime.runPromise(seedCustomer(CUSTOMER.id, 'acme-capital'));
  PIECES = (await Effect.runPromise(Stream.runCollect(splitAudio('r', Stream.succeed(RECORDING), LIMITS)))).length;
});

afterAll(async () => {
  await runtime?.dispose();
  await db?.close();
  await server?.close();
  rmSync(archiveDir, { recursive: true, force: true });
});

beforeEach(() => {
  server.requests.length = 0;
  for (const queue of Object.values(server.faults)) queue.length = 0;
});

const run = <A, E>(effect: Effect.Effect<A, E, TranscriptionWorker | TenantSql | ArchiveStore>, s = settings) =>
  runtime.runPromise(effect.pipe(Effect.provideService(InferenceSettingsRef, s)));

/** A call with its recording in the archive and a recordings row; returns the job for it. */
const newRecording = (externalId: string, bytes: Uint8Array = RECORDING) =>
  run(
    Effect.gen(function* () {
      const archive = yield* ArchiveStore;
      const object = yield* archive.put(CUSTOMER.id, bytes, 'audio/wav');
      const communicationId = yield* seedCommunication(CUSTOMER.id, { externalId, kind: 'call', platform: 'zoom' });
      const recordingId = yield* seedRecording(CUSTOMER.id, communicationId, object.key);
      const job: TranscriptionJob = {
        version: 1,
        customerId: CUSTOMER.id,
        recordingId,
        communicationId,
        archiveKey: object.key,
        contentType: 'audio/wav',
      };
      return job;
    }),
  );

const handle = (job: TranscriptionJob | string, hooks?: JobHooks, s?: InferenceSettings) =>
  run(
    Effect.gen(function* () {
      const worker = yield* TranscriptionWorker;
      return yield* worker.handleMessage(typeof job === 'string' ? job : JSON.stringify(job), hooks);
    }),
    s,
  );

const storedState = (recordingId: string) =>
  run(
    Effect.gen(function* () {
      const tenant = yield* TenantSql;
      return yield* tenant.withCustomer(
        CUSTOMER.id,
        Effect.all({
          segments: tenant.sql<{ segment_index: number; start_seconds: string; end_seconds: string; text: string }>`
            SELECT segment_index, start_seconds, end_seconds, text FROM transcript_segments
            WHERE recording_id = ${recordingId} ORDER BY segment_index`,
          recording: tenant.sql<{ transcription_status: string; transcription_error: string | null }>`
            SELECT transcription_status, transcription_error FROM recordings WHERE id = ${recordingId}`,
          chunks: tenant.sql<{ n: number }>`SELECT count(*)::int AS n FROM chunks WHERE recording_id = ${recordingId}`,
        }),
      );
    }),
  );

const expectWholeTranscript = (
  segments: ReadonlyArray<{ start_seconds: string; end_seconds: string; text: string }>,
) => {
  expect(segments.map((s) => s.text)).toEqual(EXPECTED.map((s) => s.text));
  segments.forEach((s, i) => {
    expect(Number(s.start_seconds)).toBeCloseTo(EXPECTED[i]?.start ?? -1, 2);
    expect(Number(s.end_seconds)).toBeCloseTo(EXPECTED[i]?.end ?? -1, 2);
  });
};

const transcriptionRequests = () => server.requests.filter((r) => r.route === 'transcriptions');

describe('TranscriptionWorker', () => {
  it('splits a long recording into pieces the server accepts and stores segments in recording time, then chunks them', async () => {
    const job = await newRecording('call-split');
    const disposition = await handle(job);
    expect(PIECES).toBeGreaterThanOrEqual(4);
    expect(disposition).toMatchObject({ _tag: 'Ack', outcome: { piecesTranscribed: PIECES, piecesSkipped: 0 } });
    // Every request stayed inside the server's limit (the server refuses longer audio with a 400).
    expect(transcriptionRequests().map((r) => r.outcome)).toEqual(Array(PIECES).fill('ok'));
    expect(transcriptionRequests().every((r) => r.body.model === 'openai/whisper-medium')).toBe(true);
    expect(transcriptionRequests().every((r) => r.body.response_format === 'verbose_json')).toBe(true);
    const state = await storedState(job.recordingId);
    expectWholeTranscript(state.segments);
    expect(state.recording[0]?.transcription_status).toBe('done');
    expect(state.chunks[0]?.n).toBeGreaterThan(0);
  });

  it('does nothing the second time the same job is delivered', async () => {
    const job = await newRecording('call-redelivered');
    await handle(job);
    const before = await storedState(job.recordingId);
    server.requests.length = 0;
    const again = await handle(job);
    expect(again).toMatchObject({ _tag: 'Ack', outcome: { piecesTranscribed: 0, segmentsStored: 0, chunks: 0 } });
    expect(transcriptionRequests()).toHaveLength(0);
    expect(await storedState(job.recordingId)).toEqual(before);
  });

  it('waits out a Whisper fleet answering 503 while it starts, extending visibility, and completes the job once', async () => {
    const job = await newRecording('call-cold-start');
    for (let i = 0; i < 6; i++)
      server.faults.transcriptions.push({ kind: 'status', status: 503, message: 'Model is loading' });
    let extended = 0;
    const disposition = await handle(job, { extendVisibility: Effect.sync(() => void extended++) });
    expect(disposition._tag).toBe('Ack');
    expect(extended).toBeGreaterThanOrEqual(6);
    expect(transcriptionRequests().filter((r) => r.outcome === 'ok')).toHaveLength(PIECES);
    expectWholeTranscript((await storedState(job.recordingId)).segments);
  });

  it('retries a piece whose connection died mid-request without storing any segment twice', async () => {
    const job = await newRecording('call-dropped');
    server.faults.transcriptions.push({ kind: 'none' }, { kind: 'drop' }, { kind: 'delay', ms: 5_000 });
    const disposition = await handle(job, undefined, {
      ...settings,
      timeoutsMs: { ...settings.timeoutsMs, whisper: 300 },
    });
    expect(disposition._tag).toBe('Ack');
    expect(transcriptionRequests().map((r) => r.outcome)).toEqual([
      'ok',
      'fault drop',
      'fault delay',
      ...Array(PIECES - 1).fill('ok'),
    ]);
    expectWholeTranscript((await storedState(job.recordingId)).segments);
  });

  it('resumes a job that gave up part-way at the first piece not stored, without duplicates', async () => {
    const job = await newRecording('call-resumed');
    server.faults.transcriptions.push({ kind: 'none' }, { kind: 'none' });
    for (let i = 0; i < 200; i++) server.faults.transcriptions.push({ kind: 'status', status: 503 });
    const impatient = { ...settings, whisperRetry: { baseDelayMs: 1, maxDelayMs: 2, maxElapsedMs: 30 } };
    const first = await handle(job, undefined, impatient);
    expect(first).toMatchObject({ _tag: 'Retry' });
    expect((await storedState(job.recordingId)).recording[0]?.transcription_status).toBe('in_progress');

    server.faults.transcriptions.length = 0;
    server.requests.length = 0;
    const second = await handle(job);
    expect(second).toMatchObject({ _tag: 'Ack', outcome: { piecesSkipped: 2, piecesTranscribed: PIECES - 2 } });
    expect(transcriptionRequests()).toHaveLength(PIECES - 2);
    expectWholeTranscript((await storedState(job.recordingId)).segments);
  });

  it('dead-letters corrupt audio with the reason, marks the recording failed and never calls Whisper', async () => {
    const corrupt = RECORDING.slice(0, 44);
    new DataView(corrupt.buffer).setUint16(32, 7, true);
    const job = await newRecording('call-corrupt', corrupt);
    const disposition = await handle(job);
    expect(disposition).toMatchObject({ _tag: 'DeadLetter' });
    expect(disposition._tag === 'DeadLetter' && disposition.reason).toMatch(/corrupt audio: block align/);
    expect(transcriptionRequests()).toHaveLength(0);
    const state = await storedState(job.recordingId);
    expect(state.recording[0]).toMatchObject({ transcription_status: 'failed' });
    expect(state.recording[0]?.transcription_error).toMatch(/corrupt audio/);
  });

  it('dead-letters audio the Whisper server refuses instead of retrying it', async () => {
    const ogg = new Uint8Array([...new TextEncoder().encode('OggS'), ...new Uint8Array(200)]);
    const job = await newRecording('call-unreadable', ogg);
    const disposition = await handle(job);
    expect(disposition._tag === 'DeadLetter' && disposition.reason).toMatch(
      /Whisper refused piece 0 \(400\): Invalid or unsupported audio/,
    );
    expect(transcriptionRequests()).toHaveLength(1);
  });

  it('dead-letters a malformed message and a recording that does not exist', async () => {
    expect(await handle('{"version":1}')).toMatchObject({ _tag: 'DeadLetter' });
    const job = await newRecording('call-missing');
    const missing = await handle({ ...job, recordingId: '00000000-0000-4000-8000-000000000000' });
    expect(missing._tag === 'DeadLetter' && missing.reason).toMatch(/does not exist/);
  });

  it('as the queue consumer: deletes done messages, dead-letters corrupt ones with the reason, renews visibility while waiting', async () => {
    const good = await newRecording('call-consumer-good');
    const bad = await newRecording('call-consumer-bad', new TextEncoder().encode('RIFF\0\0\0\0WAVEjunk'));
    const inbox: ReceivedMessage[] = [good, bad].map((job, i) => ({
      messageId: `m${i}`,
      receiptHandle: `r${i}`,
      body: JSON.stringify(job),
      receiveCount: 1,
    }));
    const calls = { deleted: [] as string[], deadLettered: [] as string[], visibility: 0 };
    const queue = JobQueue.of({
      receive: Effect.sync(() => inbox.splice(0)),
      delete: (messages) => Effect.sync(() => void calls.deleted.push(...messages.map((m) => m.messageId))),
      setVisibility: () => Effect.sync(() => void calls.visibility++),
      deadLetter: (message, reason) =>
        Effect.sync(() => void calls.deadLettered.push(`${message.messageId}: ${reason}`)),
      send: () => Effect.void,
      visibilityTimeoutSeconds: 1800,
    });
    for (let i = 0; i < 3; i++) server.faults.transcriptions.push({ kind: 'status', status: 503 });
    const dispositions = await run(pollTranscriptionQueueOnce.pipe(Effect.provideService(JobQueue, queue)));
    expect(dispositions.map((d) => d._tag)).toEqual(['Ack', 'DeadLetter']);
    expect(calls.deleted).toEqual(['m0', 'm1']);
    expect(calls.deadLettered).toEqual([expect.stringMatching(/^m1: corrupt audio/)]);
    expect(calls.visibility).toBeGreaterThanOrEqual(3);
  });
});
