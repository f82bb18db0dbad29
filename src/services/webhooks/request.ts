/**
 * A webhook request as the handler sees it, independent of API Gateway or a
 * function URL: the raw body exactly as received (signatures are computed
 * over it), header names lower-cased, and the full public URL (Twilio signs it).
 */
export interface WebhookRequest {
  readonly method: string;
  /** Path as received, for example `/webhooks/slack/<customer id>/<connector id>`. */
  readonly path: string;
  /** The URL the provider called: scheme, host, path and query, exactly as configured at the provider. */
  readonly url: string;
  /** Query parameters (first value of each). */
  readonly query: Readonly<Record<string, string>>;
  /** Headers with lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body, decoded from base64 when the entry point delivered it so. */
  readonly body: string;
}

/** What the handler answers. */
export interface WebhookResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export const jsonResponse = (status: number, body: unknown): WebhookResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export const textResponse = (status: number, body: string): WebhookResponse => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body,
});

/** Lower-cases header names (API Gateway v2 already does; tests and function URLs may not). */
export const lowerCaseHeaders = (headers: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
};
