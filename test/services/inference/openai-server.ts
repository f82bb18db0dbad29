import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeSpeech, tokenize, Vocabulary } from './fake-speech.js';

/**
 * A small HTTP server speaking the three OpenAI-compatible endpoints the way
 * vLLM documents them (`/v1/audio/transcriptions`, `/v1/embeddings`,
 * `/v1/chat/completions`): it validates requests and answers deterministically,
 * so retrieval assertions can be exact. Faults are queued per endpoint: each
 * request takes the next one (a status, a dropped connection, a slow answer).
 */

export type Fault =
  /** Answer normally (to aim a later fault at a later request). */
  | { readonly kind: 'none' }
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: string; readonly message?: string }
  /** Read the request, then destroy the socket without answering (the instance died). */
  | { readonly kind: 'drop' }
  /** Answer normally after `ms` (longer than the client's timeout: a hung server). */
  | { readonly kind: 'delay'; readonly ms: number };

export type Route = 'transcriptions' | 'embeddings' | 'chat';

export interface RecordedRequest {
  readonly route: Route;
  readonly authorization: string | undefined;
  /** Parsed JSON body, or the multipart fields (the file as its byte length). */
  readonly body: Record<string, unknown>;
  /** What the server did: `ok` or the fault kind/status. */
  readonly outcome: string;
}

export interface FakeOpenAiOptions {
  readonly whisperModels?: ReadonlyArray<string>;
  /** Embedding models served (all give the same vectors). @default ['BAAI/bge-small-en-v1.5'] */
  readonly embeddingModels?: ReadonlyArray<string>;
  readonly chatModel?: string;
  readonly dimensions?: number;
  /** Largest audio file accepted (vLLM's default limit is 25 MB). @default 25 MB */
  readonly maxFileBytes?: number;
  /** Longest audio accepted in one request, in seconds. @default unlimited */
  readonly maxAudioSeconds?: number;
  /** Most inputs in one embeddings request. @default 128 */
  readonly maxEmbeddingBatch?: number;
  /** The vocabulary the fake speech is written in. */
  readonly vocabulary?: Vocabulary;
  /** Required bearer token, when set. */
  readonly apiKey?: string;
}

export interface FakeOpenAiServer {
  /** Base URL ending in `/v1`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly faults: Record<Route, Fault[]>;
  readonly vocabulary: Vocabulary;
  readonly dimensions: number;
  close(): Promise<void>;
}

const STOPWORDS = new Set(
  'a an and are as at be by did do does for from has have how i in is it its of on or our say said that the their them they this to was we were what when where which who why will with you your about'.split(
    ' ',
  ),
);

const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
};

/** Content words: what both the fake embedding and the fake chat model look at. */
export const contentWords = (text: string): string[] => tokenize(text).filter((w) => !STOPWORDS.has(w));

/** The deterministic embedding: a signed, hashed bag of content words, L2-normalized. */
export const bagOfWordsEmbedding = (text: string, dimensions: number): number[] => {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of contentWords(text)) {
    const hash = fnv1a(word);
    vector[hash % dimensions] = (vector[hash % dimensions] ?? 0) + (hash & 0x80000000 ? -1 : 1);
  }
  const norm = Math.sqrt(vector.reduce((s, v) => s + v * v, 0));
  // An empty bag still needs a valid unit vector.
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  return vector.map((v) => v / norm);
};

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });

const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** vLLM's error body. */
const errorBody = (status: number, message: string) => ({
  error: {
    message,
    type: status === 404 ? 'NotFoundError' : status >= 500 ? 'InternalServerError' : 'BadRequestError',
    param: null,
    code: status,
  },
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const parseWav = (bytes: Uint8Array): { samples: Int16Array; sampleRate: number } => {
  const buf = Buffer.from(bytes);
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new HttpError(400, 'Invalid or unsupported audio file.');
  }
  let offset = 12;
  let sampleRate = 0;
  let bits = 0;
  let channels = 0;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    if (id === 'fmt ') {
      channels = buf.readUInt16LE(offset + 10);
      sampleRate = buf.readUInt32LE(offset + 12);
      bits = buf.readUInt16LE(offset + 22);
    } else if (id === 'data') {
      if (bits !== 16 || channels !== 1 || offset + 8 + size > buf.length) {
        throw new HttpError(400, 'Invalid or unsupported audio file.');
      }
      const data = buf.subarray(offset + 8, offset + 8 + size);
      const copy = new Int16Array(data.length / 2);
      for (let i = 0; i < copy.length; i++) copy[i] = data.readInt16LE(i * 2);
      return { samples: copy, sampleRate };
    }
    offset += 8 + size + (size % 2);
  }
  throw new HttpError(400, 'Invalid or unsupported audio file.');
};

