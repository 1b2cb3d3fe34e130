/** Turns the encryption part of a request into the AES key, as asbackup derives it. */
import { aesKeyFromHash, keyHashFromEnv, keyHashFromPemFile } from '../format/encryption-key.js';

export interface EncryptionConfig {
  mode: 'none' | 'aes128' | 'aes256';
  'key-file'?: string | undefined;
  'key-env'?: string | undefined;
}

export async function resolveEncryptionKey(e: EncryptionConfig): Promise<Buffer | undefined> {
  if (e.mode === 'none') return undefined;
  const hash = e['key-file'] !== undefined ? await keyHashFromPemFile(e['key-file']) : keyHashFromEnv(e['key-env']!);
  return aesKeyFromHash(hash, e.mode);
}
