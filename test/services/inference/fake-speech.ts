/**
 * A deterministic "speech" code for the fake Whisper server: each word of a
 * known vocabulary is a run of one constant 16-bit sample value, words are
 * separated by a short silence, sentences by a long one. The server decodes it
 * back exactly, so a test can check that splitting a recording and shifting
 * segment times gives the same transcript as transcribing it whole.
 */

/** Seconds per word, per gap between words, per pause between sentences. */
export const WORD_SECONDS = 0.3;
export const WORD_GAP_SECONDS = 0.05;
/** Anything longer than this silence ends a segment (the server's rule). */
export const SEGMENT_BREAK_SECONDS = 0.5;
export const SENTENCE_PAUSE_SECONDS = 0.8;
const STEP = 64;

export const tokenize = (text: string): string[] => text.toLowerCase().match(/[a-z0-9']+/g) ?? [];

export class Vocabulary {
  private readonly index = new Map<string, number>();
  private readonly words: string[] = [];

  constructor(sentences: ReadonlyArray<string> = []) {
    for (const s of sentences) for (const w of tokenize(s)) this.add(w);
  }

  add(word: string): number {
    const known = this.index.get(word);
    if (known !== undefined) return known;
    if (this.words.length >= 500) throw new Error('fake speech vocabulary is full');
    this.words.push(word);
    this.index.set(word, this.words.length);
    return this.words.length;
  }

  sampleFor(word: string): number {
    return this.add(word) * STEP;
  }

  wordFor(sample: number): string {
    return this.words[Math.round(Math.abs(sample) / STEP) - 1] ?? '<unk>';
  }
}

/** A mono 16-bit PCM WAV file of the sentences, with `leadSeconds` of silence first. */
export const speechWav = (
  vocabulary: Vocabulary,
  sentences: ReadonlyArray<string>,
  options: { sampleRate?: number; leadSeconds?: number } = {},
): Uint8Array => {
  const rate = options.sampleRate ?? 8000;
  const samples: number[] = [];
  const silence = (seconds: number) => {
    for (let i = 0; i < Math.round(seconds * rate); i++) samples.push(0);
  };
  silence(options.leadSeconds ?? 0.2);
  for (const sentence of sentences) {
    for (const word of tokenize(sentence)) {
      const value = vocabulary.sampleFor(word);
      for (let i = 0; i < Math.round(WORD_SECONDS * rate); i++) samples.push(value);
      silence(WORD_GAP_SECONDS);
    }
    silence(SENTENCE_PAUSE_SECONDS);
  }
  return pcm16Wav(Int16Array.from(samples), rate);
};

/** A canonical 44-byte-header WAV file around the samples. */
export const pcm16Wav = (samples: Int16Array, sampleRate: number): Uint8Array => {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return new Uint8Array(Buffer.concat([header, data]));
};

export interface DecodedSegment {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** What the fake server "hears": segments with times relative to the start of this file. */
export const decodeSpeech = (vocabulary: Vocabulary, samples: Int16Array, sampleRate: number): DecodedSegment[] => {
  const segments: DecodedSegment[] = [];
  let words: string[] = [];
  let segmentStart = 0;
  let lastWordEnd = 0;
  let i = 0;
  while (i < samples.length) {
    const value = samples[i] ?? 0;
    let j = i;
    while (j < samples.length && samples[j] === value) j++;
    const seconds = (j - i) / sampleRate;
    if (value === 0) {
      if (seconds >= SEGMENT_BREAK_SECONDS && words.length > 0) {
        segments.push({ start: segmentStart, end: lastWordEnd, text: words.join(' ') });
        words = [];
      }
    } else if (seconds >= 0.1) {
      if (words.length === 0) segmentStart = i / sampleRate;
      words.push(vocabulary.wordFor(value));
      lastWordEnd = j / sampleRate;
    }
    i = j;
  }
  if (words.length > 0) segments.push({ start: segmentStart, end: lastWordEnd, text: words.join(' ') });
  return segments;
};
