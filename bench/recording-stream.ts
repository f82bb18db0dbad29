/**
 * A large recording (2 GiB by default) goes from a Zoom-style download
 * (Bearer token, 302 to storage, Content-Length) through the Zoom connector
 * into an S3 multipart upload, and peak RSS stays bounded: nothing holds the
 * file whole. The bytes are generated on the fly by a local source server and
 * discarded by a local S3 endpoint that speaks the multipart protocol, so
 * nothing is written to disk. Both servers run in this process: the RSS
 * measured includes them (a stricter bound than the client alone).
 *
 *   npx projen bench:stream                       # 2 GiB
 *   STREAM_BYTES=268435456 npx projen bench:stream  # 256 MiB, quicker
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Effect, Layer, Option } from 'effect';
import { s3LargeObjectArchiveLayer } from '../src/services/archive/large-object.js';
import { makeZoomConnector } from '../src/services/connectors/zoom/connector.js';
import { staticCredentialsLayer } from '../src/services/pipeline/credentials.js';
import { memoryTranscriptionJobsLayer } from '../src/services/queue/transcription-jobs.js';
import { figure, writeBenchResult } from './lib/results.js';

const TOTAL = Number(process.env.STREAM_BYTES ?? 2 * 1024 ** 3);
const PART = 8 * 1024 * 1024;
const QUEUE = 2;
/**
 * The bound we claim on what the transfer adds to the process (tsx, the AWS SDK and
 * Effect alone take ~170 MiB before it starts): constant, whatever the file size.
 */
const GROWTH_LIMIT_MB = Number(process.env.STREAM_RSS_GROWTH_LIMIT_MB ?? 128);
const TOKEN = 'bench-download-token';
const MiB = 1024 * 1024;

/** One MiB of pseudo-random bytes, repeated: the source never allocates more than this. */
const block = (() => {
  const out = Buffer.alloc(MiB);
  let seed = createHash('sha256').update('recording').digest();
  for (let at = 0; at < MiB; at += seed.length) {
    seed.copy(out, at);
    seed = createHash('sha256').update(seed).digest();
  }
  return out;
})();

/** A Readable of `size` bytes made from `block`, honouring backpressure. */
const generated = (size: number) => {
  let sent = 0;
  return new Readable({
    highWaterMark: MiB,
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(MiB, size - sent);
      sent += n;
      this.push(n === MiB ? block : block.subarray(0, n));
    },
  });
};

const listen = async (server: ReturnType<typeof createServer>) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** Zoom's download endpoint: Bearer download token, then a redirect to storage that streams the file. */
const startSource = async () => {
  let base = '';
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/rec/download/')) {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
      res.writeHead(302, { location: `${base}/storage/file.mp4?X-Amz-Signature=x` });
      return void res.end();
    }
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(TOTAL) });
    generated(TOTAL).pipe(res);
  });
  base = await listen(server);
  return { base, close: () => new Promise<void>((r) => server.close(() => r())) };
};

/** Enough of S3 for a multipart upload; part bodies are read and dropped. */
const startSink = async () => {
  const stats = { parts: 0, bytesOnWire: 0 };
  const drain = (req: IncomingMessage) =>
    new Promise<void>((resolve) => {
      req.on('data', (chunk: Buffer) => {
        stats.bytesOnWire += chunk.length;
      });
      req.on('end', resolve);
    });
  const xml = '<?xml version="1.0" encoding="UTF-8"?>';
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://sink');
    const [, bucket, ...rest] = url.pathname.split('/');
    const key = rest.join('/');
    if (req.method === 'HEAD') return void res.writeHead(404).end();
    if (req.method === 'POST' && url.searchParams.has('uploads')) {
      await drain(req);
      res.writeHead(200, { 'content-type': 'application/xml' });
      return void res.end(
        `${xml}<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>bench-upload</UploadId></InitiateMultipartUploadResult>`,
      );
    }
    if (req.method === 'PUT') {
      await drain(req);
      stats.parts += 1;
      res.writeHead(200, { etag: `"part-${url.searchParams.get('partNumber') ?? 'single'}"` });
      return void res.end();
    }
    if (req.method === 'POST' && url.searchParams.has('uploadId')) {
      await drain(req);
      res.writeHead(200, { 'content-type': 'application/xml' });
      return void res.end(
        `${xml}<CompleteMultipartUploadResult><Location>http://sink/${bucket}/${key}</Location><Bucket>${bucket}</Bucket><Key>${key}</Key><ETag>"done-1"</ETag></CompleteMultipartUploadResult>`,
      );
    }
    if (req.method === 'DELETE') return void res.writeHead(204).end();
    res.writeHead(400).end();
  });
  return { base: await listen(server), stats, close: () => new Promise<void>((r) => server.close(() => r())) };
};

