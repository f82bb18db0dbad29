import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Effect, Stream } from 'effect';
import { afterAll, describe, expect, it } from 'vitest';
import { splitAudio } from '../../../src/services/transcription/audio-splitter.js';
import { type TranscoderOptions, transcodeToWav } from '../../../src/services/transcription/transcoder.js';
import { decodeSpeech, speechWav, Vocabulary } from '../inference/fake-speech.js';

/**
 * A stand-in for ffmpeg with the same contract (recording on stdin, WAV on
 * stdout, exit status and stderr on failure): our fake "Ogg" is `OggS`
 * followed by a WAV file, which it "decodes" by dropping the marker.
 */
const dir = mkdtempSync(join(tmpdir(), 'panops-transcoder-'));
const script = join(dir, 'fake-ffmpeg.mjs');
writeFileSync(
  script,
  `const parts = [];
process.stdin.on('data', (c) => parts.push(c));
process.stdin.on('end', () => {
  const input = Buffer.concat(parts);
  if (input.subarray(0, 4).toString('latin1') !== 'OggS') {
    process.stderr.write('pipe:0: Invalid data found when processing input');
    process.exit(1);
  }
  const wav = input.subarray(4);
  for (let i = 0; i < wav.length; i += 65536) process.stdout.write(wav.subarray(i, i + 65536));
});
`,
);
const fake: TranscoderOptions = { command: process.execPath, args: [script] };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vocabulary = new Vocabulary();
const wav = speechWav(vocabulary, [
  'the long zoom call discusses the merger terms',
  'then the pricing of the new issue',
]);
const ogg = new Uint8Array([...new TextEncoder().encode('OggS'), ...wav]);

const collect = <E>(stream: Stream.Stream<Uint8Array, E>) =>
  Effect.runPromise(Stream.runCollect(stream).pipe(Effect.result));

describe('transcodeToWav', () => {
  it('streams the decoded WAV, which the splitter cuts into pieces with the right offsets', async () => {
    const pieces = await Effect.runPromise(
      Stream.runCollect(
        splitAudio('rec', transcodeToWav('rec', 'ogg', ogg, fake), {
          maxBytes: 80_000,
          maxSeconds: 600,
          searchSeconds: 2,
        }),
      ),
    );
    expect(pieces.length).toBeGreaterThan(1);
    const heard = pieces.flatMap((p) =>
      decodeSpeech(vocabulary, new Int16Array(p.bytes.slice(44).buffer), 8000).map((s) => ({
        text: s.text,
        start: Math.round((s.start + p.offsetSeconds) * 1000),
      })),
    );
    const whole = decodeSpeech(vocabulary, new Int16Array(wav.slice(44).buffer), 8000).map((s) => ({
      text: s.text,
      start: Math.round(s.start * 1000),
    }));
    expect(heard).toEqual(whole);
  });

  it('reports input the transcoder cannot decode as corrupt, with its message', async () => {
    const result = await collect(transcodeToWav('rec', 'mp4', new TextEncoder().encode('....ftypM4A garbage'), fake));
    expect(result._tag === 'Failure' && result.failure).toMatchObject({
      _tag: 'AudioCorrupt',
      reason: expect.stringContaining('Invalid data found when processing input'),
    });
  });

  it('says the transcoder is missing when it is not installed', async () => {
    const result = await collect(transcodeToWav('rec', 'mp4', ogg, { command: 'panops-no-such-ffmpeg', args: [] }));
    expect(result._tag === 'Failure' && result.failure).toMatchObject({
      _tag: 'AudioUnsupported',
      reason: expect.stringContaining('not installed'),
    });
  });
});
