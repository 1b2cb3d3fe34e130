/** Record digests and partition ids (wire protocol §7). */
import { createHash } from 'node:crypto';

export const N_PARTITIONS = 4096;

/** Key particle types as they enter the digest. */
export const KeyType = { INTEGER: 1, FLOAT: 2, STRING: 3, BLOB: 4 } as const;

/** RIPEMD-160 over set ‖ key type ‖ key bytes; the namespace is not part of it. */
export function computeDigest(set: string, keyType: number, keyBytes: Buffer): Buffer {
  const h = createHash('ripemd160');
  if (set.length > 0) h.update(set);
  h.update(Buffer.of(keyType));
  h.update(keyBytes);
  return h.digest();
}

export const DIGEST_SIZE = 20;

export function partitionId(digest: Buffer): number {
  return partitionIdAt(digest, 0);
}

/** Partition of the digest starting at `b[at]`. */
export function partitionIdAt(b: Buffer, at: number): number {
  return (b[at]! | (b[at + 1]! << 8)) & (N_PARTITIONS - 1);
}
