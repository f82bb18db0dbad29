import { Context, Effect, Layer, Schema } from 'effect';
import { HttpClient } from 'effect/http';
import { type InferenceCallError, InferenceResponseInvalid } from './errors.js';
import { type Endpoint, postOpenAi, withInferenceRetry } from './openai-http.js';
import { InferenceSettingsRef } from './settings.js';

/** vLLM's (and OpenAI's) embeddings answer. */
const EmbeddingsResponse = Schema.Struct({
  data: Schema.Array(
    Schema.Struct({
      index: Schema.Int,
      embedding: Schema.Array(Schema.Number),
    }),
  ),
  model: Schema.String,
});

/** Which server and model to embed with, and the dimension the database expects. */
export interface EmbeddingTarget {
  readonly endpoint: Endpoint;
  readonly model: string;
  readonly dimensions: number;
}

/**
 * `POST /v1/embeddings`, batched: inputs are sent `embeddingBatchSize` at a
 * time, each batch retried on its own, and the vectors come back in input
 * order whatever order the server listed them in.
 */
export class Embeddings extends Context.Service<
  Embeddings,
  {
    embed(
      texts: ReadonlyArray<string>,
      target: EmbeddingTarget,
    ): Effect.Effect<ReadonlyArray<ReadonlyArray<number>>, InferenceCallError>;
  }
>()('panops/inference/Embeddings') {
  static readonly layer = Layer.effect(
    Embeddings,
    Effect.gen(function* () {
      const http = yield* HttpClient.HttpClient;

      const embedBatch = (texts: ReadonlyArray<string>, target: EmbeddingTarget, timeoutMs: number) =>
        Effect.gen(function* () {
          const response = yield* postOpenAi(
            target.endpoint,
            '/embeddings',
            { json: { model: target.model, input: texts, encoding_format: 'float' } },
            EmbeddingsResponse,
            { timeoutMs },
          );
          const endpoint = `${target.endpoint.baseUrl}/embeddings`;
          if (response.data.length !== texts.length) {
            return yield* new InferenceResponseInvalid({
              endpoint,
              detail: `sent ${texts.length} inputs, got ${response.data.length} embeddings`,
            });
          }
          const ordered: Array<ReadonlyArray<number>> = new Array(texts.length);
          for (const item of response.data) {
            if (item.embedding.length !== target.dimensions) {
              return yield* new InferenceResponseInvalid({
                endpoint,
                detail: `model ${response.model} returned ${item.embedding.length} dimensions, the index expects ${target.dimensions}`,
              });
            }
            ordered[item.index] = item.embedding;
          }
          if (ordered.some((v) => v === undefined) || Object.keys(ordered).length !== texts.length) {
            return yield* new InferenceResponseInvalid({
              endpoint,
              detail: 'embedding indexes do not cover the inputs',
            });
          }
          return ordered;
        }).pipe(Effect.provideService(HttpClient.HttpClient, http));

      const embed = Effect.fn('Embeddings.embed')(function* (texts: ReadonlyArray<string>, target: EmbeddingTarget) {
        const settings = yield* InferenceSettingsRef;
        const batches: Array<ReadonlyArray<string>> = [];
        for (let i = 0; i < texts.length; i += settings.embeddingBatchSize) {
          batches.push(texts.slice(i, i + settings.embeddingBatchSize));
        }
        const results = yield* Effect.forEach(
          batches,
          (batch) =>
            embedBatch(batch, target, settings.timeoutsMs.embeddings).pipe(withInferenceRetry(settings.vllmRetry)),
          { concurrency: 2 },
        );
        return results.flat();
      });

      return Embeddings.of({ embed });
    }),
  );
}
