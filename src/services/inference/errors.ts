import { Schema } from 'effect';

/**
 * Failures of a call to an OpenAI-compatible server (Whisper, vLLM). Each
 * names the endpoint so an operator knows which fleet to look at; the
 * retryable ones carry what the backoff needs.
 */

/** The server is not serving yet (503 while a GPU instance boots, 502/504 from the load balancer, refused or reset connections). Retry. */
export class InferenceUnavailable extends Schema.TaggedError<InferenceUnavailable>()('InferenceUnavailable', {
  endpoint: Schema.String,
  /** HTTP status, absent when the connection itself failed. */
  status: Schema.optional(Schema.Number),
  detail: Schema.String,
  /** Server's Retry-After, in milliseconds, when it sent one. */
  retryAfterMs: Schema.optional(Schema.Number),
}) {
  override get message() {
    return `${this.endpoint} unavailable${this.status ? ` (${this.status})` : ''}: ${this.detail}`;
  }
}

/** The server did not answer within the request timeout. Retry. */
export class InferenceTimeout extends Schema.TaggedError<InferenceTimeout>()('InferenceTimeout', {
  endpoint: Schema.String,
  timeoutMs: Schema.Number,
}) {
  override get message() {
    return `${this.endpoint} did not answer within ${this.timeoutMs} ms`;
  }
}

/** 429: the server is saturated. Retry after the delay it asks for. */
export class InferenceRateLimited extends Schema.TaggedError<InferenceRateLimited>()('InferenceRateLimited', {
  endpoint: Schema.String,
  retryAfterMs: Schema.optional(Schema.Number),
}) {
  override get message() {
    return `${this.endpoint} rate limited (429)${this.retryAfterMs !== undefined ? `, retry after ${this.retryAfterMs} ms` : ''}`;
  }
}

/** 4xx other than 429: the request itself is wrong (unknown model, bad audio, too large). Never retried. */
export class InferenceRejected extends Schema.TaggedError<InferenceRejected>()('InferenceRejected', {
  endpoint: Schema.String,
  status: Schema.Number,
  /** The server's error message (vLLM's `error.message`). */
  detail: Schema.String,
}) {
  override get message() {
    return `${this.endpoint} refused the request (${this.status}): ${this.detail}`;
  }
}

/** A 2xx answer that does not have the documented shape. Never retried: the same request gets the same answer. */
export class InferenceResponseInvalid extends Schema.TaggedError<InferenceResponseInvalid>()(
  'InferenceResponseInvalid',
  {
    endpoint: Schema.String,
    detail: Schema.String,
  },
) {
  override get message() {
    return `${this.endpoint} answered with an unexpected body: ${this.detail}`;
  }
}

export type InferenceCallError =
  | InferenceUnavailable
  | InferenceTimeout
  | InferenceRateLimited
  | InferenceRejected
  | InferenceResponseInvalid;

export type RetryableInferenceError = InferenceUnavailable | InferenceTimeout | InferenceRateLimited;

export const isRetryableInferenceError = (error: InferenceCallError): error is RetryableInferenceError =>
  error._tag === 'InferenceUnavailable' || error._tag === 'InferenceTimeout' || error._tag === 'InferenceRateLimited';
