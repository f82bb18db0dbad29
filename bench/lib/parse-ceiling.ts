import { createHash } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { mboxMessages } from '../../src/services/connectors/import/mbox.js';

/**
 * The one-core parse ceiling: how many messages per second one core can do
 * the irreducible per-message work of ingest on — MIME parse (mailparser's
 * `simpleParser`, with the options the pipeline uses) plus SHA-256 of the raw
 * bytes — on the same corpus, in the same process and run as the figure it
 * is compared with. The corpus is read into memory first (not timed), and the
 * loop runs on the main thread only, so the figure is one core's worth.
 * Every ingest or indexing figure is reported as a ratio to it: on a shared,
 * noisy machine the same-run ratio is comparable where absolute numbers are not.
 */
export const readCorpus = async (mboxPath: string): Promise<Buffer[]> => {
  const messages: Buffer[] = [];
  for await (const raw of mboxMessages(mboxPath)) messages.push(raw);
  return messages;
};

/** Messages per second of parse + SHA-256 over `corpus`, one core, after a short warm-up. */
export const measureParseCeiling = async (corpus: readonly Buffer[]): Promise<number> => {
  const work = async (raw: Buffer) => {
    await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
    createHash('sha256').update(raw).digest('hex');
  };
  for (const raw of corpus.slice(0, Math.min(500, corpus.length))) await work(raw);
  const started = performance.now();
  for (const raw of corpus) await work(raw);
  return corpus.length / ((performance.now() - started) / 1000);
};
