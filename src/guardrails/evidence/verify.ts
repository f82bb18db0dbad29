import { readFileSync } from 'node:fs';
import type { KMSClient } from '@aws-sdk/client-kms';
import { type ManifestProblem, verifyManifest } from './manifest.js';
import { readSignature, verifyWithKms, verifyWithPublicKeyPem } from './signing.js';

export interface VerifyOptions {
  /** A public key (PEM file) obtained from the key's owner: check the signature offline with it. */
  readonly publicKeyFile?: string;
  /** Refuse the folder unless it is signed by this key ARN. */
  readonly expectKeyArn?: string;
  /** Refuse an unsigned folder. */
  readonly requireSignature?: boolean;
  /** Builds the KMS client for KMS Verify (only called when the signature is checked through KMS). */
  readonly kms?: () => KMSClient;
}

export interface VerifyResult {
  readonly ok: boolean;
  /** Files listed in SHA256SUMS and checked. */
  readonly checked: number;
  readonly problems: readonly ManifestProblem[];
  readonly signature:
    | { readonly status: 'absent' }
    | {
        readonly status: 'valid' | 'invalid' | 'wrong key';
        readonly keyArn: string;
        readonly algorithm: string;
        readonly via: 'kms' | 'public key';
      };
  /** Human-readable lines, as the CLI prints them. */
  readonly lines: readonly string[];
}

/**
 * `compliance:verify`: every file against SHA256SUMS (content, presence, no
 * extra file), then the manifest's signature when there is one — with the
 * auditor's public key if given, else through KMS Verify.
 */
export const verifyReportFolder = async (dir: string, options: VerifyOptions = {}): Promise<VerifyResult> => {
  const { manifest, problems, checked } = verifyManifest(dir);
  const lines = [
    `${dir}/SHA256SUMS: ${checked} files listed`,
    ...problems.map((p) => `  FAILED ${p.file}: ${p.problem}`),
  ];
  const signature = readSignature(dir);
  let signatureResult: VerifyResult['signature'] = { status: 'absent' };
  if (!signature) {
    lines.push(options.requireSignature ? '  FAILED: not signed (signature required)' : '  not signed');
  } else {
    const via = options.publicKeyFile ? 'public key' : 'kms';
    const valid = options.publicKeyFile
      ? verifyWithPublicKeyPem(manifest, signature, readFileSync(options.publicKeyFile, 'utf8'))
      : await verifyWithKms(manifest, signature, (options.kms ?? defaultKms)());
    const wrongKey = options.expectKeyArn !== undefined && options.expectKeyArn !== signature.keyArn;
    signatureResult = {
      status: wrongKey ? 'wrong key' : valid ? 'valid' : 'invalid',
      keyArn: signature.keyArn,
      algorithm: signature.signingAlgorithm,
      via,
    };
    lines.push(
      `  signature by ${signature.keyArn} (${signature.signingAlgorithm}, checked with ${via === 'kms' ? 'KMS Verify' : options.publicKeyFile}): ${
        wrongKey ? `FAILED: expected key ${options.expectKeyArn}` : valid ? 'valid' : 'FAILED: invalid'
      }`,
    );
  }
  const ok =
    problems.length === 0 &&
    (signatureResult.status === 'absent' ? !options.requireSignature : signatureResult.status === 'valid');
  lines.push(ok ? 'Verified.' : 'Verification FAILED.');
  return { ok, checked, problems, signature: signatureResult, lines };
};

const defaultKms = (): KMSClient => {
  throw new Error('no KMS client configured');
};
