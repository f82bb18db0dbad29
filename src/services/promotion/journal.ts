import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Context, Effect, Layer } from 'effect';

/** Where a promotion is, saved after every step and batch so an interrupted run resumes. */
export interface PromotionProgress {
  readonly promotionId: string;
  readonly customerId: string;
  readonly phase: 'copying' | 'verified' | 'switched' | 'done';
  /** Per table: the primary key of the last row copied and committed on the dedicated side. */
  readonly cursors: Readonly<Record<string, string>>;
  /** Per table: rows copied so far. */
  readonly copied: Readonly<Record<string, number>>;
  readonly startedAt: string;
  readonly updatedAt: string;
}

/** The promotion journal, one entry per customer. */
export class PromotionJournal extends Context.Service<
  PromotionJournal,
  {
    readonly load: (customerId: string) => Effect.Effect<PromotionProgress | undefined, Error>;
    readonly save: (progress: PromotionProgress) => Effect.Effect<void, Error>;
  }
>()('panops/services/promotion/PromotionJournal') {}

export const memoryJournalLayer = (): Layer.Layer<PromotionJournal> =>
  Layer.sync(PromotionJournal, () => {
    const entries = new Map<string, PromotionProgress>();
    return PromotionJournal.of({
      load: Effect.fn('PromotionJournal.load')(function* (customerId: string) {
        return yield* Effect.sync(() => entries.get(customerId));
      }),
      save: Effect.fn('PromotionJournal.save')(function* (progress: PromotionProgress) {
        yield* Effect.sync(() => void entries.set(progress.customerId, progress));
      }),
    });
  });

/** One JSON file per customer under `dir`, replaced atomically (temporary file, then rename). */
export const fileJournalLayer = (dir: string): Layer.Layer<PromotionJournal> =>
  Layer.succeed(
    PromotionJournal,
    PromotionJournal.of({
      load: Effect.fn('PromotionJournal.load')(function* (customerId: string) {
        return yield* Effect.tryPromise({
          try: async () => {
            const text = await readFile(join(dir, `${customerId}.json`), 'utf8').catch(
              (error: NodeJS.ErrnoException) => {
                if (error.code === 'ENOENT') return undefined;
                throw error;
              },
            );
            return text === undefined ? undefined : (JSON.parse(text) as PromotionProgress);
          },
          catch: (cause) => new Error(`reading the promotion journal of ${customerId}: ${String(cause)}`),
        });
      }),
      save: Effect.fn('PromotionJournal.save')(function* (progress: PromotionProgress) {
        return yield* Effect.tryPromise({
          try: async () => {
            const path = join(dir, `${progress.customerId}.json`);
            await mkdir(dirname(path), { recursive: true });
            await writeFile(`${path}.tmp`, `${JSON.stringify(progress, null, 2)}\n`);
            await rename(`${path}.tmp`, path);
          },
          catch: (cause) => new Error(`writing the promotion journal of ${progress.customerId}: ${String(cause)}`),
        });
      }),
    }),
  );
