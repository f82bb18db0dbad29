import { parentPort } from 'node:worker_threads';
import { type EmailHints, parseEmail } from './mime.js';

/**
 * One thread of the email parse pool (`parse-pool.ts`): parses what it is
 * sent with the very same `parseEmail` as the main thread and posts back the
 * normalized message (Dates and byte arrays survive the structured clone).
 */
interface Request {
  readonly id: number;
  readonly raw: Uint8Array;
  readonly hints: EmailHints;
}

parentPort?.on('message', (request: Request) => {
  parseEmail(request.raw, request.hints).then(
    (result) => parentPort?.postMessage({ id: request.id, result }),
    (error: unknown) => parentPort?.postMessage({ id: request.id, error: String(error) }),
  );
});
