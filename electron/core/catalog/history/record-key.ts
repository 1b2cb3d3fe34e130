/**
 * A record's digest from its set and user key, exactly as Aerospike computes it
 * (wire/digest.ts: RIPEMD-160 over set ‖ key particle type ‖ key bytes), or from digest hex.
 */
import { computeDigest, KeyType as WireKeyType, DIGEST_SIZE } from '../../wire/digest.js';
import type { KeyType } from '../../../../shared/schemas/record-history.js';

export class RecordKeyError extends Error {
  override name = 'RecordKeyError';
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * The key's bytes as they enter the digest. Integers are 8-byte big-endian two's complement;
 * strings UTF-8; bytes are given as hex, or as base64 after a `base64:` prefix.
 */
export function keyBytes(key: string, type: KeyType): { particle: number; bytes: Buffer } {
  switch (type) {
    case 'integer': {
      if (!/^-?\d+$/.test(key.trim())) throw new RecordKeyError(`key: '${key}' is not a decimal integer (key-type integer)`);
      const v = BigInt(key.trim());
      if (v < INT64_MIN || v > INT64_MAX) throw new RecordKeyError(`key: ${key} is outside the 64-bit integer range`);
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(v);
      return { particle: WireKeyType.INTEGER, bytes: b };
    }
    case 'string':
      return { particle: WireKeyType.STRING, bytes: Buffer.from(key, 'utf8') };
    case 'bytes': {
      if (key.startsWith('base64:')) {
        const text = key.slice(7);
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new RecordKeyError(`key: '${text}' is not valid base64 (key-type bytes)`);
        return { particle: WireKeyType.BLOB, bytes: Buffer.from(text, 'base64') };
      }
      const hex = key.replace(/^0x/i, '');
      if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new RecordKeyError(`key: '${key}' is not hex (key-type bytes; use a base64: prefix for base64)`);
      return { particle: WireKeyType.BLOB, bytes: Buffer.from(hex, 'hex') };
    }
  }
}

/** The digest of set + user key. */
export function recordDigest(set: string, key: string, type: KeyType): Buffer {
  const { particle, bytes } = keyBytes(key, type);
  return computeDigest(set, particle, bytes);
}

export function parseDigestHex(hex: string): Buffer {
  if (!/^[0-9a-fA-F]{40}$/.test(hex)) throw new RecordKeyError(`digest: '${hex}' must be ${DIGEST_SIZE * 2} hex digits`);
  return Buffer.from(hex, 'hex');
}
