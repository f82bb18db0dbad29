import { Effect, Option } from 'effect';
import { parseEmail } from '../../../../src/services/connectors/email/mime.js';
import type { RawItem } from '../../../../src/services/pipeline/communication.js';
import type { Connector } from '../../../../src/services/pipeline/connector.js';
import type { ConnectorError } from '../../../../src/services/pipeline/errors.js';

/** A message as RFC 822 text, numbered so tests can tell them apart. */
export const message = (n: number, extra = ''): string =>
  [
    `Message-ID: <msg-${n}@example.com>`,
    `From: "Sender ${n}" <sender${n}@example.com>`,
    'To: desk@acme.example, compliance@acme.example',
    `Subject: Trade confirmation ${n}`,
    `Date: Mon, 6 Jan 2025 10:${String(n % 60).padStart(2, '0')}:00 +0000`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Confirming trade number ${n}.${extra}`,
    '',
  ].join('\r\n');

/**
 * A connector over an in-memory mailbox, for pipeline tests: the cursor is
 * the index of the next message, pages hold `pageSize` messages. `fault`
 * lets a test fail a given fetch; `delayMs` makes concurrent runs interleave.
 */
export interface MailboxConnector {
  readonly messages: string[];
  readonly fetches: Array<Option.Option<string>>;
  fault: ((cursor: Option.Option<string>, call: number) => ConnectorError | undefined) | undefined;
  readonly make: Effect.Effect<Connector>;
}

export const mailboxConnector = (options: {
  count: number;
  pageSize: number;
  delayMs?: number;
  platform?: string;
}): MailboxConnector => {
  const box: MailboxConnector = {
    messages: Array.from({ length: options.count }, (_, i) => message(i + 1)),
    fetches: [],
    fault: undefined,
    make: Effect.sync(
      (): Connector => ({
        platform: options.platform ?? 'gmail',
        scopes: () => Effect.succeed(['inbox']),
        fetchPage: (_job, _scope, cursor) =>
          Effect.gen(function* () {
            box.fetches.push(cursor);
            const failure = box.fault?.(cursor, box.fetches.length);
            if (failure) return yield* Effect.fail(failure);
            if (options.delayMs) yield* Effect.sleep(options.delayMs);
            const start = Option.match(cursor, { onNone: () => 0, onSome: Number });
            const slice = box.messages.slice(start, start + options.pageSize);
            const items = yield* Effect.promise(() =>
              Promise.all(
                slice.map(async (text, i): Promise<RawItem> => {
                  const raw = new TextEncoder().encode(text);
                  const communication = await parseEmail(raw, { sourceId: `m${start + i}` });
                  if ('reason' in communication) throw new Error(communication.reason);
                  return { sourceId: `m${start + i}`, raw, contentType: 'message/rfc822', communication };
                }),
              ),
            );
            const next = start + slice.length;
            return { items, skipped: [], nextCursor: String(next), done: next >= box.messages.length };
          }),
      }),
    ),
  };
  return box;
};
