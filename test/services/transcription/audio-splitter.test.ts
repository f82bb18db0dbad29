import { Effect, Stream } from 'effect';
import { describe, expect, it } from 'vitest';
import { type AudioPiece, type SplitLimits, splitAudio } from '../../../src/services/transcription/audio-splitter.js';
import { parseWavHeader } from '../../../src/services/transcription/wav.js';
import { speechWav, Vocabulary } from '../inference/fake-speech.js';

const SENTENCES = Array.from(
  { length: 24 },
  (_, i) => `sentence ${i} about the quarterly bond allocation and desk ${i % 5} risk`,
);
const vocabulary = new Vocabulary();
const recording = speechWav(vocabulary, SENTENCES); // 8 kHz mono, about 80 s
const limits: SplitLimits = { maxBytes: 1_000_000, maxSeconds: 20, searchSeconds: 5 };

const chunked = (bytes: Uint8Array, size: number) =>
  Stream.fromIterable(
    Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)),
  );

const split = (input: Stream.Stream<Uint8Array>, l: SplitLimits = limits) =>
  Effect.runPromise(Stream.runCollect(splitAudio('rec-1', input, l)).pipe(Effect.result));

const pieces = async (input: Stream.Stream<Uint8Array>, l: SplitLimits = limits): Promise<AudioPiece[]> => {
  const result = await split(input, l);
  if (result._tag === 'Failure') throw new Error(`split failed: ${JSON.stringify(result.failure)}`);
  return [...result.success];
};

const samplesOf = (piece: AudioPiece) => {
  const header = parseWavHeader(piece.bytes);
  if (header._tag !== 'Header') throw new Error('piece is not a WAV file');
  return new Int16Array(piece.bytes.slice(header.dataOffset).buffer);
};

describe('splitAudio', () => {
  it('cuts a long WAV into pieces within the duration limit whose offsets add up and whose samples rebuild the recording', async () => {
    const out = await pieces(chunked(recording, 64 * 1024));
    expect(out.length).toBeGreaterThanOrEqual(4);
    let expectedOffset = 0;
    for (const [i, piece] of out.entries()) {
      expect(piece.index).toBe(i);
      expect(piece.durationSeconds).toBeLessThanOrEqual(20);
      expect(piece.offsetSeconds).toBeCloseTo(expectedOffset, 6);
      expectedOffset += piece.durationSeconds ?? 0;
    }
    const rebuilt = out.flatMap((p) => [...samplesOf(p)]);
    expect(rebuilt).toEqual([...new Int16Array(recording.slice(44).buffer)]);
  });

  it('cuts only in silence, so no word is split between two requests', async () => {
    const out = await pieces(chunked(recording, 64 * 1024));
    for (const piece of out.slice(0, -1)) {
      const samples = samplesOf(piece);
      // The last 0.1 s before each cut is silence.
      expect(samples.subarray(samples.length - 800).every((s) => s === 0)).toBe(true);
    }
  });

  it('produces the same pieces whatever size the stream chunks have', async () => {
    const whole = await pieces(Stream.succeed(recording));
    const tiny = await pieces(chunked(recording, 7));
    expect(tiny.map((p) => [p.offsetSeconds, p.bytes.length])).toEqual(
      whole.map((p) => [p.offsetSeconds, p.bytes.length]),
    );
  });

  it('keeps each piece under the byte limit when that is tighter than the duration limit', async () => {
    const out = await pieces(Stream.succeed(recording), { maxBytes: 100_000, maxSeconds: 600, searchSeconds: 3 });
    expect(out.length).toBeGreaterThan(10);
    expect(out.every((p) => p.bytes.length <= 100_000)).toBe(true);
  });

  it('ignores chunks after the declared data, such as a LIST tag', async () => {
    const list = new Uint8Array([...new TextEncoder().encode('LIST'), 4, 0, 0, 0, 1, 2, 3, 4]);
    const withTrailer = new Uint8Array([...recording, ...list]);
    const out = await pieces(Stream.succeed(withTrailer), { ...limits, maxBytes: 10_000_000, maxSeconds: 600 });
    expect(out).toHaveLength(1);
    expect(out[0]?.bytes.length).toBe(recording.length);
  });

  it('sends a small compressed recording whole, named by its real container', async () => {
    const mp3 = new Uint8Array([...new TextEncoder().encode('ID3'), 4, 0, 0, 0, 0, 0, 0, 0xff, 0xfb, 0x90]);
    const out = await pieces(Stream.succeed(mp3));
    expect(out).toMatchObject([{ index: 0, offsetSeconds: 0, contentType: 'audio/mpeg', filename: 'rec-1.mp3' }]);
  });

  it('refuses a compressed recording too large for one request, with the reason', async () => {
    const big = new Uint8Array(2_000_000);
    big.set(new TextEncoder().encode('ftypM4A '), 4);
    const result = await split(chunked(big, 100_000));
    expect(result._tag === 'Failure' && result.failure).toMatchObject({ _tag: 'AudioUnsupported', format: 'mp4' });
  });

  it('refuses bytes that are no audio container at all', async () => {
    const result = await split(Stream.succeed(new TextEncoder().encode('<html>not audio at all</html>')));
    expect(result._tag === 'Failure' && result.failure).toMatchObject({ _tag: 'AudioUnsupported', format: 'unknown' });
  });

  it('reports a WAV whose header is broken or ends early as corrupt', async () => {
    const broken = recording.slice(0, 44);
    new DataView(broken.buffer).setUint16(32, 3, true); // block align that contradicts 1 channel x 16 bits
    const truncated = recording.slice(0, 30);
    const empty = recording.slice(0, 44);
    for (const bytes of [broken, truncated, empty]) {
      const result = await split(Stream.succeed(bytes));
      expect(result._tag === 'Failure' && result.failure._tag).toBe('AudioCorrupt');
    }
  });
});
