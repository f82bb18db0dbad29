import { Config } from 'effect';
import { RUNTIME_ENV } from '../../contracts/runtime-env.js';

/** The transcription worker's queue (the shared compute contract); a missing URL is a ConfigError naming it. */
export const transcriptionQueueConfig = Config.all({
  queueUrl: Config.String(RUNTIME_ENV.transcriptionJobsQueueUrl),
  /** Where a job that can never succeed is copied with its reason. */
  deadLetterQueueUrl: Config.option(Config.String(RUNTIME_ENV.transcriptionJobsDeadLetterQueueUrl)),
});
