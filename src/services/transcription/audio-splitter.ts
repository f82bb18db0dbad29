import { Effect, Stream } from 'effect';
import { AudioCorrupt, AudioUnsupported } from './errors.js';
import { parseWavHeader, quietestCut, type WavFormat, wavHeader } from './wav.js';

/**
 * Cuts a recording, as it streams in, into pieces small enough for one
 * Whisper request, each with its offset in the whole recording so segment
 * times can be shifted back. WAV (PCM/float) is cut at the quietest moment
 * before each limit; a compressed file small enough for one request is sent
 * whole; anything else is refused with the reason (it goes to the DLQ).
 */

export interface AudioPiece {
  /** 0, 1, 2... in recording order. */
  readonly index: number;
  /** Where the piece starts in the whole recording, in seconds. */
  readonly offsetSeconds: number;
  /** Undefined for compressed audio sent whole (the server measures it). */
  readonly durationSeconds: number | undefined;
  readonly bytes: Uint8Array;
  readonly filename: string;
  readonly contentType: string;
}

export interface SplitLimits {
  /** Largest request body the Whisper server accepts (vLLM: 25 MB), with headroom. @default 24 MiB */
  readonly maxBytes: number;
  /** Longest piece, in seconds: shorter pieces fail and retry cheaper. @default 600 */
  readonly maxSeconds: number;
  /** How far back from each limit to look for a pause to cut at, in seconds. @default 15 */
  readonly searchSeconds: number;
}

export const defaultSplitLimits: SplitLimits = { maxBytes: 24 * 1024 * 1024, maxSeconds: 600, searchSeconds: 15 };

export type AudioFormat = 'wav' | 'mp3' | 'mp4' | 'ogg' | 'flac' | 'webm' | 'unknown';

const MIME: Record<Exclude<AudioFormat, 'unknown'>, string> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  mp4: 'audio/mp4',
  ogg: 'audio/ogg',
  flac: 'audio/flac',
  webm: 'audio/webm',
};

/** The container, from its magic bytes (content types from connectors are often `application/octet-stream`). */
export const sniffAudioFormat = (head: Uint8Array): AudioFormat => {
  const text = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (text(0, 4) === 'RIFF' && text(8, 12) === 'WAVE') return 'wav';
  if (text(0, 3) === 'ID3' || (head[0] === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0)) return 'mp3';
  if (text(4, 8) === 'ftyp') return 'mp4';
  if (text(0, 4) === 'OggS') return 'ogg';
  if (text(0, 4) === 'fLaC') return 'flac';
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'webm';
  return 'unknown';
};

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

/**
 * Bytes received but not yet emitted, kept as a list of chunks and joined only
 * when a piece is cut: small network chunks would otherwise make every append
 * copy the whole buffer. Local to one run of the stream.
 */
class ChunkBuffer {
  private chunks: Uint8Array[] = [];
  length = 0;

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** All buffered bytes as one array (joined once, then kept joined). */
  bytes(): Uint8Array {
    if (this.chunks.length !== 1) {
      const joined = new Uint8Array(this.length);
      let at = 0;
      for (const c of this.chunks) {
        joined.set(c, at);
        at += c.length;
      }
      this.chunks = [joined];
    }
    return this.chunks[0] ?? new Uint8Array();
  }

  /** Drops the first `n` bytes. */
  consume(n: number): void {
    const rest = this.bytes().subarray(n);
    this.chunks = [rest];
    this.length = rest.length;
  }
}

type State =
  | { readonly _tag: 'Head'; readonly buffered: Uint8Array }
  | {
      readonly _tag: 'Wav';
      readonly format: WavFormat;
      /** Sample bytes not yet emitted (always whole frames at the front). */
      readonly buffered: ChunkBuffer;
      /** Sample bytes still expected from the data chunk (Infinity when the size was not declared). */
      readonly remaining: number;
      readonly framesEmitted: number;
      readonly nextIndex: number;
    }
  | { readonly _tag: 'Whole'; readonly format: AudioFormat; readonly buffered: ChunkBuffer };

const END = Symbol('end');

