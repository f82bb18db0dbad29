import { S3Client } from '@aws-sdk/client-s3';
import { NodeServices } from '@effect/platform-node';
import { Console, Effect } from 'effect';
import { Command, Flag } from 'effect/cli';
import { runEntryPoint } from '../common/cli-runner.js';
import { uploadModel } from '../services/models/model-store.js';

/**
 * `npx projen models:upload -- --model <id> --from <folder> --bucket <name>`:
 * puts a model's weights into the shared compute model bucket (the stack's
 * `ModelBucketName` output), where the GPU instances read them at boot.
 * Run with the shared compute account's credentials. Download the model
 * yourself first (for example `hf download openai/whisper-large-v3 --local-dir ./whisper-large-v3`).
 */
const upload = Command.make(
  'upload',
  {
    model: Flag.String('model').pipe(
      Flag.withDescription(
        'Model id as the stacks name it (openai/whisper-large-v3, openai/whisper-medium, Qwen/Qwen2.5-7B-Instruct, BAAI/bge-small-en-v1.5)',
      ),
    ),
    from: Flag.String('from').pipe(Flag.withDescription('Local folder holding the model files')),
    bucket: Flag.String('bucket').pipe(
      Flag.withDescription('The model bucket (output ModelBucketName of the shared compute stack)'),
    ),
  },
  Effect.fn(function* ({ model, from, bucket }) {
    const s3 = new S3Client({});
    const uploaded = yield* uploadModel({ s3, bucket, modelId: model, from }).pipe(
      Effect.ensuring(Effect.sync(() => s3.destroy())),
    );
    yield* Console.log(
      `Uploaded ${model}: ${uploaded.files} files, ${uploaded.bytes} bytes, to s3://${bucket}/${uploaded.prefix} (SHA256SUMS last)`,
    );
  }),
).pipe(Command.withDescription('Upload a model folder and its SHA256SUMS manifest into the model bucket'));

export const models = Command.make('models').pipe(
  Command.withDescription('Model weights for the GPU fleets'),
  Command.withSubcommands([upload]),
);

if (process.argv[1]?.endsWith('models.ts')) {
  runEntryPoint(models.pipe(Command.run({ version: '0.1.0' }), Effect.provide(NodeServices.layer)));
}
