import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeServices } from '@effect/platform-node';
import { Effect } from 'effect';
import { Command } from 'effect/cli';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openLocalPipeline } from '../../src/cli/local-pipeline.js';
import { panops, withoutProjenSeparator } from '../../src/cli/panops.js';

const EXPORT = fileURLToPath(new URL('../services/connectors/import/fixtures/export', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'panops-home-'));
const ACME = '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01';
const COBALT = 'c4d2e6f8-0a1b-4c3d-8e5f-7a9b1c3d5e03';

/** Runs `panops <args>` as the shell would, returning what it printed. */
const cli = async (...args: string[]) => {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    lines.push(a.join(' '));
  });
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    lines.push(a.join(' '));
  });
  try {
    await Effect.runPromise(
      Command.runWith(panops, { version: 'test' })(args).pipe(Effect.provide(NodeServices.layer)) as Effect.Effect<
        void,
        unknown
      >,
    );
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
  return lines.join('\n');
};

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('panops CLI on the embedded layers', () => {
  it('ingest imports a mail export for a blueprint customer and reports skipped files by path', async () => {
    const out = await cli('ingest', '--customer', 'acme-capital', '--import', EXPORT, '--home', home);
    expect(out).toContain('6 stored, 1 already there, 4 skipped');
    expect(out).toContain('skipped garbage.eml');
    expect(out).toContain('skipped archive.mbox#3');
  });

  it('search finds the ingested message for its customer and nothing for another customer', async () => {
    const acme = await cli('search', '--customer', 'acme-capital', '--home', home, 'settlement instructions');
    expect(acme).toMatch(/carol@acme\.example\s+Settlement instructions/);
    const cobalt = await cli('search', '--customer', 'cobalt-advisors', '--home', home, 'settlement instructions');
    expect(cobalt).toContain('No communications of cobalt-advisors match');
  });

  it('every search is written to the audit log of the customer who searched', async () => {
    const pipeline = await openLocalPipeline({ home });
    try {
      const { TenantSql } = await import('../../src/services/db/tenant-sql.js');
      const audit = (customerId: string) =>
        pipeline.runtime.runPromise(
          Effect.gen(function* () {
            const tenant = yield* TenantSql;
            return yield* tenant.withCustomer(
              customerId,
              tenant.sql<{ query: string }>`SELECT query FROM audit_log WHERE action = 'search' ORDER BY occurred_at`,
            );
          }),
        );
      expect((await audit(ACME)).map((r) => r.query)).toEqual(['settlement instructions']);
      expect((await audit(COBALT)).map((r) => r.query)).toEqual(['settlement instructions']);
    } finally {
      await pipeline.close();
    }
  });

  it('refuses a customer that is not in the blueprint, naming the known ones', async () => {
    await expect(cli('search', '--customer', 'nobody', '--home', home, 'x')).rejects.toThrow(/acme-capital/);
  });
});

describe('panops through projen', () => {
  it('drops the `--` projen passes on, before or right after the subcommand, and nothing else', () => {
    expect(withoutProjenSeparator(['reconcile', '--', '--customer', 'acme'])).toEqual([
      'reconcile',
      '--customer',
      'acme',
    ]);
    expect(withoutProjenSeparator(['--', 'hold', '--customer', 'acme'])).toEqual(['hold', '--customer', 'acme']);
    expect(withoutProjenSeparator(['ingest', '--customer', 'acme', '--', '-file'])).toEqual([
      'ingest',
      '--customer',
      'acme',
      '--',
      '-file',
    ]);
  });

  it('runs `npx projen panops reconcile -- --customer <slug>` as the issue writes it (the flags reach the command)', async () => {
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>(
      (done) => {
        const child = spawn('npx', ['projen', 'panops', 'reconcile', '--', '--customer', 'no-such-customer'], {
          cwd: fileURLToPath(new URL('../..', import.meta.url)),
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => {
          out += d;
        });
        child.stderr.on('data', (d) => {
          err += d;
        });
        child.on('close', (c) => done({ stdout: out, stderr: err, code: c }));
      },
    );
    expect(code).not.toBe(0);
    expect(`${stdout}${stderr}`).toContain('no customer "no-such-customer" in blueprint');
    expect(`${stdout}${stderr}`).not.toContain('Missing required flag');
  }, 60_000);
});