export const startFakeOpenAiServer = async (options: FakeOpenAiOptions = {}): Promise<FakeOpenAiServer> => {
  const whisperModels = options.whisperModels ?? ['openai/whisper-large-v3', 'openai/whisper-medium'];
  const embeddingModels = options.embeddingModels ?? ['BAAI/bge-small-en-v1.5'];
  const chatModel = options.chatModel ?? 'Qwen/Qwen2.5-7B-Instruct';
  const dimensions = options.dimensions ?? 384;
  const maxFileBytes = options.maxFileBytes ?? 25 * 1024 * 1024;
  const maxBatch = options.maxEmbeddingBatch ?? 128;
  const vocabulary = options.vocabulary ?? new Vocabulary();
  const requests: RecordedRequest[] = [];
  const faults: Record<Route, Fault[]> = { transcriptions: [], embeddings: [], chat: [] };
  let counter = 0;

  const requireModel = (model: unknown, served: ReadonlyArray<string>) => {
    if (typeof model !== 'string' || model === '') throw new HttpError(400, 'model is required');
    if (!served.includes(model)) throw new HttpError(404, `The model \`${model}\` does not exist.`);
  };

  const transcribe = async (req: IncomingMessage, raw: Buffer) => {
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('multipart/form-data')) throw new HttpError(400, 'Expected multipart/form-data');
    const form = await new Request('http://local/', { method: 'POST', headers: { 'content-type': type }, body: raw })
      .formData()
      .catch(() => {
        throw new HttpError(400, 'Malformed multipart body');
      });
    const file = form.get('file');
    const fields: Record<string, unknown> = {};
    for (const [k, v] of form.entries()) fields[k] = typeof v === 'string' ? v : { bytes: v.size, name: v.name };
    return { form, file, fields };
  };

  const handle = async (route: Route, req: IncomingMessage, raw: Buffer, res: ServerResponse) => {
    let body: Record<string, unknown> = {};
    let outcome = 'ok';
    let faulted = false;
    try {
      if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        throw new HttpError(401, 'Unauthorized');
      }
      if (route === 'transcriptions') {
        const { form, file, fields } = await transcribe(req, raw);
        body = fields;
        const fault = faults.transcriptions.shift();
        if (fault && fault.kind !== 'none') {
          faulted = true;
          return applyFault(fault, res, req, route, body);
        }
        requireModel(form.get('model'), whisperModels);
        const format = form.get('response_format') ?? 'json';
        if (!['json', 'text', 'srt', 'verbose_json', 'vtt'].includes(String(format))) {
          throw new HttpError(400, `Unsupported response_format ${String(format)}`);
        }
        if (!(file instanceof Blob) || file.size === 0) throw new HttpError(400, 'file is required');
        if (file.size > maxFileBytes) throw new HttpError(400, 'Maximum file size exceeded.');
        const { samples, sampleRate } = parseWav(new Uint8Array(await file.arrayBuffer()));
        const duration = samples.length / sampleRate;
        if (options.maxAudioSeconds !== undefined && duration > options.maxAudioSeconds) {
          throw new HttpError(400, `Maximum clip duration (${options.maxAudioSeconds}s) exceeded.`);
        }
        const decoded = decodeSpeech(vocabulary, samples, sampleRate);
        const text = decoded.map((s) => s.text).join(' ');
        if (format !== 'verbose_json') return sendJson(res, 200, { text });
        return sendJson(res, 200, {
          task: 'transcribe',
          language: 'en',
          // vLLM serializes the duration as a string.
          duration: duration.toFixed(3),
          text,
          segments: decoded.map((s, id) => ({
            id,
            seek: 0,
            start: s.start,
            end: s.end,
            text: ` ${s.text}`,
            tokens: [],
            temperature: 0,
            avg_logprob: -0.2,
            compression_ratio: 1.1,
            no_speech_prob: 0.01,
          })),
        });
      }

      if (!(req.headers['content-type'] ?? '').includes('application/json')) {
        throw new HttpError(400, 'Expected application/json');
      }
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new HttpError(400, 'Malformed JSON body');
      }
      const fault = faults[route].shift();
      if (fault && fault.kind !== 'none') {
        faulted = true;
        return applyFault(fault, res, req, route, body);
      }

      if (route === 'embeddings') {
        requireModel(body.model, embeddingModels);
        const input = typeof body.input === 'string' ? [body.input] : body.input;
        if (!Array.isArray(input) || input.length === 0 || !input.every((i) => typeof i === 'string')) {
          throw new HttpError(400, 'input must be a string or a non-empty array of strings');
        }
        if (input.length > maxBatch) throw new HttpError(400, `At most ${maxBatch} inputs per request`);
        const tokens = input.reduce((n, i) => n + tokenize(i).length, 0);
        return sendJson(res, 200, {
          id: `embd-${++counter}`,
          object: 'list',
          created: 1_700_000_000,
          model: body.model,
          data: input.map((text, index) => ({
            index,
            object: 'embedding',
            embedding: bagOfWordsEmbedding(text, dimensions),
          })),
          usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0 },
        });
      }

      requireModel(body.model, [chatModel]);
      const messages = body.messages;
      if (
        !Array.isArray(messages) ||
        messages.length === 0 ||
        !messages.every(
          (m) =>
            typeof m === 'object' &&
            m !== null &&
            ['system', 'user', 'assistant'].includes((m as { role: string }).role) &&
            typeof (m as { content: unknown }).content === 'string',
        )
      ) {
        throw new HttpError(400, 'messages must be a non-empty array of {role, content}');
      }
      const content = fakeAnswer(String((messages.at(-1) as { content: string }).content));
      return sendJson(res, 200, {
        id: `chatcmpl-${++counter}`,
        object: 'chat.completion',
        created: 1_700_000_000,
        model: chatModel,
        choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
      });
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      outcome = `error ${status}`;
      sendJson(res, status, errorBody(status, error instanceof Error ? error.message : String(error)));
    } finally {
      if (!faulted) {
        requests.push({ route, authorization: req.headers.authorization, body, outcome });
      }
    }
  };

  const applyFault = async (
    fault: Exclude<Fault, { kind: 'none' }>,
    res: ServerResponse,
    req: IncomingMessage,
    route: Route,
    body: Record<string, unknown>,
  ) => {
    requests.push({
      route,
      authorization: req.headers.authorization,
      body,
      outcome: fault.kind === 'status' ? `fault ${fault.status}` : `fault ${fault.kind}`,
    });
    if (fault.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'delay') {
      await new Promise((r) => setTimeout(r, fault.ms));
      if (!res.destroyed) sendJson(res, 503, errorBody(503, 'too late'));
      return;
    }
    sendJson(
      res,
      fault.status,
      errorBody(fault.status, fault.message ?? 'Service Unavailable'),
      fault.retryAfter ? { 'retry-after': fault.retryAfter } : {},
    );
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const route: Route | undefined =
      path === '/v1/audio/transcriptions'
        ? 'transcriptions'
        : path === '/v1/embeddings'
          ? 'embeddings'
          : path === '/v1/chat/completions'
            ? 'chat'
            : undefined;
    readBody(req).then(
      (raw) => {
        if (!route || req.method !== 'POST') return sendJson(res, 404, errorBody(404, `Not Found: ${path}`));
        return handle(route, req, raw, res).catch((e) => sendJson(res, 500, errorBody(500, String(e))));
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    faults,
    vocabulary,
    dimensions,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/**
 * The fake model's answer: it reads the numbered sources (`[n] ...` lines) and
 * the `Question:` line of the prompt, and cites the source sharing the most
 * content words with the question, quoting its start.
 */
export const fakeAnswer = (prompt: string): string => {
  const question = /Question:\s*(.*)/.exec(prompt)?.[1] ?? prompt;
  const wanted = new Set(contentWords(question));
  let best: { n: string; text: string; score: number } | undefined;
  for (const match of prompt.matchAll(/^\[(\d+)\][^\n]*\n?([^\n]*)/gm)) {
    const [line] = match;
    const n = match[1] ?? '';
    const score = contentWords(line).filter((w) => wanted.has(w)).length;
    if (score > 0 && (!best || score > best.score)) best = { n, text: line.replace(/^\[\d+\]\s*/, ''), score };
  }
  if (!best) return 'The archive does not say.';
  return `According to [${best.n}], ${best.text.slice(0, 120)}`;
};
