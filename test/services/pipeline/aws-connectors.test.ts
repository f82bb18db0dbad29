import { Effect } from 'effect';
import { describe, expect, it } from 'vitest';
import { CustomerDirectory } from '../../../src/services/directory/customer-directory.js';
import { memoryCustomerDirectoryLayer } from '../../../src/services/directory/local.js';
import { awsConnectors, awsPipelineConfig } from '../../../src/services/pipeline/aws-environment.js';
import { Connectors } from '../../../src/services/pipeline/connector.js';
import { readConfig } from '../../support/config.js';

const settings = readConfig(awsPipelineConfig, {
  PANOPS_CONNECTOR_JOBS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/100000000010/panops-connector-jobs',
  PANOPS_TRANSCRIPTION_JOBS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/100000000010/panops-transcription-jobs',
  PANOPS_CURSOR_TABLE_NAME: 'panops-cursors',
});

const connectorsService = Effect.gen(function* () {
  return yield* Connectors;
});

describe('the connectors the AWS workers run', () => {
  it('cover every platform a blueprint can configure, email and messaging alike', async () => {
    const platforms = await Effect.runPromise(
      Effect.gen(function* () {
        const directory = yield* CustomerDirectory;
        const connectors = yield* Effect.provide(connectorsService, awsConnectors(settings, directory));
        return [...connectors.platforms].sort();
      }).pipe(Effect.provide(memoryCustomerDirectoryLayer([]))),
    );
    expect(platforms).toEqual(['gmail', 'm365', 'slack', 'teams', 'twilio', 'zoom']);
  });

  it('refuses a job for a platform it does not run, as a bad payload', async () => {
    const error = await Effect.runPromise(
      Effect.gen(function* () {
        const directory = yield* CustomerDirectory;
        const connectors = yield* Effect.provide(connectorsService, awsConnectors(settings, directory));
        return yield* Effect.flip(connectors.forPlatform('fax'));
      }).pipe(Effect.provide(memoryCustomerDirectoryLayer([]))),
    );
    expect(error._tag).toBe('BadPayload');
    expect(error.reason).toContain('no connector for platform "fax"');
  });
});
