/**
 * Just enough RIFF/WAVE to split PCM recordings without decoding them: read
 * the format, find the data, write a header for each piece, and find a quiet
 * place to cut so no word is split in two.
 */

export interface WavFormat {
  /** 1 PCM, 3 IEEE float (WAVE_FORMAT_EXTENSIBLE is resolved to its sub-format). */
  readonly formatCode: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  /** Bytes per frame (all channels of one sample instant). */
  readonly blockAlign: number;
}

export type WavHeaderParse =
  | { readonly _tag: 'NeedMore' }
  | { readonly _tag: 'Corrupt'; readonly reason: string }
  | {
      readonly _tag: 'Header';
      readonly format: WavFormat;
      /** Offset of the first sample byte. */
      readonly dataOffset: number;
      /** Declared size of the data chunk; undefined when the writer did not know it (streamed WAV: 0 or 0xFFFFFFFF). */
      readonly dataSize: number | undefined;
    };

const ascii = (b: Uint8Array, at: number) =>
  String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0);

/** Parses the header of a WAV file from its first bytes (asks for more while the data chunk has not been reached). */
export const parseWavHeader = (bytes: Uint8Array): WavHeaderParse => {
  if (bytes.length < 12) return { _tag: 'NeedMore' };
  if (ascii(bytes, 0) !== 'RIFF' || ascii(bytes, 8) !== 'WAVE')
    return { _tag: 'Corrupt', reason: 'not a RIFF/WAVE file' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 12;
  let format: WavFormat | undefined;
  while (true) {
    if (offset + 8 > bytes.length) return { _tag: 'NeedMore' };
    const id = ascii(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    if (id === 'fmt ') {
      if (size < 16) return { _tag: 'Corrupt', reason: `fmt chunk of ${size} bytes (at least 16 expected)` };
      if (offset + 8 + size > bytes.length) return { _tag: 'NeedMore' };
      let formatCode = view.getUint16(offset + 8, true);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
      if (formatCode === 0xfffe && size >= 40) formatCode = view.getUint16(offset + 8 + 24, true);
      format = {
        formatCode,
        channels: view.getUint16(offset + 10, true),
        sampleRate: view.getUint32(offset + 12, true),
        blockAlign: view.getUint16(offset + 20, true),
        bitsPerSample: view.getUint16(offset + 22, true),
      };
      if (format.formatCode !== 1 && format.formatCode !== 3) {
        return {
          _tag: 'Corrupt',
          reason: `WAV format code ${format.formatCode} is compressed; only PCM and float can be split`,
        };
      }
      if (format.channels < 1 || format.sampleRate < 1000 || format.sampleRate > 384_000) {
        return {
          _tag: 'Corrupt',
          reason: `implausible format: ${format.channels} channels at ${format.sampleRate} Hz`,
        };
      }
      if (format.blockAlign !== (format.channels * format.bitsPerSample) / 8 || format.blockAlign === 0) {
        return {
          _tag: 'Corrupt',
          reason: `block align ${format.blockAlign} does not match ${format.channels} x ${format.bitsPerSample} bits`,
        };
      }
    } else if (id === 'data') {
      if (!format) return { _tag: 'Corrupt', reason: 'data chunk before the fmt chunk' };
      const unknownSize = size === 0 || size === 0xffffffff;
      return { _tag: 'Header', format, dataOffset: offset + 8, dataSize: unknownSize ? undefined : size };
    }
    // Chunks are word-aligned.
    offset += 8 + size + (size % 2);
  }
};

/** A canonical 44-byte header for `dataBytes` of samples in `format`. */
export const wavHeader = (format: WavFormat, dataBytes: number): Uint8Array => {
  const header = new Uint8Array(44);
  const view = new DataView(header.buffer);
  const put = (at: number, text: string) => {
    for (let i = 0; i < 4; i++) header[at + i] = text.charCodeAt(i);
  };
  put(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, format.formatCode, true);
  view.setUint16(22, format.channels, true);
  view.setUint32(24, format.sampleRate, true);
  view.setUint32(28, format.sampleRate * format.blockAlign, true);
  view.setUint16(32, format.blockAlign, true);
  view.setUint16(34, format.bitsPerSample, true);
  put(36, 'data');
  view.setUint32(40, dataBytes, true);
  return header;
};

/**
 * The frame at which to cut `data` (whole frames, PCM) so that the cut falls
 * in the quietest stretch of the last `searchFrames` before `maxFrames`:
 * speech pauses, so a word is not split across two requests. Falls back to
 * `maxFrames` for formats it cannot measure (only 16-bit PCM is measured).
 */
export const quietestCut = (data: Uint8Array, format: WavFormat, maxFrames: number, searchFrames: number): number => {
  if (format.formatCode !== 1 || format.bitsPerSample !== 16 || searchFrames <= 0) return maxFrames;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  // A quarter second: longer than the gap between words, shorter than a pause between sentences.
  const window = Math.max(1, Math.round(format.sampleRate * 0.25));
  const from = Math.max(window, maxFrames - searchFrames);
  let bestFrame = maxFrames;
  let bestEnergy = Number.POSITIVE_INFINITY;
  // Energy of the window ending at each candidate, computed as a running sum over the first channel.
  const amplitude = (frame: number) => Math.abs(view.getInt16(frame * format.blockAlign, true));
  let energy = 0;
  for (let f = from - window; f < from; f++) energy += amplitude(f);
  for (let end = from; end <= maxFrames; end++) {
    // Prefer the latest of equally quiet places: fewer pieces.
    if (energy <= bestEnergy) {
      bestEnergy = energy;
      bestFrame = end - Math.floor(window / 2);
    }
    if (end < maxFrames) energy += amplitude(end) - amplitude(end - window);
  }
  return Math.max(1, bestFrame);
};
