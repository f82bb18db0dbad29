import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ChunkingOptions,
  chunkCommunication,
  chunkTranscript,
  type SegmentInput,
  splitText,
} from '../../../src/services/inference/chunker.js';

const options: ChunkingOptions = { maxChars: 80, overlapChars: 20 };
const word = fc.stringMatching(/^[a-z]{1,12}[.,]?$/);
const text = fc.array(word, { minLength: 0, maxLength: 120 }).map((ws) => ws.join(' '));

describe('splitText', () => {
  it('keeps every chunk within the size and every word in order, each cut overlapping by at most the overlap', () => {
    fc.assert(
      fc.property(text, (t) => {
        const chunks = splitText(t, options);
        for (const c of chunks) expect(c.length).toBeLessThanOrEqual(options.maxChars);
        // Removing each chunk's overlap with its predecessor gives back the words exactly.
        const words = t.split(/\s+/).filter(Boolean);
        const rebuilt: string[] = [];
        for (const c of chunks) {
          const cw = c.split(' ');
          let overlap = 0;
          for (let k = Math.min(cw.length - 1, rebuilt.length); k > 0; k--) {
            if (rebuilt.slice(-k).join(' ') === cw.slice(0, k).join(' ')) {
              overlap = k;
              break;
            }
          }
          expect(cw.slice(0, overlap).join(' ').length).toBeLessThanOrEqual(options.overlapChars);
          rebuilt.push(...cw.slice(overlap));
        }
        expect(rebuilt).toEqual(words);
      }),
    );
  });

  it('prefers to end a chunk after a sentence', () => {
    const sentence = 'The desk agreed to rebalance the whole municipal bond book.';
    const chunks = splitText(`${sentence} ${'more words follow here '.repeat(5)}`, options);
    expect(chunks[0]).toBe(sentence);
  });

  it('refuses an overlap of half the chunk size or more, which would never advance', () => {
    expect(() => splitText('a b c', { maxChars: 40, overlapChars: 20 })).toThrow(/overlap/);
  });
});

describe('chunkCommunication', () => {
  it('puts the subject at the head of the first chunk only and numbers chunks from zero', () => {
    const chunks = chunkCommunication('word '.repeat(60), 'Quarterly allocation', options);
    expect(chunks[0]?.content.startsWith('Quarterly allocation')).toBe(true);
    expect(chunks.slice(1).some((c) => c.content.includes('Quarterly'))).toBe(false);
    expect(chunks.map((c) => c.chunkIndex)).toEqual(chunks.map((_, i) => i));
  });
});

describe('chunkTranscript', () => {
  const segments = fc.array(
    fc.record({ speaker: fc.constantFrom('alice', 'bob', null), text: text.filter((t) => t.length > 0) }),
    { maxLength: 40 },
  );
  const timed = (raw: ReadonlyArray<{ speaker: string | null; text: string }>): SegmentInput[] =>
    raw.map((s, i) => ({ ...s, startSeconds: i * 10, endSeconds: i * 10 + 9 }));

  it('never mixes two speakers in a chunk and gives each chunk the times of its segments', () => {
    fc.assert(
      fc.property(segments, (raw) => {
        const input = timed(raw);
        const chunks = chunkTranscript(input, options);
        for (const c of chunks) {
          expect(c.content.length).toBeLessThanOrEqual(options.maxChars);
          const inside = input.filter(
            (s) => s.startSeconds >= (c.startSeconds ?? -1) && s.endSeconds <= (c.endSeconds ?? -1),
          );
          expect(inside.length).toBeGreaterThan(0);
          expect(new Set(inside.map((s) => s.speaker ?? null)).size).toBe(1);
          expect(c.speaker ?? null).toBe(inside[0]?.speaker ?? null);
        }
      }),
    );
  });

  it('covers every segment, and carries overlap only across a cut made for size', () => {
    const input: SegmentInput[] = [
      { speaker: 'alice', startSeconds: 0, endSeconds: 5, text: 'first thing alice says about the bonds' },
      { speaker: 'alice', startSeconds: 5, endSeconds: 9, text: 'second thing' },
      { speaker: 'alice', startSeconds: 9, endSeconds: 14, text: 'third thing alice says about the rates today' },
      { speaker: 'bob', startSeconds: 14, endSeconds: 18, text: 'bob replies' },
    ];
    const chunks = chunkTranscript(input, options);
    expect(chunks.map((c) => [c.startSeconds, c.endSeconds, c.speaker])).toEqual([
      [0, 9, 'alice'],
      [5, 14, 'alice'],
      [14, 18, 'bob'],
    ]);
  });

  it('splits one very long segment into pieces that keep its times', () => {
    const long = { speaker: null, startSeconds: 30, endSeconds: 90, text: 'talk '.repeat(100) };
    const chunks = chunkTranscript([long], options);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.startSeconds === 30 && c.endSeconds === 90)).toBe(true);
  });
});
