/**
 * Big-endian reads and writes for the per-record hot paths. Buffer#readUInt32BE,
 * Buffer#writeUInt32BE and friends validate their arguments through wrapped calls on every use
 * (Node 20), which costs more than the access; these do none of that, so callers check their
 * bounds themselves (a read past the end gives 0) and pass values that fit (a write keeps the
 * low bits, of signed and unsigned values alike).
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

export function putU16be(b: Uint8Array, i: number, v: number): void {
  b[i] = v >>> 8;
  b[i + 1] = v;
}

/** A 32-bit value, signed or unsigned, big-endian. */
export function put32be(b: Uint8Array, i: number, v: number): void {
  b[i] = v >>> 24;
  b[i + 1] = v >>> 16;
  b[i + 2] = v >>> 8;
  b[i + 3] = v;
}
