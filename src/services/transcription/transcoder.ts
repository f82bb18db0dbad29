import { spawn } from 'node:child_process';
import { Effect, Stream } from 'effect';
import { AudioCorrupt, AudioUnsupported } from './errors.js';

/**
 * Compressed recordings too large for one Whisper request (an hour of Zoom
 * M4A is 30-60 MB) cannot be cut without decoding them: ffmpeg decodes them
 * to 16 kHz mono 16-bit WAV — what Whisper resamples to anyway — as a
 * stream, which the splitter then cuts at pauses like any WAV. The Whisper
 * worker image ships ffmpeg; without it such recordings are dead-lettered
 * with that reason.
 */
export interface TranscoderOptions {
  /** @default 'ffmpeg' */
  readonly command: string;
  /** Reads the recording on stdin, writes WAV on stdout. */
  readonly args: ReadonlyArray<string>;
}

export const ffmpegToWav: TranscoderOptions = {
  command: 'ffmpeg',
  args: [
    '-hide_banner',
    '-loglevel',
    'error',
    '-i',
    'pipe:0',
    '-vn',
    '-ac',
    '1',
    '-ar',
    '16000',
    '-c:a',
    'pcm_s16le',
    '-f',
    'wav',
    'pipe:1',
  ],
};

/** The transcoder's WAV output as a stream; its failure (bad input, missing binary) as a typed audio error. */
export const transcodeToWav = (
  recordingId: string,
  format: string,
  bytes: Uint8Array,
  options: TranscoderOptions = ffmpegToWav,
): Stream.Stream<Uint8Array, AudioCorrupt | AudioUnsupported> =>
  Stream.unwrap(
    Effect.sync(() => {
      const child = spawn(options.command, [...options.args], { stdio: ['pipe', 'pipe', 'pipe'] });
      const stderr: Buffer[] = [];
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      const exited = new Promise<{ code: number | null; spawnError?: NodeJS.ErrnoException }>((resolve) => {
        child.on('error', (error: NodeJS.ErrnoException) => resolve({ code: null, spawnError: error }));
        child.on('close', (code) => resolve({ code }));
      });
      // A transcoder that stops reading early (bad input) closes stdin: not our failure to report.
      child.stdin.on('error', () => undefined);
      child.stdin.end(bytes);
      const failure = (outcome: { code: number | null; spawnError?: NodeJS.ErrnoException }) =>
        outcome.spawnError?.code === 'ENOENT'
          ? new AudioUnsupported({
              recordingId,
              format,
              reason: `${format} recordings over the request limit need ${options.command} on the worker to be split, and it is not installed`,
            })
          : new AudioCorrupt({
              recordingId,
              reason: `${options.command} could not decode the ${format} recording: ${
                Buffer.concat(stderr).toString('utf8').trim().slice(0, 300) ||
                outcome.spawnError?.message ||
                `exit ${outcome.code}`
              }`,
            });
      const output = Stream.fromAsyncIterable(
        child.stdout as AsyncIterable<Buffer>,
        () => new AudioCorrupt({ recordingId, reason: `${options.command} output failed` }),
      ).pipe(Stream.map((chunk) => new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
      const checkExit = Stream.fromEffect(
        Effect.promise(() => exited).pipe(
          Effect.flatMap((outcome) => (outcome.code === 0 ? Effect.void : Effect.fail(failure(outcome)))),
        ),
      ).pipe(Stream.drain);
      return output.pipe(
        // The output broke (the process never started, or died): report why the process ended.
        Stream.catchTag('AudioCorrupt', () =>
          Stream.fromEffect(Effect.promise(() => exited).pipe(Effect.flatMap((o) => Effect.fail(failure(o))))),
        ),
        Stream.concat(checkExit),
        Stream.ensuring(Effect.sync(() => child.exitCode === null && child.kill('SIGKILL'))),
      );
    }),
  );
