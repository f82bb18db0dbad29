/**
 * What the transcription worker image carries about customers: each one's id
 * and Whisper model, nothing else. Synth writes it into the image's build
 * context; the worker reads it at start. Only a change of these two fields
 * changes the image, so a customer's retention, connectors or database size
 * never rebuild and roll the GPU fleet.
 */
export interface WhisperCustomer {
  readonly id: string;
  readonly whisperModel: string;
}

/** The file's name in the image's `dist/`. */
export const WHISPER_CUSTOMERS_FILE = 'whisper-customers.json';
/** The environment variable the image's Dockerfile sets to the file's path (unset: the worker reads the blueprint). */
export const WHISPER_CUSTOMERS_ENV = 'PANOPS_WHISPER_CUSTOMERS_FILE';

/** The file is not a list of `{ id, whisperModel }`: the message names the file and the entry. */
export class WhisperCustomersInvalid extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'WhisperCustomersInvalid';
  }
}

/** The file's bytes: sorted by id, so the same customers always give the same image. */
export const whisperCustomersJson = (customers: readonly WhisperCustomer[]): string =>
  `${JSON.stringify(
    [...customers]
      .map((c) => ({ id: c.id, whisperModel: c.whisperModel }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    null,
    2,
  )}\n`;

/** The file read back; throws WhisperCustomersInvalid naming the file and the entry that is not `{ id, whisperModel }`. */
export const parseWhisperCustomers = (text: string, file: string): WhisperCustomer[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new WhisperCustomersInvalid(file, `not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new WhisperCustomersInvalid(file, 'expected a list of { id, whisperModel }');
  return parsed.map((entry, index) => {
    const { id, whisperModel } = (entry ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || id === '')
      throw new WhisperCustomersInvalid(file, `entry ${index}: id must be a non-empty string`);
    if (typeof whisperModel !== 'string' || whisperModel === '')
      throw new WhisperCustomersInvalid(file, `entry ${index} (${id}): whisperModel must be a non-empty string`);
    return { id, whisperModel };
  });
};
