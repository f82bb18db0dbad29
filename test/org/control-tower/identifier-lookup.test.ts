import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CustomResourceEvent } from '../../../src/data-plane/migration-hook/custom-resource.js';
import { loadControlCatalog } from '../../../src/org/control-tower/control-catalog.js';
import { controlCatalogClient } from '../../../src/org/control-tower/control-catalog-api.js';
import { handleLookupEvent } from '../../../src/org/control-tower/identifier-lookup/handler.js';
import { GLOBAL_CONTROL_ARN } from '../../../src/org/control-tower/identifier-lookup/resolve.js';

/**
 * A local server speaking Control Catalog's REST-JSON ListControls
 * (POST /list-controls?maxResults&nextToken; Controls[], NextToken; errors
 * named in x-amzn-errortype), so the lookup is exercised at the wire:
 * signing, paging, throttling and the answer to CloudFormation.
 */
interface Recorded {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string;
}

const real = loadControlCatalog().controls.map((c) => c.id);
/** A catalog of 250 controls: filler first, the real aliases spread over the last pages. */
const catalogControls = [
  ...Array.from({ length: 226 }, (_, i) => ({
    Arn: `arn:aws:controlcatalog:::control/filler${String(i).padStart(6, '0')}`,
    Aliases: [`SH.FILLER.${i}`],
    Name: `filler ${i}`,
  })),
  ...real.map((alias, i) => ({
    Arn: `arn:aws:controlcatalog:::control/${(`x${i}${alias}`.toLowerCase().replace(/[^a-z0-9]/g, '') + 'pad0000000').slice(0, 24)}`,
    Aliases: [alias, `SH.OTHER.${i}`],
    Name: alias,
  })),
];

let server: Server;
let endpoint: string;
let requests: Recorded[];
/** How the next requests are answered before the catalog is served: a queue of error answers. */
let failures: { status: number; type: string }[];

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(body));
  });

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    await readBody(req);
    requests.push({ path: url.pathname, query: url.searchParams, authorization: String(req.headers.authorization) });
    const failure = failures.shift();
    if (failure) {
      res.writeHead(failure.status, {
        'content-type': 'application/json',
        'x-amzn-errortype': `${failure.type}:http://internal.amazon.com/coral/com.amazonaws.controlcatalog/`,
      });
      res.end(JSON.stringify({ message: 'Rate exceeded' }));
      return;
    }
    if (req.method !== 'POST' || url.pathname !== '/list-controls') {
      res.writeHead(404, { 'x-amzn-errortype': 'UnknownOperationException' }).end('{}');
      return;
    }
    const max = Math.min(Number(url.searchParams.get('maxResults') ?? 100), 100);
    const start = Number(url.searchParams.get('nextToken') ?? 0);
    const page = catalogControls.slice(start, start + max);
    const next = start + max < catalogControls.length ? String(start + max) : undefined;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ Controls: page, ...(next ? { NextToken: next } : {}) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests = [];
  failures = [];
});

const client = () =>
  controlCatalogClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
  });
const fastRetry = { base: '1 millis', cap: '5 millis', times: 3 } as const;
const event = (aliases: unknown, type: CustomResourceEvent['RequestType'] = 'Create'): CustomResourceEvent => ({
  RequestType: type,
  ResponseURL: 'http://127.0.0.1:1/unused',
  StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/PanOps-Organization/x',
  RequestId: 'r-1',
  LogicalResourceId: 'Identifiers1',
  ResourceType: 'Custom::PanOpsControlIdentifiers',
  ResourceProperties: { ServiceToken: 'arn', Aliases: aliases },
});

