import { readFileSync } from 'node:fs';
import { Schema } from 'effect';
import { loadBlueprint } from '../../config/load.js';
import { WhisperModel } from '../../config/schema.js';
import {
  parseWhisperCustomers,
  WHISPER_CUSTOMERS_ENV,
  WhisperCustomersInvalid,
} from '../../contracts/whisper-customers.js';
import type { CustomerRef } from '../inference/indexer.js';

const isWhisperModel = Schema.is(WhisperModel);

/**
 * The customers a transcription worker serves, with their Whisper models:
 * from the file its image carries (`PANOPS_WHISPER_CUSTOMERS_FILE`, written
 * at synth from the blueprint), or, run outside the image, from the
 * blueprint itself (`PANOPS_BLUEPRINT_DIR`, default `blueprint`). A file that
 * is missing or malformed, or names a model the blueprint schema does not
 * know, stops the worker at start with the file and entry named.
 */
export const customersServed = (env: NodeJS.ProcessEnv): readonly CustomerRef[] => {
  const file = env[WHISPER_CUSTOMERS_ENV];
  if (!file) return loadBlueprint(env.PANOPS_BLUEPRINT_DIR ?? 'blueprint').customers;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new WhisperCustomersInvalid(
      file,
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  return parseWhisperCustomers(text, file).map(({ id, whisperModel }, index) => {
    if (!isWhisperModel(whisperModel))
      throw new WhisperCustomersInvalid(
        file,
        `entry ${index} (${id}): unknown Whisper model ${JSON.stringify(whisperModel)}`,
      );
    return { id, whisperModel };
  });
};
