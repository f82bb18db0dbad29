/**
 * The benchmark corpora: deterministic mboxes shaped like real mail, shared by
 * the ingest and indexing benchmarks (and the parse ceiling they are compared with).
 */

/** A short trade note (45–540 characters): one chunk each. */
export const tradeNote = (i: number): string =>
  `Trade ${i}: buy ${100 + (i % 900)} XYZ at ${(100 + (i % 37) / 4).toFixed(2)}. `.repeat(1 + (i % 12));

/** Deterministic pseudo-random numbers (mulberry32). */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const SYLLABLES = [
  'ka',
  'lo',
  'mer',
  'tis',
  'on',
  'ra',
  'vel',
  'qu',
  'den',
  'sa',
  'por',
  'li',
  'ment',
  'ex',
  'ur',
  'ba',
];
/** A 3,000-word vocabulary: real mail has many distinct words, and each distinct lexeme is a chunk_terms row. */
const VOCABULARY = (() => {
  const random = rng(7);
  return Array.from({ length: 3000 }, () =>
    Array.from({ length: 2 + Math.floor(random() * 3) }, () => SYLLABLES[Math.floor(random() * SYLLABLES.length)]).join(
      '',
    ),
  );
})();

/** Prose of 300–6,000 characters (one to six chunks of 1,200), sentences of 6–20 words from the vocabulary. */
export const prose = (i: number): string => {
  const random = rng(1000 + i);
  const target = 300 + Math.floor(random() * 5700);
  const sentences: string[] = [];
  let length = 0;
  while (length < target) {
    const words = Array.from(
      { length: 6 + Math.floor(random() * 15) },
      () => VOCABULARY[Math.floor(random() * VOCABULARY.length)],
    );
    const sentence = `${words.join(' ')}.`;
    sentences.push(sentence.charAt(0).toUpperCase() + sentence.slice(1));
    length += sentence.length + 1;
  }
  return sentences.join(' ');
};

/** A realistic mix: plain notes, threaded replies, HTML alternatives, one in ten with a PDF attachment. */
export const mboxOf = (count: number, seed: string, bodyOf: (i: number) => string = tradeNote): string => {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `<bench-${seed}-${i}@acme.example>`;
    const body = bodyOf(i);
    const headers = [
      `From trader${i % 40}@acme.example Mon Jan  6 10:00:00 2025`,
      `Message-ID: ${id}`,
      `Date: Mon, 6 Jan 2025 ${String(8 + (i % 10)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00 +0000`,
      `From: Trader ${i % 40} <trader${i % 40}@acme.example>`,
      `To: desk${i % 7}@acme.example, compliance@acme.example`,
      ...(i % 3 === 0 ? [`Cc: ops@acme.example`] : []),
      ...(i % 5 === 1 ? [`In-Reply-To: <bench-${seed}-${i - 1}@acme.example>`] : []),
      `Subject: =?UTF-8?Q?Best=C3=A4tigung_${i}?=`,
      'MIME-Version: 1.0',
    ];
    if (i % 10 === 0) {
      const pdf = Buffer.from(`%PDF-1.4 confirmation ${seed} ${i}\n${'0'.repeat(2000)}`).toString('base64');
      parts.push(
        [
          ...headers,
          'Content-Type: multipart/mixed; boundary="b"',
          '',
          '--b',
          'Content-Type: text/plain; charset=utf-8',
          '',
          body,
          '--b',
          `Content-Type: application/pdf; name="confirm-${i}.pdf"`,
          'Content-Transfer-Encoding: base64',
          '',
          pdf,
          '--b--',
          '',
        ].join('\n'),
      );
    } else {
      parts.push([...headers, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\n'));
    }
  }
  return parts.join('\n');
};
