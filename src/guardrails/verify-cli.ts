/**
 * `npx projen compliance:verify [-- <report dir>] [--public-key <pem>] [--expect-key <arn>] [--require-signature]`:
 * checks a compliance report folder against its SHA256SUMS (every file's
 * SHA-256, nothing missing, nothing added) and, when SHA256SUMS.sig.json is
 * there, the manifest's signature: with the given public key (offline), else
 * with KMS Verify (credentials with kms:Verify on the key; AWS_ENDPOINT_URL is
 * honoured). Exit 0 verified, 1 not verified, 2 bad usage or folder.
 */
import { parseArgs } from 'node:util';
import { KMSClient } from '@aws-sdk/client-kms';
import { ManifestMissing } from './evidence/manifest.js';
import { SignatureError } from './evidence/signing.js';
import { verifyReportFolder } from './evidence/verify.js';

try {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'public-key': { type: 'string' },
      'expect-key': { type: 'string' },
      'require-signature': { type: 'boolean' },
    },
  });
  const dir = positionals[0] ?? process.env.COMPLIANCE_REPORT_DIR ?? 'compliance-report';
  const result = await verifyReportFolder(dir, {
    ...(values['public-key'] ? { publicKeyFile: values['public-key'] } : {}),
    ...(values['expect-key'] ? { expectKeyArn: values['expect-key'] } : {}),
    requireSignature: values['require-signature'] === true,
    kms: () => new KMSClient({}),
  });
  for (const line of result.lines) console.log(line);
  process.exitCode = result.ok ? 0 : 1;
} catch (error) {
  if (
    error instanceof ManifestMissing ||
    error instanceof SignatureError ||
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    console.error((error as Error).message);
    process.exitCode = 2;
  } else throw error;
}
