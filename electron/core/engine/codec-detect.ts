/**
 * Which compression/encryption a backup's files use. Our metadata says so; asbackup output does
 * not (nothing in the files announces the layers), so the first bytes of the first file are
 * examined: plain text, zstd magic, or encrypted — and then the key tells AES-128 from AES-256.
 */
import { aesKeyFromHash } from '../format/encryption-key.js';
import { AesCtrDecryptStream } from '../format/aes-ctr.js';
import { guessOuterLayer, type FileCodecOptions } from '../format/file-codec.js';
import type { BackupStorage } from '../storage/storage.js';
import type { BackupSource } from './backup-reader.js';

async function head(storage: BackupStorage, path: string, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  const stream = await storage.openRead(path, { start: 0, end: n - 1 });
  for await (const c of stream) {
    chunks.push(c as Buffer);
    got += (c as Buffer).length;
    if (got >= n) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, n);
}

function decryptHead(mode: 'aes128' | 'aes256', key: Buffer, data: Buffer): Buffer {
  const d = new AesCtrDecryptStream(mode, aesKeyFromHash(key, mode));
  const out: Buffer[] = [];
  d.on('data', (c: Buffer) => out.push(c));
  d.write(data);
  return Buffer.concat(out);
}

/**
 * The codec for a backup. `keyHash` is the 32-byte hash from encryption-key.ts, needed only for
 * encrypted backups; a wrong key is reported as such rather than as garbled records.
 */
export async function detectCodec(storage: BackupStorage, source: BackupSource, keyHash?: Buffer): Promise<FileCodecOptions> {
  const tm = source.metadata?.tidemark;
  if (tm) {
    if (tm.encryption !== 'none' && !keyHash) throw new Error(`${source.key} is encrypted (${tm.encryption}): give the key (--key-file or --key-env)`);
    return { compression: tm.compression, encryption: tm.encryption, ...(tm.encryption !== 'none' ? { key: keyHash! } : {}) };
  }
  const first = source.files[0];
  if (!first) return { compression: 'none', encryption: 'none' };
  const bytes = await head(storage, first.path, 64);
  const outer = guessOuterLayer(bytes);
  if (outer === 'text') return { compression: 'none', encryption: 'none' };
  if (outer === 'zstd') return { compression: 'zstd', encryption: 'none' };
  if (outer === 'unknown') throw new Error(`${first.path} is too short to be a backup file`);
  if (!keyHash) throw new Error(`${first.path} looks encrypted: give the key (--key-file or --key-env)`);
  for (const mode of ['aes256', 'aes128'] as const) {
    const inner = guessOuterLayer(decryptHead(mode, keyHash, bytes));
    if (inner === 'text') return { compression: 'none', encryption: mode, key: keyHash };
    if (inner === 'zstd') return { compression: 'zstd', encryption: mode, key: keyHash };
  }
  throw new Error(`${first.path}: the key does not decrypt it (neither AES-128 nor AES-256 yields a backup file): wrong key?`);
}
