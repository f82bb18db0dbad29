import { Context, Effect, Layer, Schema } from 'effect';
import { HttpClient } from 'effect/http';
import { type InferenceCallError, InferenceResponseInvalid } from './errors.js';
import { type Endpoint, postOpenAi, withInferenceRetry } from './openai-http.js';
import { InferenceSettingsRef } from './settings.js';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

const ChatCompletionResponse = Schema.Struct({
  model: Schema.String,
  choices: Schema.Array(
    Schema.Struct({
      index: Schema.Int,
      message: Schema.Struct({ role: Schema.String, content: Schema.NullOr(Schema.String) }),
      finish_reason: Schema.NullOr(Schema.String),
    }),
  ),
  usage: Schema.optional(
    Schema.Struct({ prompt_tokens: Schema.Number, completion_tokens: Schema.Number, total_tokens: Schema.Number }),
  ),
});

export interface ChatRequest {
  readonly endpoint: Endpoint;
  readonly model: string;
  readonly messages: ReadonlyArray<ChatMessage>;
  /** @default 0 (answers over an archive should be reproducible) */
  readonly temperature?: number;
  /** @default 512 */
  readonly maxTokens?: number;
}

export interface ChatAnswer {
  readonly content: string;
  readonly model: string;
  readonly finishReason: string | null;
}

/** `POST /v1/chat/completions` against vLLM, with the vLLM retry policy. */
export class Chat extends Context.Service<
  Chat,
  { complete(request: ChatRequest): Effect.Effect<ChatAnswer, InferenceCallError> }
>()('panops/inference/Chat') {
  static readonly layer = Layer.effect(
    Chat,
    Effect.gen(function* () {
      const http = yield* HttpClient.HttpClient;
      const complete = Effect.fn('Chat.complete')(function* (request: ChatRequest) {
        const settings = yield* InferenceSettingsRef;
        const response = yield* postOpenAi(
          request.endpoint,
          '/chat/completions',
          {
            json: {
              model: request.model,
              messages: request.messages,
              temperature: request.temperature ?? 0,
              max_tokens: request.maxTokens ?? 512,
            },
          },
          ChatCompletionResponse,
          { timeoutMs: settings.timeoutsMs.chat },
        ).pipe(withInferenceRetry(settings.vllmRetry), Effect.provideService(HttpClient.HttpClient, http));
        const choice = response.choices[0];
        if (!choice || choice.message.content === null) {
          return yield* new InferenceResponseInvalid({
            endpoint: `${request.endpoint.baseUrl}/chat/completions`,
            detail: 'the completion has no message content',
          });
        }
        return { content: choice.message.content, model: response.model, finishReason: choice.finish_reason };
      });
      return Chat.of({ complete });
    }),
  );
}
