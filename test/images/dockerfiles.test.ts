import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type JSONInstruction } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import {
  IMAGE_BUNDLE_FILE,
  prepareImageContext,
  WORKER_IMAGES,
  type WorkerImageName,
  workerImageFiles,
} from '../../src/common/image-context.js';
import { loadBlueprint } from '../../src/config/load.js';
import { WHISPER_CUSTOMERS_ENV, WHISPER_CUSTOMERS_FILE } from '../../src/contracts/whisper-customers.js';

/**
 * No container engine runs here, so the worker images are checked as their
 * builder would read them: the Dockerfile parsed by a maintained parser, the
 * build context as synth writes it, and the .dockerignore that decides what
 * reaches the builder. A GitHub workflow job builds both for real.
 */
const dockerfileOf = (name: WorkerImageName) =>
  DockerfileParser.parse(readFileSync(join(WORKER_IMAGES[name].context, 'Dockerfile'), 'utf8'));

const names = Object.keys(WORKER_IMAGES) as WorkerImageName[];

describe.each(names)('the %s image', (name) => {
  const dockerfile = dockerfileOf(name);
  const instructions = dockerfile.getInstructions();

  it('pins every base image by digest', () => {
    const froms = dockerfile.getFROMs();
    expect(froms.length).toBeGreaterThan(0);
    for (const from of froms) expect(from.getImageDigest()).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('runs as a non-root user', () => {
    const users = instructions.filter((i) => i.getKeyword() === 'USER');
    const last = users.at(-1)?.getArgumentsContent();
    expect(last).toBeDefined();
    expect(['root', '0', '0:0', 'root:root']).not.toContain(last);
  });

  it('starts the bundled entry point, which the build context holds', () => {
    const [entrypoint] = dockerfile.getENTRYPOINTs() as JSONInstruction[];
    const argv = entrypoint?.getJSONStrings().map((s) => s.getJSONValue());
    expect(argv?.[0]).toBe('node');
    // COPY dist/ <target>/ puts the bundle at <target>/main.mjs: that is what the entry point runs.
    const copy = dockerfile.getCOPYs().find((c) => c.getArguments()[0]?.getValue() === 'dist/');
    const target = copy?.getArguments()[1]?.getValue();
    expect(target).toBeDefined();
    expect(argv?.[1]).toBe(`${target?.replace(/\/$/, '')}/${IMAGE_BUNDLE_FILE}`);
  });

  it('bundles everything the entry point imports: the image needs only Node.js built-ins and the files it is given', () => {
    const files = { 'carried.json': `{"image":"${name}"}\n` };
    const context = prepareImageContext(name, files);
    expect(context.runtimeImports.length).toBeGreaterThan(0);
    for (const specifier of context.runtimeImports) expect(specifier).toMatch(/^(node:)?[a-z_0-9/]+$/);
    expect(readdirSync(join(context.directory, 'dist')).sort()).toEqual(['carried.json', IMAGE_BUNDLE_FILE]);
    expect(readFileSync(join(context.directory, 'dist', 'carried.json'), 'utf8')).toBe(files['carried.json']);
    for (const file of ['Dockerfile', '.dockerignore'])
      expect(readFileSync(join(context.directory, file), 'utf8')).toBe(
        readFileSync(join(WORKER_IMAGES[name].context, file), 'utf8'),
      );
  });

  it('stages one build context per content: other files, another folder; the same files, the same folder, untouched', () => {
    const first = prepareImageContext(name, { 'carried.json': '{"n":1}\n' });
    const other = prepareImageContext(name, { 'carried.json': '{"n":2}\n' });
    expect(other.directory).not.toBe(first.directory);
    expect(readFileSync(join(first.directory, 'dist', 'carried.json'), 'utf8')).toBe('{"n":1}\n');
    const before = statSync(join(first.directory, 'dist', IMAGE_BUNDLE_FILE)).mtimeMs;
    expect(prepareImageContext(name, { 'carried.json': '{"n":1}\n' }).directory).toBe(first.directory);
    expect(statSync(join(first.directory, 'dist', IMAGE_BUNDLE_FILE)).mtimeMs).toBe(before);
  });

  it('sends the builder only the Dockerfile and the bundle', () => {
    const ignore = readFileSync(join(WORKER_IMAGES[name].context, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    expect(ignore).toEqual(['*', '!Dockerfile', '!dist/']);
  });

  it('trusts Amazon RDS certificates for TLS to Aurora', () => {
    const env = dockerfile.getENVs().flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()]));
    const extraCa = Object.fromEntries(env).NODE_EXTRA_CA_CERTS;
    const add = instructions.find((i) => i.getKeyword() === 'ADD' && i.getArgumentsContent()?.includes('rds'));
    expect(add?.getArgumentsContent()).toContain('https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem');
    expect(
      add
        ?.getArgumentsContent()
        ?.trim()
        .endsWith(extraCa ?? '<unset>'),
    ).toBe(true);
  });
});

describe('the transcription-worker image', () => {
  it('installs ffmpeg (compressed recordings are decoded with it; the boot refuses an image without it)', () => {
    const runs = dockerfileOf('transcriptionWorker')
      .getInstructions()
      .filter((i) => i.getKeyword() === 'RUN')
      .map((i) => i.getArgumentsContent() ?? '');
    expect(runs.some((run) => /apt-get install\b[^&]*\bffmpeg\b/.test(run))).toBe(true);
  });

  it('reads the customers file it carries, where COPY dist/ puts it', () => {
    const dockerfile = dockerfileOf('transcriptionWorker');
    const env = Object.fromEntries(
      dockerfile.getENVs().flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()])),
    );
    const copy = dockerfile.getCOPYs().find((c) => c.getArguments()[0]?.getValue() === 'dist/');
    const target = copy?.getArguments()[1]?.getValue()?.replace(/\/$/, '');
    expect(env[WHISPER_CUSTOMERS_ENV]).toBe(`${target}/${WHISPER_CUSTOMERS_FILE}`);
    expect(env.PANOPS_BLUEPRINT_DIR).toBeUndefined();
  });
});

describe('what the transcription worker image carries', () => {
  it("each customer's id and Whisper model only: other settings leave the image as it was, a model change does not", () => {
    const customers = loadBlueprint('blueprint').customers;
    const files = workerImageFiles(customers).transcriptionWorker;
    const retuned = customers.map((c) => ({ ...c, retentionDays: c.retentionDays + 1, connectors: [] }));
    expect(workerImageFiles(retuned).transcriptionWorker).toEqual(files);
    const remodelled = customers.map((c, i) =>
      i === 0 ? { ...c, whisperModel: c.whisperModel === 'medium' ? ('large-v3' as const) : ('medium' as const) } : c,
    );
    expect(workerImageFiles(remodelled).transcriptionWorker).not.toEqual(files);
    expect(JSON.parse(files[WHISPER_CUSTOMERS_FILE] ?? '[]')).toHaveLength(customers.length);
  });
});
