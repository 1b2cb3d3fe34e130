/**
 * Encoder for the `.asb` text format, version 3.1 (asb-format.md §1–§4), byte-compatible with
 * asbackup: same line order, same escaping, same `%.17g` doubles, base64 blobs unless compact.
 */
import { Particle, type BackupRecord, type SecondaryIndex, type UdfModule, type UserKey } from '../model/record.js';
import { base64Length, writeBase64 } from './base64-bytes.js';
import { DOUBLE_G17_MAX_CHARS, writeDoubleBitsG17, writeDoubleG17, writeWholeDigits } from './c-double-format.js';
import { i32be, u32be } from '../wire/big-endian.js';
import type { WireRecordView } from '../wire/record-view.js';

export const ASB_VERSION_LINE = 'Version 3.1\n';

export interface AsbEncodeOptions {
  /** Blob-like values (blobs, HLL, lists, maps) and blob keys as raw bytes (`B!`, asbackup `--compact`). */
  compact?: boolean;
}

export interface AsbHeaderInput {
  namespace: string;
  /** Only the first file of a backup set carries `# first-file` (and, by convention, the globals). */
  firstFile: boolean;
  indexes?: readonly SecondaryIndex[];
  udfs?: readonly UdfModule[];
}

export class AsbEncodeError extends Error {
  override name = 'AsbEncodeError';
}

/** Letter per blob-like particle type; these all share the base64 / `!` raw forms. */
const BLOB_LETTER = new Map<number, number>([
  [Particle.BLOB, 0x42], // B
  [Particle.JAVA_BLOB, 0x4a], // J
  [Particle.CSHARP_BLOB, 0x43], // C
  [Particle.PYTHON_BLOB, 0x50], // P
  [Particle.RUBY_BLOB, 0x52], // R
  [Particle.PHP_BLOB, 0x48], // H
  [Particle.ERLANG_BLOB, 0x45], // E
  [Particle.HLL, 0x59], // Y
  [Particle.MAP, 0x4d], // M
  [Particle.LIST, 0x4c], // L
]);

const NEEDS_ESCAPE = /[ \n\\]/;
const SP = 0x20;
const LF = 0x0a;
const BACKSLASH = 0x5c;
const DASH = 0x2d;
const PLUS = 0x2b;
const BANG = 0x21;

/**
 * Encodes records into one reusable buffer: writers append many records (`append`, or
 * `appendWire` straight from a scan response) and `take` them as one chunk; `encode` hands out
 * one record's exact-size copy.
 */
export class AsbRecordEncoder {
  private buf: Buffer;
  private pos = 0;
  private readonly compact: boolean;

  constructor(options: AsbEncodeOptions = {}, initialSize = 16 * 1024) {
    this.compact = options.compact === true;
    this.buf = Buffer.allocUnsafeSlow(initialSize);
  }

  /**
   * Appends the record's block to the pending chunk, for writers that emit many records per
   * write (no per-record allocation or copy). Do not mix with `encode()` on one instance.
   */
  append(rec: BackupRecord): void {
    this.record(rec);
  }

  /** Bytes appended since the last `take()`. */
  get pending(): number {
    return this.pos;
  }

