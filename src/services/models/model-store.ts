import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Effect, Schema } from 'effect';
import { MODEL_KEY_PREFIX, MODEL_MANIFEST_FILE } from './layout.js';

/**
 * The model bucket of the shared compute account: every model the GPU fleets
 * serve (Whisper large-v3 and medium, the chat and the embedding model) is read
 * at boot from `models/<model id>/`, never downloaded from a model hub. Beside
 * the weights lies `SHA256SUMS` (sha256sum's format, paths relative to the
 * model's folder); the boot checks every file against it and refuses to start
 * a server whose weights are missing or differ (`images/boot/verify-model.sh`).
 */
export { MODEL_KEY_PREFIX, MODEL_MANIFEST_FILE } from './layout.js';

/** `org/name` as model hubs name models (`openai/whisper-large-v3`, `BAAI/bge-small-en-v1.5`), or a bare name. */
const MODEL_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

export class InvalidModelIdError extends Schema.TaggedError<InvalidModelIdError>()('InvalidModelIdError', {
  modelId: Schema.String,
}) {
  override get message() {
    return `model id ${JSON.stringify(this.modelId)} is not of the form <org>/<name> (letters, digits, '.', '_', '-')`;
  }
}

export class ModelSourceError extends Schema.TaggedError<ModelSourceError>()('ModelSourceError', {
  folder: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `${this.folder}: ${this.reason}`;
  }
}

export class ModelUploadError extends Schema.TaggedError<ModelUploadError>()('ModelUploadError', {
  bucket: Schema.String,
  key: Schema.String,
  cause: Schema.Defect(),
}) {
  override get message() {
    return `upload of s3://${this.bucket}/${this.key} failed: ${String(this.cause)}`;
  }
}

/** `models/<model id>/`: where a model's weights and manifest live in the bucket. */
export const modelKeyPrefix = (modelId: string): Effect.Effect<string, InvalidModelIdError> =>
  MODEL_ID.test(modelId)
    ? Effect.succeed(`${MODEL_KEY_PREFIX}${modelId}/`)
    : Effect.fail(new InvalidModelIdError({ modelId }));

export interface ManifestEntry {
  /** Path relative to the model's folder, with `/` separators. */
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

const sha256OfFile = (file: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });

/** Every file under `folder` (hidden files and folders, such as a hub client's `.cache`, left out), sorted. */
const filesUnder = (folder: string): string[] =>
  readdirSync(folder, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.'))
    .flatMap((entry) => {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) return filesUnder(path);
      return entry.isFile() && entry.name !== MODEL_MANIFEST_FILE ? [path] : [];
    })
    .sort();

/** Hashes every weight file of a model folder (streamed: weights are gigabytes). */
export const manifestOf = (folder: string): Effect.Effect<readonly ManifestEntry[], ModelSourceError> =>
  Effect.gen(function* () {
    if (!existsSync(folder) || !statSync(folder).isDirectory())
      return yield* new ModelSourceError({ folder, reason: 'is not a folder' });
    const files = filesUnder(folder);
    if (files.length === 0) return yield* new ModelSourceError({ folder, reason: 'holds no model files' });
    return yield* Effect.forEach(files, (file) =>
      Effect.tryPromise({
        try: () => sha256OfFile(file),
        catch: (cause) => new ModelSourceError({ folder, reason: `cannot read ${file}: ${String(cause)}` }),
      }).pipe(
        Effect.map((sha256) => ({
          path: relative(folder, file).split(sep).join('/'),
          sha256,
          bytes: statSync(file).size,
        })),
      ),
    );
  });

/** The manifest in sha256sum's format (`<hex>  <path>`), which `sha256sum --check` reads. */
export const formatManifest = (entries: readonly ManifestEntry[]): string =>
  entries.map((entry) => `${entry.sha256}  ${entry.path}\n`).join('');

export interface UploadModelInput {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly modelId: string;
  /** The local folder holding the model (for example a hub client's download). */
  readonly from: string;
}

export interface UploadedModel {
  readonly prefix: string;
  readonly files: number;
  readonly bytes: number;
}

/**
 * Uploads a model's files (multipart for large ones), then its manifest last:
 * until the manifest is there the boot sees the model as missing, so a
 * half-finished upload is never served.
 */
export const uploadModel = Effect.fn('ModelStore.uploadModel')(function* (input: UploadModelInput) {
  const prefix = yield* modelKeyPrefix(input.modelId);
  const entries = yield* manifestOf(input.from);
  const put = (key: string, run: () => Promise<unknown>) =>
    Effect.tryPromise({ try: run, catch: (cause) => new ModelUploadError({ bucket: input.bucket, key, cause }) });
  yield* Effect.forEach(
    entries,
    (entry) => {
      const key = `${prefix}${entry.path}`;
      return put(key, () =>
        new Upload({
          client: input.s3,
          params: { Bucket: input.bucket, Key: key, Body: createReadStream(join(input.from, entry.path)) },
        }).done(),
      );
    },
    { concurrency: 4, discard: true },
  );
  const manifestKey = `${prefix}${MODEL_MANIFEST_FILE}`;
  yield* put(manifestKey, () =>
    input.s3.send(
      new PutObjectCommand({
        Bucket: input.bucket,
        Key: manifestKey,
        Body: formatManifest(entries),
        ContentType: 'text/plain; charset=utf-8',
      }),
    ),
  );
  return {
    prefix,
    files: entries.length,
    bytes: entries.reduce((sum, entry) => sum + entry.bytes, 0),
  } satisfies UploadedModel;
});
