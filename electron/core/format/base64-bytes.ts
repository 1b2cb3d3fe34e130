/**
 * Base64 (standard alphabet, `=` padding) straight between byte buffers. Node's own decoder
 * silently skips invalid characters, and `.asb` readers must reject them, so decoding validates
 * as it goes; encoding writes into the caller's buffer to avoid a string per value.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENC = new Uint8Array(64);
const DEC = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) {
  ENC[i] = ALPHABET.charCodeAt(i);
  DEC[ALPHABET.charCodeAt(i)] = i;
}
const PAD = 0x3d;

/** Above this size Node's native encoder beats the JS loop by more than the string costs. */
const NATIVE_ENCODE_FROM = 4096;

export function base64Length(n: number): number {
  return Math.ceil(n / 3) * 4;
}

/** Writes base64 of `src[start, end)` at `target[offset]` (room must exist); returns the end offset. */
export function writeBase64(target: Buffer, offset: number, src: Uint8Array, start = 0, end = src.length): number {
  if (end - start >= NATIVE_ENCODE_FROM) {
    const b = src instanceof Buffer ? src : Buffer.from(src.buffer, src.byteOffset, src.length);
    return offset + target.write(b.toString('base64', start, end), offset, 'latin1');
  }
  const n = end;
  let o = offset;
  let i = start;
  for (; i + 2 < n; i += 3) {
    const v = (src[i]! << 16) | (src[i + 1]! << 8) | src[i + 2]!;
    target[o++] = ENC[v >>> 18]!;
    target[o++] = ENC[(v >>> 12) & 63]!;
    target[o++] = ENC[(v >>> 6) & 63]!;
    target[o++] = ENC[v & 63]!;
  }
  if (i < n) {
    const b1 = i + 1 < n ? src[i + 1]! : 0;
    const v = (src[i]! << 16) | (b1 << 8);
    target[o++] = ENC[v >>> 18]!;
    target[o++] = ENC[(v >>> 12) & 63]!;
    target[o++] = i + 1 < n ? ENC[(v >>> 6) & 63]! : PAD;
    target[o++] = PAD;
  }
  return o;
}

/**
 * Decodes `src[start, end)`; returns null when the text is not canonical-length base64
 * (length not a multiple of 4, a character outside the alphabet, misplaced padding).
 */
export function decodeBase64(src: Buffer, start: number, end: number): Buffer | null {
  const len = end - start;
  if (len % 4 !== 0) return null;
  if (len === 0) return Buffer.alloc(0);
  let pad = 0;
  if (src[end - 1] === PAD) pad = src[end - 2] === PAD ? 2 : 1;
  const out = Buffer.allocUnsafe((len / 4) * 3 - pad);
  let o = 0;
  const full = end - (pad > 0 ? 4 : 0);
  let i = start;
  for (; i < full; i += 4) {
    const a = DEC[src[i]!]!;
    const b = DEC[src[i + 1]!]!;
    const c = DEC[src[i + 2]!]!;
    const d = DEC[src[i + 3]!]!;
    if ((a | b | c | d) < 0) return null;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >>> 16;
    out[o++] = (v >>> 8) & 255;
    out[o++] = v & 255;
  }
  if (pad > 0) {
    const a = DEC[src[i]!]!;
    const b = DEC[src[i + 1]!]!;
    const c = pad === 1 ? DEC[src[i + 2]!]! : 0;
    if ((a | b | c) < 0) return null;
    const v = (a << 18) | (b << 12) | (c << 6);
    out[o] = v >>> 16;
    if (pad === 1) out[o + 1] = (v >>> 8) & 255;
  }
  return out;
}

/** Bytes `decodeBase64Into` writes for `len` base64 characters ending at `src[end)` (length already checked). */
export function decodedBase64Length(src: Buffer, end: number, len: number): number {
  if (len === 0) return 0;
  const pad = src[end - 1] === PAD ? (src[end - 2] === PAD ? 2 : 1) : 0;
  return (len / 4) * 3 - pad;
}

/**
 * `decodeBase64` into `target` at `offset` (room for `decodedBase64Length` bytes must exist):
 * returns the end offset, or -1 where `decodeBase64` returns null.
 */
export function decodeBase64Into(src: Buffer, start: number, end: number, target: Buffer, offset: number): number {
  const len = end - start;
  if (len % 4 !== 0) return -1;
  if (len === 0) return offset;
  let pad = 0;
  if (src[end - 1] === PAD) pad = src[end - 2] === PAD ? 2 : 1;
  let o = offset;
  const full = end - (pad > 0 ? 4 : 0);
  let i = start;
  for (; i < full; i += 4) {
    const a = DEC[src[i]!]!;
    const b = DEC[src[i + 1]!]!;
    const c = DEC[src[i + 2]!]!;
    const d = DEC[src[i + 3]!]!;
    if ((a | b | c | d) < 0) return -1;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    target[o++] = v >>> 16;
    target[o++] = (v >>> 8) & 255;
    target[o++] = v & 255;
  }
  if (pad > 0) {
    const a = DEC[src[i]!]!;
    const b = DEC[src[i + 1]!]!;
    const c = pad === 1 ? DEC[src[i + 2]!]! : 0;
    if ((a | b | c) < 0) return -1;
    const v = (a << 18) | (b << 12) | (c << 6);
    target[o++] = v >>> 16;
    if (pad === 1) target[o++] = (v >>> 8) & 255;
  }
  return o;
}
