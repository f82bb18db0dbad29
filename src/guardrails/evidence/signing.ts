import { constants, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeKeyCommand,
  GetPublicKeyCommand,
  type KMSClient,
  SignCommand,
  type SigningAlgorithmSpec,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import { MANIFEST_FILE, SIGNATURE_FILE } from './manifest.js';

/** `SHA256SUMS.sig.json`: the manifest's signature and what is needed to check it. */
export interface ManifestSignature {
  readonly signedFile: typeof MANIFEST_FILE;
  /** The KMS key that signed (its ARN, as KMS returned it). */
  readonly keyArn: string;
  readonly signingAlgorithm: SigningAlgorithmSpec;
  /** The manifest's bytes were sent whole (`RAW`): KMS hashes them as part of the algorithm. */
  readonly messageType: 'RAW';
  /** Base64 of the signature (DER for ECDSA). */
  readonly signature: string;
  /** The key's public key (PEM, SubjectPublicKeyInfo), as GetPublicKey returned it: for checks without AWS access. Trust it only after comparing it with the key's owner's copy. */
  readonly publicKeyPem: string;
}

/** Signing or verification refused, with the reason (wrong key kind, manifest too large, bad signature file). */
export class SignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureError';
  }
}

/**
 * KMS Sign takes at most 4,096 bytes with MessageType RAW
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html); a
 * report's manifest is a few hundred bytes.
 */
const RAW_MESSAGE_LIMIT = 4096;

/**
 * The algorithm to sign with: RSASSA-PSS with SHA-256 for RSA keys, else the
 * key's ECDSA algorithm (a key lists the algorithms it supports in
 * DescribeKey's SigningAlgorithms).
 */
const pickAlgorithm = (available: readonly string[], keyId: string): SigningAlgorithmSpec => {
  for (const preferred of ['RSASSA_PSS_SHA_256', 'ECDSA_SHA_256', 'ECDSA_SHA_384', 'ECDSA_SHA_512'] as const)
    if (available.includes(preferred)) return preferred;
  throw new SignatureError(
    `KMS key ${keyId} cannot sign with RSASSA_PSS_SHA_256 or ECDSA (its algorithms: ${available.join(', ') || 'none'}): use an asymmetric key with KeyUsage SIGN_VERIFY`,
  );
};

const pem = (der: Uint8Array): string =>
  createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }).export({
    format: 'pem',
    type: 'spki',
  }) as string;

/**
 * Signs a report folder's `SHA256SUMS` with an asymmetric KMS key and writes
 * `SHA256SUMS.sig.json`. The signature covers the manifest, which covers every
 * report file, so one signature vouches for the whole folder.
 */
export const signManifest = async (dir: string, keyId: string, kms: KMSClient): Promise<ManifestSignature> => {
  const manifest = readFileSync(join(dir, MANIFEST_FILE));
  if (manifest.length > RAW_MESSAGE_LIMIT)
    throw new SignatureError(
      `${join(dir, MANIFEST_FILE)} is ${manifest.length} bytes: KMS signs at most ${RAW_MESSAGE_LIMIT} bytes whole`,
    );
  const described = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
  const key = described.KeyMetadata;
  if (key?.KeyUsage !== 'SIGN_VERIFY')
    throw new SignatureError(`KMS key ${keyId} has KeyUsage ${key?.KeyUsage ?? 'unknown'}, not SIGN_VERIFY`);
  const algorithm = pickAlgorithm(key.SigningAlgorithms ?? [], keyId);
  const signed = await kms.send(
    new SignCommand({ KeyId: keyId, Message: manifest, MessageType: 'RAW', SigningAlgorithm: algorithm }),
  );
  const publicKey = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
  if (!signed.Signature || !publicKey.PublicKey) throw new SignatureError(`KMS returned no signature for ${keyId}`);
  const signature: ManifestSignature = {
    signedFile: MANIFEST_FILE,
    keyArn: signed.KeyId ?? key.Arn ?? keyId,
    signingAlgorithm: algorithm,
    messageType: 'RAW',
    signature: Buffer.from(signed.Signature).toString('base64'),
    publicKeyPem: pem(publicKey.PublicKey),
  };
  writeFileSync(join(dir, SIGNATURE_FILE), `${JSON.stringify(signature, null, 2)}\n`);
  return signature;
};

/** Reads `SHA256SUMS.sig.json`, or undefined when the folder is unsigned. */
export const readSignature = (dir: string): ManifestSignature | undefined => {
  const path = join(dir, SIGNATURE_FILE);
  if (!existsSync(path)) return undefined;
  let parsed: Partial<ManifestSignature>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ManifestSignature>;
  } catch (error) {
    throw new SignatureError(`${path}: not JSON (${(error as Error).message})`);
  }
  for (const field of ['keyArn', 'signingAlgorithm', 'signature', 'publicKeyPem'] as const)
    if (typeof parsed[field] !== 'string' || parsed[field] === '')
      throw new SignatureError(`${path}: field ${field} is missing or empty`);
  if (parsed.messageType !== 'RAW') throw new SignatureError(`${path}: messageType must be RAW`);
  return parsed as ManifestSignature;
};

/** Checks the signature with KMS Verify (the key never leaves KMS; needs kms:Verify on the key). */
export const verifyWithKms = async (
  manifest: Buffer,
  signature: ManifestSignature,
  kms: KMSClient,
): Promise<boolean> => {
  try {
    const result = await kms.send(
      new VerifyCommand({
        KeyId: signature.keyArn,
        Message: manifest,
        MessageType: 'RAW',
        Signature: Buffer.from(signature.signature, 'base64'),
        SigningAlgorithm: signature.signingAlgorithm,
      }),
    );
    return result.SignatureValid === true;
  } catch (error) {
    // KMS answers an invalid signature with KMSInvalidSignatureException, not SignatureValid=false.
    if ((error as { name?: string }).name === 'KMSInvalidSignatureException') return false;
    throw error;
  }
};

const HASH: Record<string, string> = {
  RSASSA_PSS_SHA_256: 'sha256',
  RSASSA_PSS_SHA_384: 'sha384',
  RSASSA_PSS_SHA_512: 'sha512',
  ECDSA_SHA_256: 'sha256',
  ECDSA_SHA_384: 'sha384',
  ECDSA_SHA_512: 'sha512',
};

/**
 * Checks the signature offline with a public key the auditor holds (PEM).
 * RSASSA-PSS: KMS uses a salt as long as the digest; the salt length is read
 * from the signature (auto), which accepts that.
 */
export const verifyWithPublicKeyPem = (
  manifest: Buffer,
  signature: ManifestSignature,
  publicKeyPem: string,
): boolean => {
  const hash = HASH[signature.signingAlgorithm];
  if (!hash) throw new SignatureError(`unsupported signing algorithm ${signature.signingAlgorithm}`);
  const key = createPublicKey(publicKeyPem);
  const pss = signature.signingAlgorithm.startsWith('RSASSA_PSS');
  return cryptoVerify(
    hash,
    manifest,
    pss ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO } : key,
    Buffer.from(signature.signature, 'base64'),
  );
};