export const splitAudio = <E, R>(
  recordingId: string,
  input: Stream.Stream<Uint8Array, E, R>,
  limits: SplitLimits = defaultSplitLimits,
): Stream.Stream<AudioPiece, E | AudioCorrupt | AudioUnsupported, R> => {
  const corrupt = (reason: string) => new AudioCorrupt({ recordingId, reason });

  const wavPiece = (state: Extract<State, { _tag: 'Wav' }>, frames: number): AudioPiece => {
    const dataBytes = frames * state.format.blockAlign;
    const bytes = concat(wavHeader(state.format, dataBytes), state.buffered.bytes().subarray(0, dataBytes));
    return {
      index: state.nextIndex,
      offsetSeconds: state.framesEmitted / state.format.sampleRate,
      durationSeconds: frames / state.format.sampleRate,
      bytes,
      filename: `${recordingId}.part${state.nextIndex}.wav`,
      contentType: MIME.wav,
    };
  };

  /** Emits every full piece the buffer holds (and, at the end, the rest). */
  const drainWav = (initial: Extract<State, { _tag: 'Wav' }>, final: boolean): [State, AudioPiece[]] => {
    const pieces: AudioPiece[] = [];
    let state = initial;
    const { blockAlign, sampleRate } = state.format;
    const maxFrames = Math.min(
      Math.floor(limits.maxSeconds * sampleRate),
      Math.floor((limits.maxBytes - 44) / blockAlign),
    );
    const searchFrames = Math.min(Math.floor(limits.searchSeconds * sampleRate), Math.floor(maxFrames / 2));
    while (true) {
      const bufferedFrames = Math.floor(state.buffered.length / blockAlign);
      // Cut only once a whole maximal piece is buffered (or at the end), so the search window is complete.
      if (bufferedFrames > maxFrames) {
        const cut = quietestCut(state.buffered.bytes(), state.format, maxFrames, searchFrames);
        pieces.push(wavPiece(state, cut));
        state.buffered.consume(cut * blockAlign);
        state = { ...state, framesEmitted: state.framesEmitted + cut, nextIndex: state.nextIndex + 1 };
      } else if (final && bufferedFrames > 0) {
        pieces.push(wavPiece(state, bufferedFrames));
        state.buffered.consume(bufferedFrames * blockAlign);
        state = { ...state, framesEmitted: state.framesEmitted + bufferedFrames, nextIndex: state.nextIndex + 1 };
      } else break;
    }
    return [state, pieces];
  };

  const step = (
    state: State,
    chunk: Uint8Array | typeof END,
  ): Effect.Effect<readonly [State, ReadonlyArray<AudioPiece>], AudioCorrupt | AudioUnsupported> => {
    const final = chunk === END;
    if (state._tag === 'Head') {
      const buffered = final ? state.buffered : concat(state.buffered, chunk);
      if (buffered.length < 16 && !final) return Effect.succeed([{ _tag: 'Head', buffered }, []] as const);
      const format = sniffAudioFormat(buffered);
      if (format === 'unknown') {
        return Effect.fail(
          new AudioUnsupported({
            recordingId,
            format,
            reason:
              buffered.length === 0
                ? 'the recording is empty'
                : 'not a known audio container (WAV, MP3, MP4/M4A, Ogg, FLAC, WebM)',
          }),
        );
      }
      // Hand what is buffered to the next stage, then the end marker when the stream already ended.
      const continueWith = (next: State, bytes: Uint8Array) =>
        step(next, bytes).pipe(
          Effect.flatMap(([after, pieces]) =>
            final
              ? step(after, END).pipe(Effect.map(([last, more]) => [last, [...pieces, ...more]] as const))
              : Effect.succeed([after, pieces] as const),
          ),
        );
      if (format !== 'wav') return continueWith({ _tag: 'Whole', format, buffered: new ChunkBuffer() }, buffered);
      const header = parseWavHeader(buffered);
      if (header._tag === 'Corrupt') return Effect.fail(corrupt(header.reason));
      if (header._tag === 'NeedMore') {
        return final
          ? Effect.fail(corrupt('the WAV header ends before the data chunk'))
          : Effect.succeed([{ _tag: 'Head', buffered }, []] as const);
      }
      const wav: State = {
        _tag: 'Wav',
        format: header.format,
        buffered: new ChunkBuffer(),
        remaining: header.dataSize ?? Number.POSITIVE_INFINITY,
        framesEmitted: 0,
        nextIndex: 0,
      };
      return continueWith(wav, buffered.subarray(header.dataOffset));
    }
    if (state._tag === 'Wav') {
      if (final) {
        if (state.framesEmitted === 0 && state.buffered.length < state.format.blockAlign) {
          return Effect.fail(corrupt('the WAV data chunk holds no samples'));
        }
        return Effect.succeed(drainWav(state, true));
      }
      // Bytes past the declared data size are trailing chunks (LIST, id3): not audio.
      const take = Math.min(chunk.length, state.remaining);
      state.buffered.append(chunk.subarray(0, take));
      return Effect.succeed(drainWav({ ...state, remaining: state.remaining - take }, false));
    }
    // Compressed: only whole files under the limit (the server decodes and chunks them itself).
    if (!final) {
      state.buffered.append(chunk);
      if (state.buffered.length > limits.maxBytes) {
        return Effect.fail(
          new AudioUnsupported({
            recordingId,
            format: state.format,
            reason: `${state.format} recordings over ${limits.maxBytes} bytes must be transcoded to WAV before they can be split`,
          }),
        );
      }
      return Effect.succeed([state, []] as const);
    }
    const piece: AudioPiece = {
      index: 0,
      offsetSeconds: 0,
      durationSeconds: undefined,
      bytes: state.buffered.bytes(),
      filename: `${recordingId}.${state.format === 'mp4' ? 'm4a' : state.format}`,
      contentType: MIME[state.format as Exclude<AudioFormat, 'unknown'>],
    };
    return Effect.succeed([state, [piece]] as const);
  };

  return input.pipe(
    Stream.map((chunk): Uint8Array | typeof END => chunk),
    Stream.concat(Stream.succeed(END)),
    Stream.mapAccumEffect((): State => ({ _tag: 'Head', buffered: new Uint8Array() }), step),
  );
};
