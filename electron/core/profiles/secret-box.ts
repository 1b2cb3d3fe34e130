/**
 * Passphrase encryption of a profile's secrets: scrypt derives 64 bytes from the passphrase and a
 * random salt; the first 32 are the AES-256-GCM key, the last 32 make the key check (an HMAC of a
 * fixed label), so a wrong passphrase is told apart from a file changed after export.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { SCRYPT_DEFAULTS, type ScryptParams } from '../../../shared/schemas/profile.js';
import { ProfileError } from './profile-error.js';

const KEY_CHECK_LABEL = 'tidemark profile key check v1';
export const MIN_PASSPHRASE_LENGTH = 8;

export interface SealedBox {
  kdf: ScryptParams;
  keyCheck: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

/** The same passphrase typed on another system can arrive in another Unicode form; NFC makes them one. */
function passphraseBytes(passphrase: string): Buffer {
  return Buffer.from(passphrase.normalize('NFC'), 'utf8');
}

function deriveKeys(passphrase: string, kdf: ScryptParams): Promise<{ key: Buffer; check: string }> {
  return new Promise((resolve, reject) => {
    const salt = Buffer.from(kdf.salt, 'base64');
    scrypt(passphraseBytes(passphrase), salt, 64, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r }, (err, derived) => {
      if (err) {
        reject(err);
        return;
      }
      const check = createHmac('sha256', derived.subarray(32)).update(KEY_CHECK_LABEL).digest('base64');
      resolve({ key: derived.subarray(0, 32), check });
    });
  });
}

/**
 * Encrypts `plaintext` with a key from `passphrase`. `aad(header)` gives the additional data to
 * bind, computed from the parameters chosen here (they are part of what is authenticated).
 */
export async function sealWithPassphrase(
  plaintext: string,
  passphrase: string,
  aad: (header: { kdf: ScryptParams; keyCheck: string; iv: string }) => Buffer,
  cost: Partial<Pick<ScryptParams, 'N' | 'r' | 'p'>> = {},
): Promise<SealedBox> {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw ProfileError.at('bad-option', ['passphrase'], `use a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters`);
  }
  const kdf: ScryptParams = { name: 'scrypt', N: cost.N ?? SCRYPT_DEFAULTS.N, r: cost.r ?? SCRYPT_DEFAULTS.r, p: cost.p ?? SCRYPT_DEFAULTS.p, salt: randomBytes(16).toString('base64') };
  const { key, check } = await deriveKeys(passphrase, kdf);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad({ kdf, keyCheck: check, iv: iv.toString('base64') }));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { kdf, keyCheck: check, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
}

/** Decrypts a box; `aad` must be the additional data it was sealed with. */
export async function openWithPassphrase(box: SealedBox, passphrase: string, aad: Buffer): Promise<string> {
  if (passphrase === '') throw ProfileError.at('passphrase-required', ['passphrase'], 'the passphrase is empty');
  const { key, check } = await deriveKeys(passphrase, box.kdf);
  const expected = Buffer.from(box.keyCheck, 'base64');
  const actual = Buffer.from(check, 'base64');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw ProfileError.at('wrong-passphrase', ['secrets'], 'wrong passphrase: it does not open this profile (or the key-derivation settings in the file were changed)');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'));
  decipher.setAAD(aad);
  decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(box.ciphertext, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw ProfileError.at('tampered', [], 'the file was changed after it was exported: the passphrase is right, but the profile no longer matches its authentication tag. Export it again from the original');
  }
}
