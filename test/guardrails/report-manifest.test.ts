import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_FILE, manifestOf, SIGNATURE_FILE, writeManifest } from '../../src/guardrails/evidence/manifest.js';
import { blueprintSha256 } from '../../src/guardrails/evidence/provenance.js';
import { readSignature, SignatureError, signManifest } from '../../src/guardrails/evidence/signing.js';
import { verifyReportFolder } from '../../src/guardrails/evidence/verify.js';
import { type Moto, startMoto } from '../support/moto.js';

let moto: Moto;
let kms: KMSClient;

/** A report folder like the compliance run writes: the five files, then SHA256SUMS over them. */
const reportFolder = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'report-manifest-'));
  writeFileSync(join(dir, 'report.json'), '{"schemaVersion":"1.3.0"}\n');
  writeFileSync(join(dir, 'report.md'), '# PanOps compliance report\n');
  writeFileSync(join(dir, 'report.html'), '<!DOCTYPE html><title>r</title>\n');
  writeFileSync(join(dir, 'report.sarif'), '{}\n');
  writeFileSync(join(dir, 'junit.xml'), '<testsuites/>\n');
  writeManifest(dir);
  return dir;
};

const sha256sumCheck = (dir: string) =>
  spawnSync('sha256sum', ['-c', '--strict', MANIFEST_FILE], { cwd: dir, encoding: 'utf8' });

const signingKey = async (spec: 'RSA_2048' | 'ECC_NIST_P256'): Promise<string> => {
  const created = await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' }));
  return created.KeyMetadata?.Arn ?? '';
};

beforeAll(async () => {
  moto = await startMoto();
  kms = new KMSClient(moto.client);
});
afterAll(async () => {
  kms?.destroy();
  await moto?.close();
});

describe('SHA256SUMS over the report folder', () => {
  it('lists every report file and verifies with sha256sum -c', () => {
    const dir = reportFolder();
    const manifest = readFileSync(join(dir, MANIFEST_FILE), 'utf8');
    expect(
      manifest
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('  ')[1]),
    ).toEqual(['junit.xml', 'report.html', 'report.json', 'report.md', 'report.sarif']);
    const check = sha256sumCheck(dir);
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('report.json: OK');
    // The same files give the same manifest bytes.
    expect(manifestOf(dir)).toBe(manifest);
  });

  it('a changed report file fails sha256sum -c and compliance:verify names it', async () => {
    const dir = reportFolder();
    appendFileSync(join(dir, 'report.md'), 'All good.\n');
    expect(sha256sumCheck(dir).status).not.toBe(0);
    const result = await verifyReportFolder(dir);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([{ file: 'report.md', problem: 'modified' }]);
  });

  it('a removed or an added file fails verification', async () => {
    const removed = reportFolder();
    execFileSync('rm', [join(removed, 'junit.xml')]);
    expect((await verifyReportFolder(removed)).problems).toEqual([{ file: 'junit.xml', problem: 'missing' }]);
    const added = reportFolder();
    writeFileSync(join(added, 'exceptions-approved.md'), 'all exceptions approved\n');
    expect((await verifyReportFolder(added)).problems).toEqual([
      { file: 'exceptions-approved.md', problem: 'not listed' },
    ]);
  });

  it('the blueprint hash is what sha256sum computes over the folder listing (the command in the report)', () => {
    const shell = execFileSync(
      'bash',
      ['-c', '(cd blueprint && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum'],
      { encoding: 'utf8' },
    );
    expect(blueprintSha256('blueprint')).toBe(shell.split(' ')[0]);
    const copy = mkdtempSync(join(tmpdir(), 'blueprint-'));
    cpSync('blueprint', copy, { recursive: true });
    expect(blueprintSha256(copy)).toBe(blueprintSha256('blueprint'));
    appendFileSync(join(copy, 'organization.yaml'), '# changed\n');
    expect(blueprintSha256(copy)).not.toBe(blueprintSha256('blueprint'));
  });
});

