/**
 * Cuts communications and transcripts into the passages that get embedded
 * and cited. Boundaries are respected: a chunk never spans two messages
 * (each communication is chunked on its own) and never spans two speakers of
 * a transcript; overlap is carried only across a cut made for size, never
 * across a boundary. Sizes are in characters (about four per token).
 */

export interface ChunkingOptions {
  /** Longest chunk, in characters. @default 1200 (about 300 tokens: well inside bge-small's 512) */
  readonly maxChars: number;
  /** Text repeated from the end of one chunk at the start of the next when a passage is cut for size. @default 150 */
  readonly overlapChars: number;
}

export const defaultChunking: ChunkingOptions = { maxChars: 1200, overlapChars: 150 };

export interface ChunkDraft {
  readonly chunkIndex: number;
  readonly content: string;
  /** Transcript chunks: recording time of the first and last segment. */
  readonly startSeconds?: number;
  readonly endSeconds?: number;
  readonly speaker?: string;
}

export interface SegmentInput {
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly text: string;
  readonly speaker?: string | null;
}

const validate = (options: ChunkingOptions) => {
  if (options.maxChars < 20) throw new Error(`chunk size ${options.maxChars} is too small (at least 20 characters)`);
  if (options.overlapChars < 0 || options.overlapChars >= options.maxChars / 2) {
    throw new Error(`overlap ${options.overlapChars} must be between 0 and half the chunk size`);
  }
};

/** Words with their text; a word longer than a chunk is cut into chunk-sized pieces. */
const wordsOf = (text: string, maxChars: number): string[] =>
  (text.match(/\S+/g) ?? []).flatMap((w) =>
    w.length <= maxChars
      ? [w]
      : Array.from({ length: Math.ceil(w.length / maxChars) }, (_, i) => w.slice(i * maxChars, (i + 1) * maxChars)),
  );

/**
 * Greedy windows of whole words, each at most `maxChars`; the next window
 * starts with the last words of the previous one that fit in `overlapChars`.
 * A window prefers to end after a sentence when one ends in its last third.
 */
export const splitText = (text: string, options: ChunkingOptions = defaultChunking): string[] => {
  validate(options);
  const words = wordsOf(text, options.maxChars);
  const windows: string[] = [];
  let start = 0;
  while (start < words.length) {
    let end = start;
    let length = 0;
    while (end < words.length && length + (end > start ? 1 : 0) + (words[end]?.length ?? 0) <= options.maxChars) {
      length += (end > start ? 1 : 0) + (words[end]?.length ?? 0);
      end++;
    }
    if (end < words.length) {
      // Back up to a sentence end in the last third, if there is one.
      for (let k = end - 1; k > start; k--) {
        const used = words.slice(start, k + 1).join(' ').length;
        if (used < (options.maxChars * 2) / 3) break;
        if (/[.!?]["')\]]?$/.test(words[k] ?? '')) {
          end = k + 1;
          break;
        }
      }
    }
    windows.push(words.slice(start, end).join(' '));
    if (end >= words.length) break;
    // Overlap: whole words from the end of this window, within the budget, always moving forward.
    let next = end;
    let overlap = 0;
    while (next - 1 > start && overlap + (words[next - 1]?.length ?? 0) + 1 <= options.overlapChars) {
      overlap += (words[next - 1]?.length ?? 0) + 1;
      next--;
    }
    start = next;
  }
  return windows;
};

/** Chunks of one communication (an email body, a chat message): the subject leads the first chunk. */
export const chunkCommunication = (
  body: string,
  subject: string | null | undefined,
  options: ChunkingOptions = defaultChunking,
): ChunkDraft[] => {
  const text = subject && subject.trim() !== '' ? `${subject.trim()}\n\n${body}` : body;
  return splitText(text, options).map((content, chunkIndex) => ({ chunkIndex, content }));
};

/**
 * Chunks of one transcript: consecutive segments of one speaker are packed up
 * to `maxChars`; a speaker change always starts a new chunk. A cut made for
 * size carries the last segments (up to `overlapChars`) into the next chunk.
 */
export const chunkTranscript = (
  segments: ReadonlyArray<SegmentInput>,
  options: ChunkingOptions = defaultChunking,
): ChunkDraft[] => {
  validate(options);
  const chunks: ChunkDraft[] = [];
  const emit = (group: ReadonlyArray<SegmentInput>) => {
    const first = group[0];
    const last = group[group.length - 1];
    if (!first || !last) return;
    const speaker = first.speaker ?? undefined;
    chunks.push({
      chunkIndex: chunks.length,
      content: group.map((s) => s.text.trim()).join(' '),
      startSeconds: first.startSeconds,
      endSeconds: last.endSeconds,
      ...(speaker ? { speaker } : {}),
    });
  };
  let group: SegmentInput[] = [];
  const length = (g: ReadonlyArray<SegmentInput>) =>
    g.reduce((n, s, i) => n + s.text.trim().length + (i > 0 ? 1 : 0), 0);
  for (const segment of segments) {
    if (segment.text.trim() === '') continue;
    if (segment.text.trim().length > options.maxChars) {
      // One long segment: split its text; every piece keeps the segment's times.
      emit(group);
      group = [];
      for (const content of splitText(segment.text, options)) {
        emit([{ ...segment, text: content }]);
      }
      continue;
    }
    const sameSpeaker = group.length === 0 || (group[0]?.speaker ?? null) === (segment.speaker ?? null);
    if (!sameSpeaker) {
      emit(group);
      group = [segment];
    } else if (length([...group, segment]) > options.maxChars) {
      emit(group);
      // Overlap: trailing segments of the emitted chunk that fit the budget (never the whole chunk).
      const carried: SegmentInput[] = [];
      for (let i = group.length - 1; i > 0; i--) {
        const candidate = [group[i] as SegmentInput, ...carried];
        if (length(candidate) > options.overlapChars || length([...candidate, segment]) > options.maxChars) break;
        carried.unshift(group[i] as SegmentInput);
      }
      group = [...carried, segment];
    } else {
      group.push(segment);
    }
  }
  emit(group);
  return chunks;
};