const main = async () => {
  const source = await startSource();
  const sink = await startSink();
  const customerId = '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01';
  const layer = Layer.mergeAll(
    staticCredentialsLayer('oauth-not-used'),
    memoryTranscriptionJobsLayer([]),
    s3LargeObjectArchiveLayer({
      targetFor: () => ({ bucket: 'bench-archive', kmsKeyId: 'alias/bench' }),
      client: {
        endpoint: sink.base,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      },
      partSizeBytes: PART,
      queueSize: QUEUE,
    }),
  );
  const meeting = {
    uuid: 'benchMeeting==',
    id: 1,
    host_id: 'host',
    start_time: '2026-11-20T10:00:00Z',
    recording_files: [
      {
        id: 'file-1',
        file_type: 'MP4',
        file_size: TOTAL,
        download_url: `${source.base}/rec/download/file-1`,
        status: 'completed',
      },
    ],
  };
  const job = {
    version: 1 as const,
    jobId: 'bench',
    customerId,
    connectorId: 'zoom-meetings',
    platform: 'zoom',
    kind: 'webhook' as const,
    requestedAt: new Date().toISOString(),
    params: { meeting, downloadToken: TOKEN },
  };

  global.gc?.();
  const baselineMb = process.memoryUsage().rss / MiB;
  let peakMb = baselineMb;
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, process.memoryUsage().rss / MiB);
  }, 50);
  const started = performance.now();
  const page = await Effect.runPromise(
    Effect.flatMap(makeZoomConnector(), (c) => c.fetchPage(job, 'meeting:benchMeeting==', Option.none())).pipe(
      Effect.provide(layer),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  await source.close();
  await sink.close();

  const files = (page.items[0]?.communication.metadata.recordingFiles ?? []) as Array<{ size: number; sha256: string }>;
  const [file] = files;
  if (file?.size !== TOTAL) throw new Error(`archived ${file?.size} bytes, expected ${TOTAL}`);
  const throughput = TOTAL / MiB / seconds;
  const peak = Math.max(peakMb, maxRssMb);
  const growth = peak - baselineMb;
  const result = {
    benchmark: 'recording-stream',
    description: `A ${(TOTAL / 1024 ** 3).toFixed(2)} GiB recording: Zoom download (token + redirect) → Zoom connector → S3 multipart upload (${PART / MiB} MiB parts × ${QUEUE} in flight), source and sink in-process, nothing on disk`,
    figures: [
      figure('peak RSS', 'MiB', [peak], { bytes: TOTAL, partSizeMiB: PART / MiB, queueSize: QUEUE }),
      figure('RSS before the transfer', 'MiB', [baselineMb]),
      figure('RSS growth during the transfer', 'MiB', [growth]),
      figure('throughput', 'MiB/s', [throughput]),
      figure('parts uploaded', 'count', [sink.stats.parts]),
    ],
    notes: [
      `peak RSS ${peak.toFixed(0)} MiB (+${growth.toFixed(0)} MiB over the ${baselineMb.toFixed(0)} MiB before) for ${(TOTAL / MiB).toFixed(0)} MiB streamed; growth limit ${GROWTH_LIMIT_MB} MiB`,
      `sha256 ${file.sha256}`,
    ],
  };
  const path = writeBenchResult(result);
  console.log(JSON.stringify(result, null, 2));
  console.log(`written to ${path}`);
  if (growth > GROWTH_LIMIT_MB) {
    console.error(`FAIL: RSS grew ${growth.toFixed(0)} MiB during the transfer (limit ${GROWTH_LIMIT_MB} MiB)`);
    process.exit(1);
  }
};

await main();
