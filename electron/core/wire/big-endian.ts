/**
 * Big-endian reads for the per-record hot paths. Buffer#readUInt32BE and friends validate their
 * offset argument through a wrapped call on every read (Node 20), which costs more than the read;
 * these do none of that, so callers check their bounds themselves (a read past the end gives 0).
 */

export function u16be(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

export function i32be(b: Uint8Array, i: number): number {
  return (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
}

export function u32be(b: Uint8Array, i: number): number {
  return i32be(b, i) >>> 0;
}
