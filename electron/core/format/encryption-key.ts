/**
 * AES key derivation as asbackup does it (asb-format.md §8.3): SHA-256 over the private key's
 * "traditional" DER (PKCS#1 for RSA, whatever PEM wrapping the file used); AES-128 takes the first
 * 16 bytes of the hash, AES-256 all 32. Errors never include key bytes or variable values.
 *
 * EC keys: asbackup hashes the SEC1 `ECPrivateKey` DER, but backup-go and ABS refuse anything
 * but RSA, so a backup keyed with an EC key could only be restored by asrestore. They are
 * refused unless `allowEc` is set, in which case the SEC1 DER is hashed like asbackup (Node's
 * SEC1 export matches OpenSSL's, but this was not checked against an asbackup-made file).
 */
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AES_KEY_BYTES, type AesMode } from './aes-ctr.js';
import { decodeBase64 } from './base64-bytes.js';

export class EncryptionKeyError extends Error {
  override name = 'EncryptionKeyError';
}

export interface PemKeyOptions {
  /** Accept EC keys (asbackup-only compatibility, see the module comment). */
  allowEc?: boolean;
  /** Named in error messages instead of the key text. */
  source?: string;
}

/** The 32-byte SHA-256 from which both AES key sizes are taken. */
export function keyHashFromPem(pem: string | Buffer, options: PemKeyOptions = {}): Buffer {
  const source = options.source ?? 'the PEM key';
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // OpenSSL 3 reports a missing passphrase only as "interrupted or cancelled", so look at the
    // PEM labels instead of the error code.
    const text = typeof pem === 'string' ? pem : pem.toString('latin1');
    const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(text);
    const why = encrypted ? 'it is encrypted (asbackup needs an unencrypted key)' : 'it is not a readable PEM private key';
    throw new EncryptionKeyError(`cannot use ${source}: ${why}`);
  }
  let der: Buffer;
  switch (key.asymmetricKeyType) {
    case 'rsa':
      der = key.export({ type: 'pkcs1', format: 'der' });
      break;
    case 'ec':
      if (options.allowEc !== true) {
        throw new EncryptionKeyError(`cannot use ${source}: EC keys work with asbackup but not with backup-go/ABS; use an RSA key`);
      }
      der = key.export({ type: 'sec1', format: 'der' });
      break;
    default:
      throw new EncryptionKeyError(`cannot use ${source}: key type '${key.asymmetricKeyType ?? 'unknown'}' is not supported (use RSA)`);
  }
  return createHash('sha256').update(der).digest();
}

export async function keyHashFromPemFile(path: string, options: PemKeyOptions = {}): Promise<Buffer> {
  let text: Buffer;
  try {
    text = await readFile(path);
  } catch (e) {
    throw new EncryptionKeyError(`cannot read key file ${path}: ${(e as Error).message}`);
  }
  return keyHashFromPem(text, { ...options, source: options.source ?? `key file ${path}` });
}

/**
 * asbackup's `--encryption-key-env`: the value is base64 and its decoded bytes are hashed as
 * they are, without parsing a key. Base64 of the PKCS#1 DER therefore gives the same key as
 * the PEM file; base64 of a PKCS#8 DER (a PEM body) gives a different one, as with asbackup.
 */
export function keyHashFromEnvValue(value: string, variable = 'the encryption key variable'): Buffer {
  const text = Buffer.from(value.trim(), 'latin1');
  const bytes = decodeBase64(text, 0, text.length);
  if (bytes === null || bytes.length === 0) throw new EncryptionKeyError(`${variable} does not hold non-empty standard base64`);
  return createHash('sha256').update(bytes).digest();
}

/** Reads the variable `name` from `env` (process.env by default). */
export function keyHashFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const value = env[name];
  if (value === undefined || value === '') throw new EncryptionKeyError(`environment variable ${name} is not set`);
  return keyHashFromEnvValue(value, `environment variable ${name}`);
}

/** The AES key for `mode`: the first 16 (AES-128) or all 32 (AES-256) bytes of the hash. */
export function aesKeyFromHash(hash: Buffer, mode: AesMode): Buffer {
  if (hash.length !== 32) throw new EncryptionKeyError(`a key hash must be 32 bytes, got ${hash.length}`);
  return Buffer.from(hash.subarray(0, AES_KEY_BYTES[mode]));
}
