/**
 * Encoder for the `.asb` text format, version 3.1 (asb-format.md §1–§4), byte-compatible with
 * asbackup: same line order, same escaping, same `%.17g` doubles, base64 blobs unless compact.
 */
import { Particle, type BackupRecord, type Bin, type SecondaryIndex, type UdfModule, type UserKey } from '../model/record.js';
import { base64Length, writeBase64 } from './base64-bytes.js';
import { formatDoubleG17 } from './c-double-format.js';

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
 * Encodes records into one reusable scratch buffer and hands out an exact-size copy, so a record
 * costs one allocation (pooled by Node when small) however many lines it has.
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

  private raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
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
    this.ensure(bytes.length * 2);
    const b = this.buf;
    for (const c of bytes) {
      if (c === SP || c === LF || c === BACKSLASH) b[this.pos++] = BACKSLASH;
      b[this.pos++] = c;
    }
  }

  /** `<len> <raw bytes>` */
  private lengthPrefixed(data: Uint8Array): void {
    this.ascii(String(data.length));
    this.byte(SP);
    this.raw(data);
  }

  /** `<b64len> <base64>` */
  private base64(data: Uint8Array): void {
    const n = base64Length(data.length);
    this.ascii(String(n));
    this.ensure(n + 1);
    this.buf[this.pos++] = SP;
    this.pos = writeBase64(this.buf, this.pos, data);
  }

  private record(rec: BackupRecord): void {
    // Readers reject these (asb-format.md §6), so refuse to write a file nobody can restore.
    if (!Number.isInteger(rec.generation) || rec.generation < 0 || rec.generation > 0xffff) throw new AsbEncodeError(`generation ${rec.generation} is outside 0..65535`);
    if (!Number.isInteger(rec.voidTime) || rec.voidTime < 0 || rec.voidTime > 0xffffffff) throw new AsbEncodeError(`void time ${rec.voidTime} is outside 0..4294967295`);
    if (rec.bins.length > 0xffff) throw new AsbEncodeError(`${rec.bins.length} bins exceed the limit of 65535`);
    if (rec.key !== null) this.key(rec.key);
    this.prefix(PLUS, 0x6e, false); // n
    this.token(rec.namespace);
    this.byte(LF);
    if (rec.digest.length !== 20) throw new AsbEncodeError(`digest must be 20 bytes, got ${rec.digest.length}`);
    this.prefix(PLUS, 0x64, false); // d
    this.ensure(29);
    this.pos = writeBase64(this.buf, this.pos, rec.digest);
    this.buf[this.pos++] = LF;
    if (rec.set !== null) {
      this.prefix(PLUS, 0x73, false); // s
      this.token(rec.set);
      this.byte(LF);
    }
    this.prefix(PLUS, 0x67, false); // g
    this.ascii(String(rec.generation));
    this.byte(LF);
    this.prefix(PLUS, 0x74, false); // t
    this.ascii(String(rec.voidTime));
    this.byte(LF);
    this.prefix(PLUS, 0x62, false); // b
    this.ascii(String(rec.bins.length));
    this.byte(LF);
    for (const bin of rec.bins) this.bin(bin);
  }

  private key(key: UserKey): void {
    switch (key.type) {
      case 'int':
        this.prefix(PLUS, 0x6b, false);
        this.ascii('I ');
        this.ascii(key.value.toString());
        break;
      case 'double':
        this.prefix(PLUS, 0x6b, false);
        this.ascii('D ');
        this.ascii(formatDoubleG17(key.value));
        break;
      case 'string':
        this.prefix(PLUS, 0x6b, false);
        this.ascii('S ');
        this.lengthPrefixed(key.value);
        break;
      case 'bytes':
        this.prefix(PLUS, 0x6b, false);
        if (this.compact) {
          this.ascii('B! ');
          this.lengthPrefixed(key.value);
        } else {
          this.ascii('B ');
          this.base64(key.value);
        }
        break;
    }
    this.byte(LF);
  }

  private bin(bin: Bin): void {
    const d = bin.data;
    switch (bin.type) {
      case Particle.NIL:
        this.prefix(DASH, 0x4e, false); // N
        this.token(bin.name);
        break;
      case Particle.BOOL:
        this.prefix(DASH, 0x5a, false); // Z
        this.token(bin.name);
        this.ensure(2);
        this.buf[this.pos++] = SP;
        this.buf[this.pos++] = d.length > 0 && d[0] !== 0 ? 0x54 : 0x46; // T / F
        break;
      case Particle.INTEGER:
        this.prefix(DASH, 0x49, false); // I
        this.token(bin.name);
        this.byte(SP);
        this.ascii(integerText(d, bin.name));
        break;
      case Particle.FLOAT:
        if (d.length !== 8) throw new AsbEncodeError(`bin '${bin.name}': a double needs 8 bytes, got ${d.length}`);
        this.prefix(DASH, 0x44, false); // D
        this.token(bin.name);
        this.byte(SP);
        this.ascii(formatDoubleG17(d.readDoubleBE(0), (d[0]! & 0x80) !== 0));
        break;
      case Particle.STRING:
        this.prefix(DASH, 0x53, false); // S
        this.token(bin.name);
        this.byte(SP);
        this.lengthPrefixed(d);
        break;
      case Particle.GEOJSON:
        this.prefix(DASH, 0x47, false); // G
        this.token(bin.name);
        this.byte(SP);
        this.lengthPrefixed(d);
        break;
      default: {
        const letter = BLOB_LETTER.get(bin.type);
        if (letter === undefined) throw new AsbEncodeError(`bin '${bin.name}': particle type ${bin.type} has no .asb form`);
        this.prefix(DASH, letter, this.compact);
        this.token(bin.name);
        this.byte(SP);
        if (this.compact) this.lengthPrefixed(d);
        else this.base64(d);
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

/** Decimal text of an INTEGER particle (8-byte BE two's complement; shorter forms sign-extend). */
function integerText(d: Buffer, name: string): string {
  if (d.length === 8) {
    const hi = d.readInt32BE(0);
    // Within ±2^53 a double holds the value exactly, which avoids a BigInt per bin.
    if (hi >= -0x200000 && hi < 0x200000) return String(hi * 0x100000000 + d.readUInt32BE(4));
    return d.readBigInt64BE(0).toString();
  }
  if (d.length >= 1 && d.length <= 6) return String(d.readIntBE(0, d.length));
  if (d.length === 7) return String(d.readIntBE(0, 1) * 0x1000000000000 + d.readUIntBE(1, 6));
  throw new AsbEncodeError(`bin '${name}': an integer needs 1 to 8 bytes, got ${d.length}`);
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