describe('control identifier lookup against a Control Catalog speaking REST-JSON', () => {
  it('reads every page of ListControls, signed with SigV4 for controlcatalog, and answers each alias its global ARN', async () => {
    const response = await handleLookupEvent(event(real), client(), fastRetry);
    expect(response.Status).toBe('SUCCESS');
    expect(requests.map((r) => r.query.get('nextToken'))).toEqual([null, '100', '200']);
    for (const r of requests) {
      expect(r.path).toBe('/list-controls');
      expect(r.query.get('maxResults')).toBe('100');
      expect(r.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/controlcatalog\/aws4_request/,
      );
    }
    const data = response.Data ?? {};
    expect(Object.keys(data).sort()).toEqual([...real].sort());
    for (const alias of real) {
      expect(data[alias], alias).toMatch(GLOBAL_CONTROL_ARN);
      expect(data[alias]).toBe(catalogControls.find((c) => c.Aliases.includes(alias))?.Arn);
    }
    // Well-formed and unique: one control per alias.
    expect(new Set(Object.values(data)).size).toBe(real.length);
    // CloudFormation keeps 4,096 bytes of an answer; the construct asks for 20 aliases at most.
    expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThan(4_096);
  });

  it('fails the deploy naming an alias no control has, after reading the whole catalog', async () => {
    const response = await handleLookupEvent(event(['CT.S3.PR.1', 'CT.NOPE.PR.99']), client(), fastRetry);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/ControlAliasesNotFound: .*CT\.NOPE\.PR\.99 \(read all 250 controls\)/);
    expect(response.Data).toBeUndefined();
    expect(requests).toHaveLength(3);
  });

  it('retries a throttled ListControls with backoff and then succeeds', async () => {
    failures = [
      { status: 429, type: 'ThrottlingException' },
      { status: 429, type: 'ThrottlingException' },
    ];
    const response = await handleLookupEvent(event(['CT.S3.PR.1']), client(), fastRetry);
    expect(response.Status).toBe('SUCCESS');
    // Two throttled answers, then the three pages.
    expect(requests).toHaveLength(5);
  });

  it('fails with the throttling named when the catalog keeps throttling past the retries', async () => {
    failures = Array.from({ length: 10 }, () => ({ status: 429, type: 'ThrottlingException' }));
    const response = await handleLookupEvent(event(['CT.S3.PR.1']), client(), fastRetry);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/AwsThrottled: controlcatalog:ListControls was throttled \(ThrottlingException\)/);
    expect(requests).toHaveLength(4);
  });

  it('does not retry an access denial, and says which call failed', async () => {
    failures = [{ status: 403, type: 'AccessDeniedException' }];
    const response = await handleLookupEvent(event(['CT.S3.PR.1']), client(), fastRetry);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/AwsAccessDenied: Access denied to controlcatalog:ListControls/);
    expect(requests).toHaveLength(1);
  });

  it('refuses an alias that names two controls instead of picking one', async () => {
    const response = await handleLookupEvent(event(['SH.FILLER.1', 'CT.S3.PR.1']), client(), fastRetry);
    expect(response.Status).toBe('SUCCESS');
    catalogControls.push({
      Arn: 'arn:aws:controlcatalog:::control/duplicate0000001',
      Aliases: ['CT.S3.PR.1'],
      Name: 'dup',
    });
    try {
      const twice = await handleLookupEvent(event(['CT.S3.PR.1']), client(), fastRetry);
      expect(twice.Status).toBe('FAILED');
      expect(twice.Reason).toMatch(/CT\.S3\.PR\.1 cannot be resolved: more than one control has this alias/);
    } finally {
      catalogControls.pop();
    }
  });

  it('answers Delete without calling the catalog, and refuses properties without aliases', async () => {
    const deleted = await handleLookupEvent(event(['CT.S3.PR.1'], 'Delete'), client(), fastRetry);
    expect(deleted.Status).toBe('SUCCESS');
    expect(requests).toHaveLength(0);
    const bad = await handleLookupEvent(event([]), client(), fastRetry);
    expect(bad.Status).toBe('FAILED');
    expect(bad.Reason).toMatch(/Aliases: expected a non-empty list/);
  });
});
