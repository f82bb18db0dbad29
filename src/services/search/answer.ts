import { Context, Effect, Layer } from 'effect';
import { TenantSql } from '../db/tenant-sql.js';
import { Chat, type ChatMessage } from '../inference/chat.js';
import type { InferenceCallError } from '../inference/errors.js';
import type { CustomerRef } from '../inference/indexer.js';
import { InferenceSettingsRef, inferenceFor } from '../inference/settings.js';
import {
  auditItems,
  HybridSearch,
  type SearchError,
  type SearchFilters,
  type SearchHit,
  writeAudit,
} from './hybrid-search.js';

/**
 * Retrieval-augmented answers: the customer's best passages (hybrid search,
 * inside the tenant transaction) are numbered and sent to vLLM's chat
 * completions; the answer's `[n]` markers become citations pointing at the
 * exact communication and, for calls, the exact transcript times. The model
 * only ever sees passages of the asking customer. Every answer writes an
 * `answer` audit row: the question, every passage shown to the model, and
 * which of them the answer cites.
 */

export interface Citation {
  /** The `[n]` in the answer. */
  readonly marker: number;
  readonly chunkId: string;
  readonly communicationId: string;
  readonly recordingId: string | null;
  readonly platform: string;
  readonly sentAt: string;
  readonly subject: string | null;
  readonly sender: string | null;
  /** Recording time of the cited passage (calls and meetings). */
  readonly startSeconds: number | null;
  readonly endSeconds: number | null;
  readonly excerpt: string;
}

export interface Answer {
  readonly answer: string;
  readonly citations: ReadonlyArray<Citation>;
  /** `[n]` markers that point at no passage (the model invented them): shown, never resolved. */
  readonly unresolvedMarkers: ReadonlyArray<number>;
  /** Every passage the model was given. */
  readonly passages: ReadonlyArray<SearchHit>;
  readonly model: string;
  readonly notice: string | undefined;
}

export interface AskRequest {
  readonly actor: string;
  readonly question: string;
  readonly filters?: SearchFilters;
  /** Passages given to the model. @default 6 */
  readonly passages?: number;
}

const SYSTEM_PROMPT = [
  'You answer questions about an archive of business communications.',
  'Use only the numbered sources given. Cite every claim with the source number in brackets, like [2].',
  'If the sources do not contain the answer, say that the archive does not say. Never invent sources.',
].join(' ');

/** `00:12:03` */
export const clock = (seconds: number) => {
  const s = Math.floor(seconds);
  return [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0')).join(':');
};

/** One source as the model sees it: a header line naming where it comes from, then its text. */
export const sourceHeader = (hit: SearchHit) => {
  const where =
    hit.sourceKind === 'transcript' && hit.startSeconds !== null
      ? `${hit.kind} recording ${clock(hit.startSeconds)}-${clock(hit.endSeconds ?? hit.startSeconds)}${hit.speaker ? `, ${hit.speaker}` : ''}`
      : `${hit.kind}${hit.subject ? ` "${hit.subject}"` : ''}${hit.sender ? ` from ${hit.sender}` : ''}`;
  return `${hit.platform}, ${hit.sentAt.slice(0, 10)}, ${where}`;
};

export const buildPrompt = (question: string, passages: ReadonlyArray<SearchHit>): ChatMessage[] => [
  { role: 'system', content: SYSTEM_PROMPT },
  {
    role: 'user',
    content: [
      'Sources:',
      ...passages.map((p, i) => `[${i + 1}] ${sourceHeader(p)}\n${p.content.replace(/\s*\n\s*/g, ' ')}`),
      '',
      `Question: ${question}`,
    ].join('\n'),
  },
];

/** The `[n]` markers of an answer, in order of first appearance; `[1, 3]` and `[1][3]` both count. */
export const citedMarkers = (answer: string): number[] => {
  const seen: number[] = [];
  for (const group of answer.matchAll(/\[(\d+(?:\s*,\s*\d+)*)\]/g)) {
    for (const n of (group[1] ?? '').split(',').map((x) => Number(x.trim()))) if (!seen.includes(n)) seen.push(n);
  }
  return seen;
};

export class AnswerService extends Context.Service<
  AnswerService,
  { ask(customer: CustomerRef, request: AskRequest): Effect.Effect<Answer, SearchError | InferenceCallError> }
>()('panops/search/AnswerService') {
  static readonly layer = Layer.effect(
    AnswerService,
    Effect.gen(function* () {
      const search = yield* HybridSearch;
      const chat = yield* Chat;
      const db = yield* TenantSql;

      const ask = Effect.fn('AnswerService.ask')(function* (customer: CustomerRef, request: AskRequest) {
        const config = inferenceFor(yield* InferenceSettingsRef, customer);
        const { result, auditDetails } = yield* search.retrieve(customer, {
          actor: request.actor,
          query: request.question,
          limit: request.passages ?? 6,
          ...(request.filters ? { filters: request.filters } : {}),
        });
        const passages = result.hits;
        const audit = (details: Record<string, unknown>) =>
          db.withCustomer(
            customer.id,
            writeAudit(db.sql, customer.id, request.actor, 'answer', request.question, {
              ...auditDetails,
              chatModel: config.chatModel,
              ...details,
            }),
          );

        const completion = yield* chat
          .complete({
            endpoint: config.chat,
            model: config.chatModel,
            messages: buildPrompt(request.question, passages),
          })
          .pipe(Effect.tapError((error) => audit({ error: error._tag }).pipe(Effect.ignore)));

        const markers = citedMarkers(completion.content);
        const citations: Citation[] = [];
        const unresolvedMarkers: number[] = [];
        for (const marker of markers) {
          const hit = passages[marker - 1];
          if (!hit) {
            unresolvedMarkers.push(marker);
            continue;
          }
          citations.push({
            marker,
            chunkId: hit.chunkId,
            communicationId: hit.communicationId,
            recordingId: hit.recordingId,
            platform: hit.platform,
            sentAt: hit.sentAt,
            subject: hit.subject,
            sender: hit.sender,
            startSeconds: hit.startSeconds,
            endSeconds: hit.endSeconds,
            excerpt: hit.content.slice(0, 300),
          });
        }
        yield* audit({
          cited: auditItems(citations.map((c) => passages[c.marker - 1] as SearchHit)),
          unresolvedMarkers,
        });
        return {
          answer: completion.content,
          citations,
          unresolvedMarkers,
          passages,
          model: completion.model,
          notice: result.notice,
        };
      });

      return AnswerService.of({ ask });
    }),
  );
}