describe('signing the manifest with KMS (moto_server on 127.0.0.1)', () => {
  it('an RSA key signs with RSASSA_PSS_SHA_256; KMS Verify and the public key both accept it', async () => {
    const dir = reportFolder();
    const keyArn = await signingKey('RSA_2048');
    const signature = await signManifest(dir, keyArn, kms);
    expect(signature).toMatchObject({ keyArn, signingAlgorithm: 'RSASSA_PSS_SHA_256', messageType: 'RAW' });
    expect(readSignature(dir)).toEqual(signature);
    // The signature file is not listed in the manifest it signs, and sha256sum -c still passes.
    expect(readFileSync(join(dir, MANIFEST_FILE), 'utf8')).not.toContain(SIGNATURE_FILE);
    expect(sha256sumCheck(dir).status).toBe(0);

    const viaKms = await verifyReportFolder(dir, { kms: () => kms, expectKeyArn: keyArn, requireSignature: true });
    expect(viaKms.signature).toMatchObject({ status: 'valid', via: 'kms' });
    expect(viaKms.ok).toBe(true);
    const pemFile = join(mkdtempSync(join(tmpdir(), 'pub-')), 'key.pem');
    writeFileSync(pemFile, signature.publicKeyPem);
    const offline = await verifyReportFolder(dir, { publicKeyFile: pemFile });
    expect(offline.signature).toMatchObject({ status: 'valid', via: 'public key' });
  });

  it('an ECC P-256 key signs with ECDSA_SHA_256', async () => {
    const dir = reportFolder();
    const signature = await signManifest(dir, await signingKey('ECC_NIST_P256'), kms);
    expect(signature.signingAlgorithm).toBe('ECDSA_SHA_256');
    expect((await verifyReportFolder(dir, { kms: () => kms })).ok).toBe(true);
  });

  it('a tampered report whose manifest was recomputed still fails: the signature no longer matches', async () => {
    const dir = reportFolder();
    const keyArn = await signingKey('RSA_2048');
    const signature = await signManifest(dir, keyArn, kms);
    appendFileSync(join(dir, 'report.md'), 'Exceptions: none.\n');
    writeManifest(dir); // the forger recomputes SHA256SUMS: every hash matches again
    expect(sha256sumCheck(dir).status).toBe(0);
    const viaKms = await verifyReportFolder(dir, { kms: () => kms });
    expect(viaKms.problems).toEqual([]);
    expect(viaKms.signature).toMatchObject({ status: 'invalid' });
    expect(viaKms.ok).toBe(false);
    const pemFile = join(mkdtempSync(join(tmpdir(), 'pub-')), 'key.pem');
    writeFileSync(pemFile, signature.publicKeyPem);
    expect((await verifyReportFolder(dir, { publicKeyFile: pemFile })).ok).toBe(false);
  });

  it('a valid signature by another key fails when the auditor pins the expected key', async () => {
    const dir = reportFolder();
    await signManifest(dir, await signingKey('RSA_2048'), kms);
    const pinned = await verifyReportFolder(dir, { kms: () => kms, expectKeyArn: await signingKey('RSA_2048') });
    expect(pinned.signature).toMatchObject({ status: 'wrong key' });
    expect(pinned.ok).toBe(false);
  });

  it('a symmetric key is refused with a clear error', async () => {
    const created = await kms.send(new CreateKeyCommand({}));
    const error = await signManifest(reportFolder(), created.KeyMetadata?.Arn ?? '', kms).catch((e: Error) => e);
    expect(error).toBeInstanceOf(SignatureError);
    // moto 5.2.1 leaves KeyUsage out of DescribeKey for a default (symmetric) key: the message then says "unknown".
    expect((error as Error).message).toMatch(
      /^KMS key arn:aws:kms:\S+ has KeyUsage (ENCRYPT_DECRYPT|unknown), not SIGN_VERIFY$/,
    );
  });

  it('npx projen compliance:verify exits 0 on an intact signed folder and 1 on a tampered one', async () => {
    const dir = reportFolder();
    await signManifest(dir, await signingKey('RSA_2048'), kms);
    const run = () =>
      spawnSync('npx', ['tsx', 'src/guardrails/verify-cli.ts', dir], {
        encoding: 'utf8',
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_REGION: moto.client.region,
          AWS_ACCESS_KEY_ID: moto.client.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: moto.client.credentials.secretAccessKey,
        },
      });
    const intact = run();
    expect(intact.status, intact.stdout + intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(/signature by arn:aws:kms:.*\(RSASSA_PSS_SHA_256, checked with KMS Verify\): valid/);
    writeFileSync(join(dir, 'report.json'), '{"schemaVersion":"1.3.0","summary":{"outcome":"pass"}}\n');
    const tampered = run();
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toContain('FAILED report.json: modified');
  });
});