  /**
   * Hands over everything appended so far (a view of the current buffer, now the caller's) and
   * continues in a recycled chunk, or a fresh buffer when none is given.
   */
  take(recycled?: Buffer): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = recycled ? AsbRecordEncoder.whole(recycled) : Buffer.allocUnsafeSlow(this.buf.length);
    this.pos = 0;
    return out;
  }

  /**
   * The whole buffer behind a chunk `take()` returned. Buffers here come from allocUnsafeSlow,
   * never from Node's shared pool, so a chunk's ArrayBuffer is exactly one encoder buffer.
   */
  private static whole(chunk: Buffer): Buffer {
    return Buffer.from(chunk.buffer, 0, chunk.buffer.byteLength);
  }

  /** The record's complete block (`+ ` lines, then one `- ` line per bin). */
  encode(rec: BackupRecord): Buffer {
    this.pos = 0;
    this.record(rec);
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Two-letter line prefix such as `+ n ` or `- I `; `bang` adds the compact marker. */
  private prefix(lead: number, letter: number, bang: boolean): void {
    this.ensure(5);
    const b = this.buf;
    b[this.pos++] = lead;
    b[this.pos++] = SP;
    b[this.pos++] = letter;
    if (bang) b[this.pos++] = BANG;
    b[this.pos++] = SP;
  }

  private ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    // Short strings (numbers, lengths) are cheaper to copy by hand than through Buffer#write.
    if (n <= 24) {
      const b = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
      this.pos = p;
      return;
    }
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  private byte(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /** Escapes on bytes, as asbackup does, so multi-byte UTF-8 passes through untouched. */
  private token(s: string): void {
    if (!NEEDS_ESCAPE.test(s)) {
      const n = s.length;
      this.ensure(n * 3);
      if (n <= 24) {
        // Bin and set names are short and usually ASCII: copy by hand, fall back on anything else.
        const b = this.buf;
        const start = this.pos;
        let i = 0;
        for (; i < n; i++) {
          const c = s.charCodeAt(i);
          if (c >= 0x80) break;
          b[start + i] = c;
        }
        if (i === n) {
          this.pos = start + n;
          return;
        }
      }
      this.pos += this.buf.write(s, this.pos, 'utf8');
      return;
    }
    const bytes = Buffer.from(s, 'utf8');
    this.tokenBytes(bytes, 0, bytes.length);
  }

  /** A token given as UTF-8 bytes `src[start, end)`, escaped as `token()` does. */
  private tokenBytes(src: Buffer, start: number, end: number): void {
    this.ensure((end - start) * 2);
    const b = this.buf;
    let o = this.pos;
    for (let i = start; i < end; i++) {
      const c = src[i]!;
      if (c === SP || c === LF || c === BACKSLASH) b[o++] = BACKSLASH;
      b[o++] = c;
    }
    this.pos = o;
  }

  /** `<len> <raw bytes>` of `src[start, end)` */
  private lengthPrefixed(src: Buffer, start = 0, end = src.length): void {
    const n = end - start;
    this.whole(n);
    this.ensure(n + 1);
    const b = this.buf;
    b[this.pos++] = SP;
    if (n <= 64) {
      // Short values are cheaper to copy by hand, four bytes a step: Buffer#copy of a range
      // allocates a view (Node 20), which only pays from about 64 bytes.
      let o = this.pos;
      let i = start;
      for (; i + 4 <= end; i += 4, o += 4) {
        b[o] = src[i]!;
        b[o + 1] = src[i + 1]!;
        b[o + 2] = src[i + 2]!;
        b[o + 3] = src[i + 3]!;
      }
      for (; i < end; i++) b[o++] = src[i]!;
    } else {
      src.copy(b, this.pos, start, end);
    }
    this.pos += n;
  }

  /** `<b64len> <base64>` of `src[start, end)` */
  private base64(src: Uint8Array, start = 0, end = src.length): void {
    const n = base64Length(end - start);
    this.whole(n);
    this.ensure(n + 1);
    this.buf[this.pos++] = SP;
    this.pos = writeBase64(this.buf, this.pos, src, start, end);
  }

  /** Readers reject these (asb-format.md §6), so refuse to write a file nobody can restore. */
  private static check(generation: number, voidTime: number, nBins: number): void {
    if (!Number.isInteger(generation) || generation < 0 || generation > 0xffff) throw new AsbEncodeError(`generation ${generation} is outside 0..65535`);
    if (!Number.isInteger(voidTime) || voidTime < 0 || voidTime > 0xffffffff) throw new AsbEncodeError(`void time ${voidTime} is outside 0..4294967295`);
    if (nBins > 0xffff) throw new AsbEncodeError(`${nBins} bins exceed the limit of 65535`);
  }

  /** `+ d <base64 digest>` */
  private digest(src: Buffer, start: number, end: number): void {
    if (end - start !== 20) throw new AsbEncodeError(`digest must be 20 bytes, got ${end - start}`);
    this.prefix(PLUS, 0x64, false); // d
    this.ensure(29);
    this.pos = writeBase64(this.buf, this.pos, src, start, end);
    this.buf[this.pos++] = LF;
  }

  /** `+ g`, `+ t` and `+ b` lines. */
  private counters(generation: number, voidTime: number, nBins: number): void {
    this.prefix(PLUS, 0x67, false); // g
    this.whole(generation);
    this.byte(LF);
    this.prefix(PLUS, 0x74, false); // t
    this.whole(voidTime);
    this.byte(LF);
    this.prefix(PLUS, 0x62, false); // b
    this.whole(nBins);
    this.byte(LF);
  }

  /** Decimal text of a whole number 0 <= n < 1e16, without a string. */
  private whole(n: number): void {
    this.ensure(16);
    this.pos = writeWholeDigits(this.buf, this.pos, n);
  }

  /** `%.17g` text of a double, mostly without a string. */
  private double(v: number, negativeNan = false): void {
    this.ensure(DOUBLE_G17_MAX_CHARS);
    this.pos = writeDoubleG17(this.buf, this.pos, v, negativeNan);
  }

  /** The same for a double given as its big-endian bits. */
  private doubleBits(hi: number, lo: number, negativeNan = false): void {
    this.ensure(DOUBLE_G17_MAX_CHARS);
    this.pos = writeDoubleBitsG17(this.buf, this.pos, hi, lo, negativeNan);
  }

  /**
   * Decimal text of an INTEGER particle `d[start, end)` (8-byte BE two's complement; shorter
   * forms sign-extend); false, writing nothing, when it has no integer length.
   */
  private integer(d: Buffer, start: number, end: number): boolean {
    const n = end - start;
    let v: number;
    if (n === 8) {
      const hi = i32be(d, start);
      // Within ±2^53 a double holds the value exactly, which avoids a BigInt per bin.
      if (hi < -0x200000 || hi >= 0x200000) {
        this.ascii(d.readBigInt64BE(start).toString());
        return true;
      }
      v = hi * 0x100000000 + u32be(d, start + 4);
    } else if (n >= 1 && n <= 6) v = d.readIntBE(start, n);
    else if (n === 7) {
      const hi = d.readIntBE(start, 1);
      const lo = d.readUIntBE(start + 1, 6);
      if (hi < -32 || hi >= 32) {
        this.ascii((BigInt(hi) * 0x1000000000000n + BigInt(lo)).toString());
        return true;
      }
      v = hi * 0x1000000000000 + lo;
    } else return false;
    this.ensure(17);
    if (v < 0) {
      this.buf[this.pos++] = 0x2d; // -
      v = -v;
    }
    this.pos = writeWholeDigits(this.buf, this.pos, v);
    return true;
  }

  /**
   * Appends the record a scan-response view points at, transcoding straight from the response
   * bytes: the same text `append()` writes for the decoded record, without building it.
   */
  appendWire(v: WireRecordView): void {
    const b = v.buf;
    AsbRecordEncoder.check(v.generation, v.voidTime, v.nBins);
    if (v.keyType >= 0) this.wireKey(v.keyType, b, v.keyStart, v.keyEnd);
    this.prefix(PLUS, 0x6e, false); // n
    this.tokenBytes(b, v.nsStart, v.nsEnd);
    this.byte(LF);
    this.digest(b, v.digestStart, v.digestEnd);
    if (v.setEnd > v.setStart) {
      this.prefix(PLUS, 0x73, false); // s
      this.tokenBytes(b, v.setStart, v.setEnd);
      this.byte(LF);
    }
    this.counters(v.generation, v.voidTime, v.nBins);
    for (let i = 0; i < v.nBins; i++) {
      v.nextBin();
      this.bin(v.binType, b, v.dataStart, v.dataEnd, v);
    }
  }

  /** The key line for a key as the server sends it (particle type, then its bytes). */
  private wireKey(type: number, src: Buffer, start: number, end: number): void {
    this.prefix(PLUS, 0x6b, false); // k
    switch (type) {
      case Particle.INTEGER:
        this.ascii('I ');
        if (end - start !== 8) AsbRecordEncoder.fail(`an integer key needs 8 bytes, got ${end - start}`);
        this.integer(src, start, end);
        break;
      case Particle.FLOAT:
        if (end - start !== 8) AsbRecordEncoder.fail(`a double key needs 8 bytes, got ${end - start}`);
        this.ascii('D ');
        this.doubleBits(i32be(src, start), i32be(src, start + 4));
        break;
      case Particle.STRING:
        this.ascii('S ');
        this.lengthPrefixed(src, start, end);
        break;
      default:
        this.bytesKey(src, start, end);
    }
    this.byte(LF);
  }

  private bytesKey(src: Buffer, start: number, end: number): void {
    if (this.compact) {
      this.ascii('B! ');
      this.lengthPrefixed(src, start, end);
    } else {
      this.ascii('B ');
      this.base64(src, start, end);
    }
  }

  private static fail(message: string): never {
    throw new AsbEncodeError(message);
  }

  private record(rec: BackupRecord): void {
    AsbRecordEncoder.check(rec.generation, rec.voidTime, rec.bins.length);
    if (rec.key !== null) this.key(rec.key);
    this.prefix(PLUS, 0x6e, false); // n
    this.token(rec.namespace);
    this.byte(LF);
    this.digest(rec.digest, 0, rec.digest.length);
    if (rec.set !== null) {
      this.prefix(PLUS, 0x73, false); // s
      this.token(rec.set);
      this.byte(LF);
    }
    this.counters(rec.generation, rec.voidTime, rec.bins.length);
    for (const bin of rec.bins) this.bin(bin.type, bin.data, 0, bin.data.length, bin.name);
  }

  private key(key: UserKey): void {
    this.prefix(PLUS, 0x6b, false); // k
    switch (key.type) {
      case 'int':
        this.ascii('I ');
        this.ascii(key.value.toString());
        break;
      case 'double':
        this.ascii('D ');
        this.double(key.value);
        break;
      case 'string':
        this.ascii('S ');
        this.lengthPrefixed(key.value);
        break;
      case 'bytes':
        this.bytesKey(key.value, 0, key.value.length);
        break;
    }
    this.byte(LF);
  }

  /** The bin's name, given as text or, from the wire, by the view positioned on the bin. */
  private binName(name: string | WireRecordView): void {
    if (typeof name === 'string') this.token(name);
    else this.tokenBytes(name.buf, name.nameStart, name.nameEnd);
  }

  private static binError(name: string | WireRecordView, message: string): never {
    const text = typeof name === 'string' ? name : name.buf.toString('utf8', name.nameStart, name.nameEnd);
    throw new AsbEncodeError(`bin '${text}': ${message}`);
  }

  /** One `- ` line for a bin whose value bytes are `d[start, end)`. */
  private bin(type: number, d: Buffer, start: number, end: number, name: string | WireRecordView): void {
    switch (type) {
      case Particle.NIL:
        this.prefix(DASH, 0x4e, false); // N
        this.binName(name);
        break;
      case Particle.BOOL:
        this.prefix(DASH, 0x5a, false); // Z
        this.binName(name);
        this.ensure(2);
        this.buf[this.pos++] = SP;
        this.buf[this.pos++] = end > start && d[start] !== 0 ? 0x54 : 0x46; // T / F
        break;
      case Particle.INTEGER:
        if (end - start < 1 || end - start > 8) AsbRecordEncoder.binError(name, `an integer needs 1 to 8 bytes, got ${end - start}`);
        this.prefix(DASH, 0x49, false); // I
        this.binName(name);
        this.byte(SP);
        this.integer(d, start, end);
        break;
      case Particle.FLOAT:
        if (end - start !== 8) AsbRecordEncoder.binError(name, `a double needs 8 bytes, got ${end - start}`);
        this.prefix(DASH, 0x44, false); // D
        this.binName(name);
        this.byte(SP);
        this.doubleBits(i32be(d, start), i32be(d, start + 4), (d[start]! & 0x80) !== 0);
        break;
      case Particle.STRING:
        this.prefix(DASH, 0x53, false); // S
        this.binName(name);
        this.byte(SP);
        this.lengthPrefixed(d, start, end);
        break;
      case Particle.GEOJSON:
        this.prefix(DASH, 0x47, false); // G
        this.binName(name);
        this.byte(SP);
        this.lengthPrefixed(d, start, end);
        break;
      default: {
        const letter = BLOB_LETTER.get(type) ?? AsbRecordEncoder.binError(name, `particle type ${type} has no .asb form`);
        this.prefix(DASH, letter, this.compact);
        this.binName(name);
        this.byte(SP);
        if (this.compact) this.lengthPrefixed(d, start, end);
        else this.base64(d, start, end);
      }
    }
    this.byte(LF);
  }

  /** Builds one global or header line into a fresh buffer. */
  line(build: (e: AsbRecordEncoder) => void): Buffer {
    this.pos = 0;
    build(this);
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  /** `* i <ns> <set> <name> <itype> 1 <bin> <btype>[ <context>]` */
  secondaryIndex(idx: SecondaryIndex): void {
    this.ascii('* i ');
    this.token(idx.namespace);
    this.byte(SP);
    if (idx.set !== null) this.token(idx.set);
    this.byte(SP);
    this.token(idx.name);
    this.ascii(` ${idx.indexType} 1 `);
    this.token(idx.bin);
    this.ascii(` ${idx.binType}`);
    if (idx.context !== null) this.ascii(` ${idx.context}`);
    this.byte(LF);
  }

  /** `* u L <name> <len> <raw content>` */
  udf(udf: UdfModule): void {
    this.ascii(`* u ${udf.type} `);
    this.token(udf.name);
    this.byte(SP);
    this.lengthPrefixed(udf.content);
    this.byte(LF);
  }

  meta(namespace: string, firstFile: boolean): void {
    this.ascii(ASB_VERSION_LINE);
    this.ascii('# namespace ');
    this.token(namespace);
    this.byte(LF);
    if (firstFile) this.ascii('# first-file\n');
  }
}

const plainEncoder = new AsbRecordEncoder();
const compactEncoder = new AsbRecordEncoder({ compact: true });

/** Encodes one record block. Uses a shared scratch buffer; safe because encoding is synchronous. */
export function encodeAsbRecord(rec: BackupRecord, options: AsbEncodeOptions = {}): Buffer {
  return (options.compact === true ? compactEncoder : plainEncoder).encode(rec);
}

/** `Version 3.1`, `# namespace`, optional `# first-file`, then the `* i` and `* u` lines. */
export function encodeAsbHeader(header: AsbHeaderInput): Buffer {
  return plainEncoder.line((e) => {
    e.meta(header.namespace, header.firstFile);
    for (const idx of header.indexes ?? []) e.secondaryIndex(idx);
    for (const udf of header.udfs ?? []) e.udf(udf);
  });
}

/** A single `* i` line, for globals written outside the header. */
export function encodeAsbSecondaryIndex(idx: SecondaryIndex): Buffer {
  return plainEncoder.line((e) => e.secondaryIndex(idx));
}

/** A single `* u` line, for globals written outside the header. */
export function encodeAsbUdf(udf: UdfModule): Buffer {
  return plainEncoder.line((e) => e.udf(udf));
}
