/**
 * Streaming decoder for `.asb` text (asb-format.md §1–§6), versions 3.0 and 3.1. Input chunks
 * may split anywhere, including inside escapes and raw values; only the unfinished line is kept,
 * so memory stays flat however big the file. Strict in the ways asrestore is strict: every
 * violation is an AsbParseError naming the file and the 1-based line where the bad line starts.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { Particle, type BackupRecord, type Bin, type IndexBinType, type IndexType, type SecondaryIndex, type UdfModule, type UserKey } from '../model/record.js';
import { decodeBase64, decodeBase64Into, decodedBase64Length } from './base64-bytes.js';
import { parseDoubleText, writeDoubleBits } from './c-double-format.js';
import { put32be } from '../wire/big-endian.js';
import { DIGEST_BYTES, EncodedRecordBuilder, type EncodedRecord } from '../wire/encoded-record.js';
import { OpType } from '../wire/message.js';

export interface AsbHeader {
  version: '3.0' | '3.1';
  /** From `# namespace`, or null when the file has no such line. */
  namespace: string | null;
  firstFile: boolean;
}

export type AsbItem =
  | { kind: 'header'; header: AsbHeader }
  | { kind: 'sindex'; index: SecondaryIndex }
  | { kind: 'udf'; udf: UdfModule }
  | { kind: 'record'; record: BackupRecord };

/**
 * Items of the restore hot path (`encodeRecords`): records come already encoded as write
 * operations (`EncodedRecord`), everything else as in `AsbItem`.
 */
export type AsbWireItem = Exclude<AsbItem, { kind: 'record' }> | EncodedRecord;

export interface AsbReaderOptions {
  /** Name used in error messages (a path or storage key). */
  file: string;
  /** When set, every record's `+ n` must equal it (asrestore checks the namespace it restores). */
  namespace?: string;
  /**
   * Largest length-prefixed value accepted, in bytes. A corrupt length would otherwise make the
   * reader hold the rest of the file in memory; Aerospike records are at most 8 MiB.
   */
  maxValueSize?: number;
  /**
   * Skip undecodable records instead of stopping: each is reported here and the reader resumes
   * at the next line that starts a record (`+ k ` or `+ n `). Errors before the first record
   * (version, meta lines) still stop the file.
   */
  onBadRecord?: (err: AsbParseError) => void;
  /**
   * Transcode records straight into write operations (`feedEncoded`, `readAsbEncodedBatches`)
   * instead of building BackupRecords: the same checks and errors, without the objects.
   */
  encodeRecords?: boolean;
  /**
   * With `encodeRecords`: EncodedRecord objects the consumer is done with, filled in again
   * instead of allocating one per record (the restore engine shares one with its writer).
   */
  recordPool?: EncodedRecord[];
}

export class AsbParseError extends Error {
  override name = 'AsbParseError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

/** Thrown inside a line parse when the buffered bytes end first; never escapes the decoder. */
const NEED_MORE: unique symbol = Symbol('need more input');

const SP = 0x20;
const LF = 0x0a;
const BACKSLASH = 0x5c;
const BANG = 0x21;
const DASH = 0x2d;
const MAX_TOKEN = 4096;
const MAX_META_LINE = 1000;
const MAX_DOUBLE_TEXT = 64;
/** asb-format.md §6: sizes are at most 1024^5. */
const MAX_SIZE = 1024 ** 5;
const DEFAULT_MAX_VALUE = 64 * 1024 * 1024;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const EMPTY = Buffer.alloc(0);

/** Particle type per blob-like bin letter (-1: not blob-like); these accept base64 and `!` raw. */
const BLOB_PARTICLE = new Int16Array(256).fill(-1);
for (const [letter, type] of [
  ['B', Particle.BLOB],
  ['J', Particle.JAVA_BLOB],
  ['C', Particle.CSHARP_BLOB],
  ['P', Particle.PYTHON_BLOB],
  ['R', Particle.RUBY_BLOB],
  ['H', Particle.PHP_BLOB],
  ['E', Particle.ERLANG_BLOB],
  ['Y', Particle.HLL],
  ['M', Particle.MAP],
  ['L', Particle.LIST],
] as const) {
  BLOB_PARTICLE[letter.charCodeAt(0)] = type;
}
/** Letters of the other bin forms: N Z I D S X G. */
const SCALAR_LETTERS = new Set([0x4e, 0x5a, 0x49, 0x44, 0x53, 0x58, 0x47]);

const enum Stage {
  Idle,
  AfterKey,
  AfterNamespace,
  AfterDigest,
  AfterSet,
  AfterGeneration,
  AfterVoidTime,
  InBins,
}

const EXPECTED: Record<Stage, string> = {
  [Stage.Idle]: "a record ('+ k' or '+ n') or a global ('* ') line",
  [Stage.AfterKey]: "'+ n'",
  [Stage.AfterNamespace]: "'+ d'",
  [Stage.AfterDigest]: "'+ s' or '+ g'",
  [Stage.AfterSet]: "'+ g'",
  [Stage.AfterGeneration]: "'+ t'",
  [Stage.AfterVoidTime]: "'+ b'",
  [Stage.InBins]: "a bin line ('- ')",
};

type Sink = (item: AsbItem) => void;
type WireSink = (item: AsbWireItem) => void;
type OtherItem = Exclude<AsbItem, { kind: 'record' }>;

/** Stands for the current bin's name in hot-path error texts, so they are built only on failure. */
const BIN_NAME = '\u0001';
// The hot path's texts, joined once here rather than per bin.
const WHAT_SPACE_AFTER_NAME = `bin '${BIN_NAME}': expected a space after the name`;
const WHAT_BOOL = `bin '${BIN_NAME}': a boolean must be exactly T or F`;
const WHAT_INTEGER_BIN = `integer in bin '${BIN_NAME}'`;
const WHAT_DOUBLE_BIN = `double in bin '${BIN_NAME}'`;
const WHAT_STRING_BIN = `string in bin '${BIN_NAME}'`;
const WHAT_GEOJSON_BIN = `GeoJSON in bin '${BIN_NAME}'`;
const WHAT_VALUE_BIN = `value of bin '${BIN_NAME}'`;

/** Largest merge an encoding decoder does in its reused buffers; longer lines get their own. */
const MAX_SCRATCH = 4 * 1024 * 1024;

/** Exact powers of ten for the decimal fast path of readDouble. */
const POW10: number[] = [];
for (let i = 0, p = 1; i <= 22; i++, p *= 10) POW10.push(p);

/** One decoded name and its bytes, so a run of records with the same name shares one string. */
interface NameMemo {
  bytes: Buffer;
  text: string;
}

/**
 * Push decoder. Line parsers read through `at()`, which throws NEED_MORE past the buffered
 * bytes; they change no state until their line is complete, so a line is simply parsed again
 * once enough input has arrived (`need` says how much, so long values are not rescanned).
 */
export class AsbDecoder {
  private readonly file: string;
  private readonly expectNamespace: string | undefined;
  private readonly maxValue: number;

  private buf: Buffer = EMPTY;
  private pos = 0;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** The two merge buffers of an encoding decoder (see mergeIntoScratch). */
  private readonly scratch: Buffer[] = [EMPTY, EMPTY];
  private scratchIndex = 0;
  private need = 1;
  /** Line number of the byte at `pos`. */
  private line = 1;
  /** Cursor inside the line being parsed. */
  private p = 0;
  private failure: AsbParseError | null = null;
  /** Set by readDouble: whether the text was `-nan`. */
  private negativeNan = false;
  private sink: Sink = () => {};
  private readonly onBadRecord: ((err: AsbParseError) => void) | undefined;
  /** Skipping a bad record: looking for the next line that starts one. */
  private resyncing = false;

  private phase: 'version' | 'meta' | 'body' = 'version';
  private escapes = true;
  private header: AsbHeader = { version: '3.1', namespace: null, firstFile: false };

  private stage = Stage.Idle;
  private recLine = 0;
  private binsTotal = 0;
  private key: UserKey | null = null;
  private namespace = '';
  private digest: Buffer = EMPTY;
  private set: string | null = null;
  private generation = 0;
  private voidTime = 0;
  private bins: Bin[] = [];
  /** LFs inside the line being parsed (raw values, escaped LFs): lines are counted as they are parsed. */
  private lfs = 0;
  /** Whether the token scanToken found last holds escapes. */
  private tokenEscaped = false;

  // Hot path (encodeRecords): the record is written into `wire` as it is parsed.
  private readonly wire: EncodedRecordBuilder | null;
  private wireSink: WireSink | null = null;
  private binsDone = 0;
  /** Marks (see EncodedRecordBuilder) of the end of the key and of the set name. */
  private keyEnd = 0;
  private setEnd = 0;
  /** Mark of the current bin's operation and its name's length, for error texts. */
  private binOpAt = 0;
  private binNameLen = 0;
  private nsMemo: NameMemo = { bytes: EMPTY, text: '' };
  private setMemo: NameMemo = { bytes: EMPTY, text: '' };

  constructor(options: AsbReaderOptions) {
    this.file = options.file;
    this.expectNamespace = options.namespace;
    this.maxValue = options.maxValueSize ?? DEFAULT_MAX_VALUE;
    this.onBadRecord = options.onBadRecord;
    this.wire = options.encodeRecords ? new EncodedRecordBuilder(undefined, options.recordPool) : null;
  }

  /**
   * Feeds one chunk; items are handed to `sink` as soon as they are complete. Raw values (strings,
   * compact blobs, UDF bodies) are views of the chunks, not copies, so chunks must not be
   * modified afterwards (stream chunks never are).
   */
  feed(chunk: Uint8Array, sink: Sink): void {
    if (this.wire) throw new Error('this decoder encodes records: use feedEncoded()');
    this.feedAny(chunk, sink);
  }

  /**
   * `feed` for a decoder made with `encodeRecords`: records arrive as EncodedRecords. Their bytes
   * live in slabs the decoder never writes again, so they stay valid as long as they are held.
   */
  feedEncoded(chunk: Uint8Array, sink: WireSink, transient = false): void {
    if (!this.wire) throw new Error('this decoder builds records: use feed()');
    this.wireSink = sink;
    this.feedAny(chunk, null, transient);
  }

  /** `finish` for a decoder made with `encodeRecords`. */
  finishEncoded(sink: WireSink): void {
    if (!this.wire) throw new Error('this decoder builds records: use finish()');
    this.wireSink = sink;
    this.finishAny(null);
  }

  /**
   * `transient` (encoding decoders only): the chunk's buffer is reused by its producer once this
   * returns, so it is copied in at once instead of being parsed in place.
   */
  private feedAny(chunk: Uint8Array, sink: Sink | null, transient = false): void {
    if (this.failure) throw this.failure;
    if (chunk.length === 0) return;
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.pending.push(b);
    this.pendingLen += b.length;
    const rest = this.buf.length - this.pos;
    if (transient && rest + this.pendingLen <= MAX_SCRATCH) {
      this.buf = this.mergeIntoScratch(rest);
      this.pos = 0;
      this.pending = [];
      this.pendingLen = 0;
      if (this.buf.length < this.need) return;
    } else {
      // A line longer than the merge buffers: keep a copy of a transient chunk until it is complete.
      if (transient) this.pending[this.pending.length - 1] = Buffer.from(b);
      if (this.buf.length - this.pos + this.pendingLen < this.need) return;
      this.merge();
    }
    if (sink) this.sink = sink;
    this.run();
  }

  /** Signals end of input: checks that the file ended between records. */
  finish(sink: Sink): void {
    if (this.wire) throw new Error('this decoder encodes records: use finishEncoded()');
    this.finishAny(sink);
  }

  private finishAny(sink: Sink | null): void {
    if (this.failure) throw this.failure;
    if (sink) this.sink = sink;
    if (this.pendingLen > 0) this.merge();
    if (this.resyncing) {
      this.run();
      if (this.resyncing) {
        // What is left belongs to the skipped record.
        this.pos = this.buf.length;
        this.resyncing = false;
      }
    }
    const rest = this.buf.length - this.pos;
    if (this.phase === 'version') {
      this.fail(rest === 0 ? 'empty file: the version line is missing' : invalidVersion(this.buf.subarray(this.pos)));
    }
    if (rest > 0) {
      const within = this.stage === Stage.Idle ? '' : ` (record starting at line ${this.recLine})`;
      this.fail(`unexpected end of file inside a line${within}`);
    }
    if (this.stage !== Stage.Idle) {
      // Point at the file's last line rather than the one that does not exist.
      this.line--;
      this.fail(`unexpected end of file after this line: record starting at line ${this.recLine} is incomplete, expected ${this.expected()}`);
    }
    this.endMeta();
  }

  /** Array form of `feed`, for callers that prefer pulling. */
  write(chunk: Uint8Array): AsbItem[] {
    const out: AsbItem[] = [];
    this.feed(chunk, (i) => out.push(i));
    return out;
  }

  /** Array form of `finish`. */
  end(): AsbItem[] {
    const out: AsbItem[] = [];
    this.finish((i) => out.push(i));
    return out;
  }

  private merge(): void {
    const rest = this.buf.length - this.pos;
    if (rest === 0 && this.pending.length === 1) this.buf = this.pending[0]!;
    else if (this.wire && rest + this.pendingLen <= MAX_SCRATCH) this.buf = this.mergeIntoScratch(rest);
    else if (rest === 0) this.buf = Buffer.concat(this.pending, this.pendingLen);
    else this.buf = Buffer.concat([this.buf.subarray(this.pos), ...this.pending], rest + this.pendingLen);
    this.pos = 0;
    this.pending = [];
    this.pendingLen = 0;
  }

  /**
   * `merge` for an encoding decoder: the unparsed tail and the new chunks are copied into one of
   * two buffers used in turn (the tail may sit in the other one), not into a new buffer per
   * chunk. Safe because nothing an encoding decoder hands out points into its input.
   */
  private mergeIntoScratch(rest: number): Buffer {
    const need = rest + this.pendingLen;
    this.scratchIndex ^= 1;
    let s = this.scratch[this.scratchIndex]!;
    if (s.length < need) s = this.scratch[this.scratchIndex] = Buffer.allocUnsafeSlow(Math.min(MAX_SCRATCH, Math.max(need, 2 * s.length, 64 * 1024)));
    let o = rest > 0 ? this.buf.copy(s, 0, this.pos, this.buf.length) : 0;
    for (const b of this.pending) o += b.copy(s, o);
    return s.subarray(0, need);
  }

  private run(): void {
    try {
      while (this.pos < this.buf.length) {
        if (this.resyncing && !this.resync()) return;
        if (this.pos >= this.buf.length) break;
        this.p = this.pos;
        this.lfs = 0;
        const wasIdle = this.stage === Stage.Idle;
        const mark = this.wire ? this.wire.mark() : 0;
        try {
          this.parseLine();
        } catch (e) {
          if (e === NEED_MORE) {
            // The line is parsed again once more input has arrived: drop what it wrote.
            this.wire?.rewind(mark);
            return;
          }
          if (e instanceof AsbParseError && this.onBadRecord && this.phase === 'body') {
            this.skipBadRecord(e, wasIdle);
            continue;
          }
          throw e;
        }
        // Every line ends at the LF that ended its parse; LFs inside it were counted as met.
        this.line += 1 + this.lfs;
        this.pos = this.p;
      }
      this.need = 1;
    } catch (e) {
      if (e instanceof AsbParseError) this.failure = e;
      throw e;
    }
  }

  /** Reports the record, drops what was parsed of it and looks for the next record start. */
  private skipBadRecord(err: AsbParseError, wasIdle: boolean): void {
    this.failure = null;
    this.onBadRecord!(err);
    this.stage = Stage.Idle;
    this.bins = [];
    this.key = null;
    this.wire?.abort();
    // A record-start line that ended the previous (bad) record is itself a good start.
    if (!wasIdle && this.startsRecord(this.pos)) return;
    this.resyncing = true;
    this.line += countLf(this.buf, this.pos, this.pos + 1);
    this.pos += 1;
  }

  private startsRecord(i: number): boolean {
    const b = this.buf;
    return i + 3 < b.length && b[i] === 0x2b && b[i + 1] === SP && (b[i + 2] === 0x6b || b[i + 2] === 0x6e) && b[i + 3] === SP;
  }

  /** Advances to the next `+ k ` / `+ n ` line; false when more input is needed to decide. */
  private resync(): boolean {
    const b = this.buf;
    let i = this.pos;
    for (;;) {
      const lf = b.indexOf(LF, i);
      if (lf < 0 || lf + 4 >= b.length) {
        // Keep the unscanned tail (and counts) so a record start split across chunks is found.
        const keep = lf < 0 ? Math.max(this.pos, b.length - 4) : lf;
        this.line += countLf(b, this.pos, keep);
        this.pos = keep;
        this.need = b.length - this.pos + 1;
        return false;
      }
      if (this.startsRecord(lf + 1)) {
        this.line += countLf(b, this.pos, lf + 1);
        this.pos = lf + 1;
        this.resyncing = false;
        return true;
      }
      i = lf + 1;
    }
  }

  private fail(reason: string): never {
    if (this.wire && reason.includes(BIN_NAME)) reason = reason.split(BIN_NAME).join(this.wireBinName());
    const err = new AsbParseError(this.file, this.line, reason);
    this.failure = err;
    throw err;
  }

  private expected(): string {
    if (this.stage === Stage.InBins) return `${EXPECTED[Stage.InBins]}, ${this.binsTotal - (this.wire ? this.binsDone : this.bins.length)} of ${this.binsTotal} bins missing`;
    return EXPECTED[this.stage];
  }

  private at(i: number): number {
    if (i >= this.buf.length) {
      this.need = i + 1 - this.pos;
      throw NEED_MORE;
    }
    return this.buf[i]!;
  }

  private expectByte(c: number, what: string): void {
    if (this.at(this.p) !== c) this.fail(what);
    this.p++;
  }

  private expectLf(what: string): void {
    if (this.at(this.p) !== LF) this.fail(`unexpected data after ${what}`);
    this.p++;
  }

  private parseLine(): void {
    if (this.phase === 'version') return this.parseVersion();
    const c0 = this.at(this.p);
    if (c0 !== 0x2b && c0 !== DASH && c0 !== 0x2a && c0 !== 0x23) this.fail(`unknown line type '${printable(c0)}'`);
    if (this.at(this.p + 1) !== SP) this.fail(`invalid line: '${printable(c0)}' must be followed by a space`);
    switch (c0) {
      case 0x23: // '#'
        return this.parseMeta();
      case 0x2b: // '+'
        this.endMeta();
        return this.parseRecordLine();
      case DASH:
        this.endMeta();
        return this.parseBinLine();
      default: // '*'
        this.endMeta();
        return this.parseGlobalLine();
    }
  }

  private parseVersion(): void {
    const prefix = 'Version ';
    for (let i = 0; i < 12; i++) {
      const c = this.at(this.pos + i);
      const ok = i < 8 ? c === prefix.charCodeAt(i) : i === 11 ? c === LF : true;
      if (!ok) this.fail(invalidVersion(this.buf.subarray(this.pos, this.pos + i + 1)));
    }
    const v = this.buf.toString('latin1', this.pos + 8, this.pos + 11);
    if (v !== '3.0' && v !== '3.1') this.fail(`unsupported format version '${v}' (readable: 3.0, 3.1)`);
    this.p = this.pos + 12;
    this.header.version = v;
    this.escapes = v === '3.1';
    this.phase = 'meta';
  }

  private emit(item: OtherItem): void {
    if (this.wireSink) this.wireSink(item);
    else this.sink(item);
  }

  private endMeta(): void {
    if (this.phase !== 'meta') return;
    this.phase = 'body';
    this.emit({ kind: 'header', header: this.header });
  }

  private parseMeta(): void {
    if (this.phase !== 'meta') this.fail("meta data line ('# ') after the header section");
    this.p += 2;
    const start = this.p;
    let end = start;
    for (;;) {
      const c = this.at(end);
      if (c === SP || c === LF) break;
      if (++end - start > MAX_META_LINE) this.fail('meta data line too long');
    }
    const tag = this.buf.toString('latin1', start, end);
    this.p = end;
    if (tag === 'namespace') {
      this.expectByte(SP, "invalid '# namespace' line");
      const ns = this.readToken('namespace');
      this.expectLf('the namespace');
      if (this.p - this.pos > MAX_META_LINE) this.fail('meta data line too long');
      this.header.namespace = ns;
    } else if (tag === 'first-file') {
      this.expectLf("'# first-file'");
      this.header.firstFile = true;
    } else {
      this.fail(`invalid meta data line '# ${tag}'`);
    }
  }

  /**
   * Scans a token from `this.p` up to (not including) an unescaped space or LF, moves `this.p`
   * there and returns it; `tokenEscaped` says whether the token holds escapes.
   */
  private scanToken(what: string): number {
    const start = this.p;
    let i = start;
    let escaped = false;
    for (;;) {
      const c = this.at(i);
      if (c === SP || c === LF) break;
      if (c === BACKSLASH && this.escapes) {
        escaped = true;
        if (this.at(i + 1) === LF) this.lfs++;
        i += 2;
      } else {
        i++;
      }
      if (i - start > MAX_TOKEN) this.fail(`${what} is longer than ${MAX_TOKEN} bytes`);
    }
    this.tokenEscaped = escaped;
    this.p = i;
    return i;
  }

  /** Copies `buf[start, end)` into `out` at `o` without its escape backslashes; returns the end in `out`. */
  private unescapeInto(out: Buffer, o: number, start: number, end: number): number {
    for (let j = start; j < end; j++) {
      if (this.buf[j] === BACKSLASH) j++;
      out[o++] = this.buf[j]!;
    }
    return o;
  }

  /** Reads a token up to (not including) an unescaped space or LF. */
  private readToken(what: string): string {
    const start = this.p;
    const end = this.scanToken(what);
    if (!this.tokenEscaped) return this.buf.toString('utf8', start, end);
    const out = Buffer.allocUnsafe(end - start);
    return out.toString('utf8', 0, this.unescapeInto(out, 0, start, end));
  }

  private readNonEmptyToken(what: string): string {
    const t = this.readToken(what);
    if (t.length === 0) this.fail(`${what} is empty`);
    return t;
  }

  /**
   * Unsigned decimal followed by `delim` (consumed). Messages name it `what` + `suffix`, joined
   * only when one is thrown (no string per call on the hot path).
   */
  private readUInt(max: number, what: string, delim: number, suffix = ''): number {
    const start = this.p;
    let v = 0;
    for (;;) {
      const c = this.at(this.p);
      if (c < 0x30 || c > 0x39) break;
      v = v * 10 + (c - 0x30);
      this.p++;
      if (this.p - start > 16) this.fail(`${what}${suffix} is out of range`);
    }
    if (this.p === start) this.fail(`invalid ${what}${suffix}: expected an unsigned decimal number`);
    if (this.buf[this.p] !== delim) this.fail(`invalid ${what}${suffix}: unexpected character '${printable(this.buf[this.p]!)}' after the digits`);
    if (v > max) this.fail(`${what}${suffix} ${v} is out of range (maximum ${max})`);
    this.p++;
    return v;
  }

  /** Signed 64-bit decimal followed by LF (consumed): a number when it is safe, else a bigint. */
  private readInt64(what: string): number | bigint {
    const start = this.p;
    let i = start;
    if (this.at(i) === DASH) i++;
    const digitsFrom = i;
    let v = 0;
    for (;;) {
      const c = this.at(i);
      if (c < 0x30 || c > 0x39) break;
      v = v * 10 + (c - 0x30);
      if (++i - digitsFrom > 19) this.fail(`invalid ${what}: too many digits for a 64-bit integer`);
    }
    if (i === digitsFrom) this.fail(`invalid ${what}: expected a decimal integer`);
    if (this.buf[i] !== LF) this.fail(`invalid ${what}: unexpected character '${printable(this.buf[i]!)}'`);
    this.p = i + 1;
    if (i - digitsFrom <= 15) return digitsFrom > start ? -v : v;
    const big = BigInt(this.buf.toString('latin1', start, i));
    if (big < INT64_MIN || big > INT64_MAX) this.fail(`invalid ${what}: out of the 64-bit range`);
    return big;
  }

  /**
   * Double text up to LF (consumed); `negativeNan` tells whether it was `-nan`. Plain decimals
   * of at most 15 digits (`57.25`, `-3`, `0.5`: most of what `%.17g` prints for short values)
   * are converted from their digits, exactly (both the digits and the power of ten are exact
   * doubles, so the one division rounds correctly); anything else goes through the text.
   */
  private readDouble(what: string): number {
    const start = this.p;
    let i = start;
    while (this.at(i) !== LF) {
      if (++i - start > MAX_DOUBLE_TEXT) this.fail(`invalid ${what}: too long`);
    }
    this.p = i + 1;
    this.negativeNan = false;
    const b = this.buf;
    let j = start;
    const neg = b[j] === DASH;
    if (neg) j++;
    let digits = 0;
    let n = 0;
    let scale = -1;
    for (; j < i; j++) {
      const c = b[j]!;
      if (c >= 0x30 && c <= 0x39) {
        n = n * 10 + (c - 0x30);
        digits++;
      } else if (c === 0x2e && scale < 0) scale = j;
      else break;
    }
    if (j === i && digits > 0 && digits <= 15) {
      const k = scale < 0 ? 0 : i - scale - 1;
      const v = k === 0 ? n : n / POW10[k]!;
      return neg ? -v : v;
    }
    const parsed = parseDoubleText(b.toString('latin1', start, i));
    if (parsed === undefined) this.fail(`invalid ${what}: '${b.toString('latin1', start, i)}' is not a number`);
    this.negativeNan = parsed.negativeNan;
    return parsed.value;
  }

  private readSize(what: string, suffix = ' length'): number {
    const n = this.readUInt(MAX_SIZE, what, SP, suffix);
    if (n > this.maxValue) this.fail(`${what}${suffix} ${n} exceeds the limit of ${this.maxValue} bytes`);
    return n;
  }

  /** `<len> <raw bytes>` followed by LF (consumed). The result is a view of the input. */
  private readRaw(what: string): Buffer {
    const n = this.readSize(what);
    const end = this.p + n;
    if (this.at(end) !== LF) this.fail(`${what}: expected the line to end after ${n} bytes`);
    this.countLfs(this.p, end);
    const out = this.buf.subarray(this.p, end);
    this.p = end + 1;
    return out;
  }

  /** `<b64len> <base64>` followed by LF (consumed). */
  private readBase64(what: string): Buffer {
    const n = this.readSize(what, ' base64 length');
    if (n % 4 !== 0) this.fail(`${what}: base64 length ${n} is not a multiple of 4`);
    const end = this.p + n;
    if (this.at(end) !== LF) this.fail(`${what}: expected the line to end after ${n} base64 characters`);
    const out = decodeBase64(this.buf, this.p, end);
    if (out === null) this.fail(`${what}: invalid base64`);
    this.p = end + 1;
    return out;
  }

  private parseRecordLine(): void {
    const letter = this.at(this.p + 2);
    if (this.at(this.p + 3) !== SP) this.fail(`invalid record line '+ ${printable(letter)}'`);
    this.p += 4;
    const stage = this.stage;
    switch (letter) {
      case 0x6b: {
        // k
        if (stage !== Stage.Idle) this.wrongPlace(letter);
        if (this.wire) {
          this.wire.begin();
          this.parseKeyWire(this.wire);
          this.keyEnd = this.wire.mark();
          this.startRecord();
        } else {
          const key = this.parseKey();
          this.startRecord();
          this.key = key;
        }
        this.stage = Stage.AfterKey;
        return;
      }
      case 0x6e: {
        // n
        if (stage !== Stage.Idle && stage !== Stage.AfterKey) this.wrongPlace(letter);
        const ns = this.wire ? this.readNameMemo('record namespace', this.nsMemo) : this.readNonEmptyToken('record namespace');
        this.expectLf('the record namespace');
        if (this.expectNamespace !== undefined && ns !== this.expectNamespace) {
          this.fail(`record namespace '${ns}' does not match the expected namespace '${this.expectNamespace}'`);
        }
        if (stage === Stage.Idle) {
          this.startRecord();
          if (this.wire) {
            this.wire.begin();
            this.keyEnd = DIGEST_BYTES;
          }
        }
        this.namespace = ns;
        this.stage = Stage.AfterNamespace;
        return;
      }
      case 0x64: {
        // d
        if (stage !== Stage.AfterNamespace) this.wrongPlace(letter);
        const end = this.p + 28;
        for (let i = this.p; i <= end; i++) {
          if ((this.at(i) === LF) !== (i === end)) this.fail('invalid digest: expected exactly 28 base64 characters');
        }
        if (this.wire) {
          // Straight into the slot the record reserved for it.
          const w = this.wire;
          if (decodedBase64Length(this.buf, end, 28) !== DIGEST_BYTES || decodeBase64Into(this.buf, this.p, end, w.buf, w.recStart) < 0) this.fail('invalid digest: not base64 of 20 bytes');
          this.setEnd = this.keyEnd;
        } else {
          const d = decodeBase64(this.buf, this.p, end);
          if (d === null || d.length !== 20) this.fail('invalid digest: not base64 of 20 bytes');
          this.digest = d;
        }
        this.p = end + 1;
        this.stage = Stage.AfterDigest;
        return;
      }
      case 0x73: {
        // s
        if (stage !== Stage.AfterDigest) this.wrongPlace(letter);
        if (this.wire) {
          const w = this.wire;
          w.rewind(this.keyEnd);
          if (this.readTokenInto('set name', w) === 0) this.fail('set name is empty');
          this.expectLf('the set name');
          this.setEnd = w.mark();
          this.set = memoText(this.setMemo, w.buf, w.recStart + this.keyEnd, w.pos);
        } else {
          const set = this.readNonEmptyToken('set name');
          this.expectLf('the set name');
          this.set = set;
        }
        this.stage = Stage.AfterSet;
        return;
      }
      case 0x67: {
        // g
        if (stage !== Stage.AfterDigest && stage !== Stage.AfterSet) this.wrongPlace(letter);
        this.generation = this.readUInt(0xffff, 'generation', LF);
        this.stage = Stage.AfterGeneration;
        return;
      }
      case 0x74: {
        // t
        if (stage !== Stage.AfterGeneration) this.wrongPlace(letter);
        this.voidTime = this.readUInt(0xffffffff, 'void time', LF);
        this.stage = Stage.AfterVoidTime;
        return;
      }
      case 0x62: {
        // b
        if (stage !== Stage.AfterVoidTime) this.wrongPlace(letter);
        this.binsTotal = this.readUInt(0xffff, 'bin count', LF);
        if (this.wire) this.binsDone = 0;
        else this.bins = new Array<Bin>();
        this.stage = Stage.InBins;
        if (this.binsTotal === 0) this.emitRecord();
        return;
      }
      default:
        this.fail(`unknown record line type '+ ${printable(letter)}'`);
    }
  }

  private wrongPlace(letter: number): never {
    const found = `found '+ ${printable(letter)}'`;
    if (this.stage === Stage.InBins) this.fail(`expected ${this.expected()} (record starting at line ${this.recLine}), ${found}`);
    this.fail(`expected ${EXPECTED[this.stage]}, ${found}`);
  }

  private startRecord(): void {
    this.recLine = this.line;
    this.key = null;
    this.set = null;
  }

  private parseKey(): UserKey {
    const t = this.at(this.p);
    const bang = this.at(this.p + 1) === BANG;
    if (bang && t !== 0x42) this.fail(`invalid key type '${printable(t)}!'`);
    this.expectByteAt(this.p + (bang ? 2 : 1), SP, 'invalid key line');
    this.p += bang ? 3 : 2;
    switch (t) {
      case 0x49: // I
        return { type: 'int', value: BigInt(this.readInt64('integer key')) };
      case 0x44: // D
        return { type: 'double', value: this.readDouble('double key') };
      case 0x53: // S
        return { type: 'string', value: this.readRaw('string key') };
      case 0x58: // X
        return { type: 'string', value: this.readBase64('string key') };
      case 0x42: // B
        return { type: 'bytes', value: bang ? this.readRaw('blob key') : this.readBase64('blob key') };
      default:
        return this.fail(`unknown key type '${printable(t)}'`);
    }
  }

  private expectByteAt(i: number, c: number, what: string): void {
    if (this.at(i) !== c) this.fail(what);
  }

  private parseBinLine(): void {
    if (this.wire) return this.parseBinLineWire(this.wire);
    if (this.stage !== Stage.InBins) {
      this.fail(this.stage === Stage.Idle ? "bin line ('- ') outside a record" : `expected ${EXPECTED[this.stage]}, found a bin line`);
    }
    const letter = this.at(this.p + 2);
    const bang = this.at(this.p + 3) === BANG;
    const blobType = BLOB_PARTICLE[letter]!;
    if (bang && blobType < 0) this.fail(`invalid bin type '${printable(letter)}!' (only blob-like types have a raw form)`);
    // The message is built only when it is thrown (this runs once per bin).
    if (this.at(this.p + (bang ? 4 : 3)) !== SP) this.fail(`invalid bin line '- ${printable(letter)}'`);
    this.p += bang ? 5 : 4;
    if (letter === 0x55) this.fail('LDT bins (type U) are not supported');
    if (blobType < 0 && !SCALAR_LETTERS.has(letter)) this.fail(`unknown bin type '${printable(letter)}'`);
    const name = this.readNonEmptyToken('bin name');
    let type: number;
    let data: Buffer;
    if (letter === 0x4e) {
      // N
      this.expectLf('a nil bin name');
      type = Particle.NIL;
      data = EMPTY;
    } else {
      this.expectByte(SP, `bin '${name}': expected a space after the name`);
      switch (letter) {
        case 0x5a: {
          // Z
          const c = this.at(this.p);
          if ((c !== 0x54 && c !== 0x46) || this.at(this.p + 1) !== LF) this.fail(`bin '${name}': a boolean must be exactly T or F`);
          this.p += 2;
          type = Particle.BOOL;
          data = Buffer.from([c === 0x54 ? 1 : 0]);
          break;
        }
        case 0x49: {
          // I
          const v = this.readInt64(`integer in bin '${name}'`);
          data = Buffer.allocUnsafe(8);
          if (typeof v === 'bigint') data.writeBigInt64BE(v, 0);
          else {
            const hi = Math.floor(v / 0x100000000);
            data.writeInt32BE(hi, 0);
            data.writeUInt32BE(v - hi * 0x100000000, 4);
          }
          type = Particle.INTEGER;
          break;
        }
        case 0x44: {
          // D
          const d = this.readDouble(`double in bin '${name}'`);
          data = Buffer.allocUnsafe(8);
          writeDoubleBits(data, 0, d, this.negativeNan);
          type = Particle.FLOAT;
          break;
        }
        case 0x53: // S
          data = this.readRaw(`string in bin '${name}'`);
          type = Particle.STRING;
          break;
        case 0x58: // X
          data = this.readBase64(`string in bin '${name}'`);
          type = Particle.STRING;
          break;
        case 0x47: // G
          data = this.readRaw(`GeoJSON in bin '${name}'`);
          type = Particle.GEOJSON;
          break;
        default:
          data = bang ? this.readRaw(`value of bin '${name}'`) : this.readBase64(`value of bin '${name}'`);
          type = blobType;
      }
    }
    this.bins.push({ name, type, data });
    if (this.bins.length === this.binsTotal) this.emitRecord();
  }

  // ---- Hot path: the same lines, written straight into the record's write operations. ----

  /** LFs inside a raw value `buf[start, end)`; `buf[end]` is the line's LF, which ends the search. */
  private countLfs(start: number, end: number): void {
    const b = this.buf;
    if (end - start <= 32) {
      for (let i = start; i < end; i++) if (b[i] === LF) this.lfs++;
      return;
    }
    for (let i = b.indexOf(LF, start); i < end; i = b.indexOf(LF, i + 1)) this.lfs++;
  }

  /** The current bin's name, for error texts. */
  private wireBinName(): string {
    const w = this.wire!;
    const at = w.recStart + this.binOpAt + 8;
    return w.buf.toString('utf8', at, at + this.binNameLen);
  }

  /** `readNonEmptyToken`, returning the memo's string when the bytes are the same. */
  private readNameMemo(what: string, memo: NameMemo): string {
    const start = this.p;
    let i = start;
    for (;;) {
      const c = this.at(i);
      if (c === SP || c === LF) break;
      if (c === BACKSLASH && this.escapes) return this.readNonEmptyToken(what);
      if (++i - start > MAX_TOKEN) this.fail(`${what} is longer than ${MAX_TOKEN} bytes`);
    }
    if (i === start) this.fail(`${what} is empty`);
    this.p = i;
    return memoText(memo, this.buf, start, i);
  }

  /** `readToken`, appending the unescaped bytes to `w`; returns how many. */
  private readTokenInto(what: string, w: EncodedRecordBuilder): number {
    const start = this.p;
    const end = this.scanToken(what);
    if (!this.tokenEscaped) {
      w.copy(this.buf, start, end);
      return end - start;
    }
    w.ensure(end - start);
    const from = w.pos;
    w.pos = this.unescapeInto(w.buf, from, start, end);
    return w.pos - from;
  }

  /** `readRaw`, appending the value to `w`. */
  private readRawInto(what: string, w: EncodedRecordBuilder): void {
    const n = this.readSize(what);
    const end = this.p + n;
    if (this.at(end) !== LF) this.fail(`${what}: expected the line to end after ${n} bytes`);
    this.countLfs(this.p, end);
    w.copy(this.buf, this.p, end);
    this.p = end + 1;
  }

  /** `readBase64`, decoding into `w`. */
  private readBase64Into(what: string, w: EncodedRecordBuilder): void {
    const n = this.readSize(what, ' base64 length');
    if (n % 4 !== 0) this.fail(`${what}: base64 length ${n} is not a multiple of 4`);
    const end = this.p + n;
    if (this.at(end) !== LF) this.fail(`${what}: expected the line to end after ${n} base64 characters`);
    w.ensure(decodedBase64Length(this.buf, end, n));
    const o = decodeBase64Into(this.buf, this.p, end, w.buf, w.pos);
    if (o < 0) this.fail(`${what}: invalid base64`);
    w.pos = o;
    this.p = end + 1;
  }

  /** `parseKey`, writing the key field's data (particle type, value) to `w`. */
  private parseKeyWire(w: EncodedRecordBuilder): void {
    const t = this.at(this.p);
    const bang = this.at(this.p + 1) === BANG;
    if (bang && t !== 0x42) this.fail(`invalid key type '${printable(t)}!'`);
    this.expectByteAt(this.p + (bang ? 2 : 1), SP, 'invalid key line');
    this.p += bang ? 3 : 2;
    switch (t) {
      case 0x49: {
        // I
        const v = this.readInt64('integer key');
        w.ensure(9);
        w.buf[w.pos] = Particle.INTEGER;
        writeInt64(w.buf, w.pos + 1, v);
        w.pos += 9;
        return;
      }
      case 0x44: {
        // D: as the decoded path sends it (the key's value, not the text's exact NaN bits)
        const d = this.readDouble('double key');
        w.ensure(9);
        w.buf[w.pos] = Particle.FLOAT;
        w.buf.writeDoubleBE(d, w.pos + 1);
        w.pos += 9;
        return;
      }
      case 0x53: // S
        this.wireByte(w, Particle.STRING);
        return this.readRawInto('string key', w);
      case 0x58: // X
        this.wireByte(w, Particle.STRING);
        return this.readBase64Into('string key', w);
      case 0x42: // B
        this.wireByte(w, Particle.BLOB);
        return bang ? this.readRawInto('blob key', w) : this.readBase64Into('blob key', w);
      default:
        return this.fail(`unknown key type '${printable(t)}'`);
    }
  }

  private wireByte(w: EncodedRecordBuilder, c: number): void {
    w.ensure(1);
    w.buf[w.pos++] = c;
  }

  /** `parseBinLine`, writing the bin as one write operation (wire protocol §7) to `w`. */
  private parseBinLineWire(w: EncodedRecordBuilder): void {
    if (this.stage !== Stage.InBins) {
      this.fail(this.stage === Stage.Idle ? "bin line ('- ') outside a record" : `expected ${EXPECTED[this.stage]}, found a bin line`);
    }
    const letter = this.at(this.p + 2);
    const bang = this.at(this.p + 3) === BANG;
    const blobType = BLOB_PARTICLE[letter]!;
    if (bang && blobType < 0) this.fail(`invalid bin type '${printable(letter)}!' (only blob-like types have a raw form)`);
    // The message is built only when it is thrown (this runs once per bin).
    if (this.at(this.p + (bang ? 4 : 3)) !== SP) this.fail(`invalid bin line '- ${printable(letter)}'`);
    this.p += bang ? 5 : 4;
    if (letter === 0x55) this.fail('LDT bins (type U) are not supported');
    if (blobType < 0 && !SCALAR_LETTERS.has(letter)) this.fail(`unknown bin type '${printable(letter)}'`);
    const opAt = (this.binOpAt = w.mark());
    w.ensure(8);
    w.pos += 8;
    const nameLen = (this.binNameLen = this.readTokenInto('bin name', w));
    if (nameLen === 0) this.fail('bin name is empty');
    let type: number;
    if (letter === 0x4e) {
      // N
      this.expectLf('a nil bin name');
      type = Particle.NIL;
    } else {
      this.expectByte(SP, WHAT_SPACE_AFTER_NAME);
      switch (letter) {
        case 0x5a: {
          // Z
          const c = this.at(this.p);
          if ((c !== 0x54 && c !== 0x46) || this.at(this.p + 1) !== LF) this.fail(WHAT_BOOL);
          this.p += 2;
          type = Particle.BOOL;
          this.wireByte(w, c === 0x54 ? 1 : 0);
          break;
        }
        case 0x49: {
          // I
          const v = this.readInt64(WHAT_INTEGER_BIN);
          w.ensure(8);
          writeInt64(w.buf, w.pos, v);
          w.pos += 8;
          type = Particle.INTEGER;
          break;
        }
        case 0x44: {
          // D
          const d = this.readDouble(WHAT_DOUBLE_BIN);
          w.ensure(8);
          writeDoubleBits(w.buf, w.pos, d, this.negativeNan);
          w.pos += 8;
          type = Particle.FLOAT;
          break;
        }
        case 0x53: // S
          this.readRawInto(WHAT_STRING_BIN, w);
          type = Particle.STRING;
          break;
        case 0x58: // X
          this.readBase64Into(WHAT_STRING_BIN, w);
          type = Particle.STRING;
          break;
        case 0x47: // G: the wire wants flags 0 and a cell count of 0 before the JSON text
          w.ensure(3);
          w.buf[w.pos] = 0;
          w.buf[w.pos + 1] = 0;
          w.buf[w.pos + 2] = 0;
          w.pos += 3;
          this.readRawInto(WHAT_GEOJSON_BIN, w);
          type = Particle.GEOJSON;
          break;
        default:
          if (bang) this.readRawInto(WHAT_VALUE_BIN, w);
          else this.readBase64Into(WHAT_VALUE_BIN, w);
          type = blobType;
      }
    }
    const at = w.recStart + opAt;
    const b = w.buf;
    put32be(b, at, w.pos - at - 4);
    b[at + 4] = OpType.WRITE;
    b[at + 5] = type;
    b[at + 6] = 0;
    b[at + 7] = nameLen;
    if (++this.binsDone === this.binsTotal) this.emitRecord();
  }

  private emitRecord(): void {
    this.stage = Stage.Idle;
    if (this.wire) {
      this.wireSink!(this.wire.finish(this.namespace, this.set, this.generation, this.voidTime, this.binsDone, this.keyEnd, this.setEnd));
      return;
    }
    this.sink({
      kind: 'record',
      record: {
        namespace: this.namespace,
        digest: this.digest,
        set: this.set,
        key: this.key,
        generation: this.generation,
        voidTime: this.voidTime,
        bins: this.bins,
      },
    });
    this.bins = [];
  }

  private parseGlobalLine(): void {
    if (this.stage !== Stage.Idle) {
      this.fail(`expected ${this.expected()} (record starting at line ${this.recLine}), found a global ('* ') line`);
    }
    const letter = this.at(this.p + 2);
    if (this.at(this.p + 3) !== SP) this.fail(`invalid global line '* ${printable(letter)}'`);
    this.p += 4;
    if (letter === 0x69) return this.parseIndex();
    if (letter === 0x75) return this.parseUdf();
    if (letter === 0x65) this.fail("expression index lines ('* e', backup-go file version 3.2) are not supported");
    this.fail(`unknown global line type '* ${printable(letter)}'`);
  }

  private parseIndex(): void {
    const namespace = this.readNonEmptyToken('index namespace');
    this.expectByte(SP, 'invalid index line: expected a space after the namespace');
    const set = this.readToken('index set');
    this.expectByte(SP, 'invalid index line: expected a space after the set');
    const name = this.readNonEmptyToken('index name');
    this.expectByte(SP, 'invalid index line: expected a space after the index name');
    const it = this.at(this.p);
    if (it !== 0x4e && it !== 0x4c && it !== 0x4b && it !== 0x56) this.fail(`invalid index type '${printable(it)}' (expected N, L, K or V)`);
    this.p++;
    this.expectByte(SP, 'invalid index line: expected a space after the index type');
    const paths = this.readUInt(0xffff, 'index path count', SP);
    if (paths !== 1) this.fail(`index path count ${paths} is not supported (expected 1)`);
    const bin = this.readNonEmptyToken('index bin');
    this.expectByte(SP, 'invalid index line: expected a space after the bin name');
    const bt = this.at(this.p);
    if (bt !== 0x4e && bt !== 0x53 && bt !== 0x47 && bt !== 0x42) this.fail(`invalid index bin type '${printable(bt)}' (expected N, S, G or B)`);
    this.p++;
    let context: string | null = null;
    if (this.at(this.p) === SP) {
      this.p++;
      const start = this.p;
      while (this.at(this.p) !== LF) {
        if (++this.p - start > MAX_TOKEN) this.fail('index context is too long');
      }
      if (this.p === start || decodeBase64(this.buf, start, this.p) === null) this.fail('invalid index context: not base64');
      context = this.buf.toString('latin1', start, this.p);
    }
    this.expectLf('the index bin type');
    this.emit({
      kind: 'sindex',
      index: {
        namespace,
        set: set.length > 0 ? set : null,
        name,
        indexType: String.fromCharCode(it) as IndexType,
        bin,
        binType: String.fromCharCode(bt) as IndexBinType,
        context,
      },
    });
  }

  private parseUdf(): void {
    const t = this.at(this.p);
    if (t !== 0x4c) this.fail(`unknown UDF type '${printable(t)}' (only L, Lua, exists)`);
    this.p++;
    this.expectByte(SP, 'invalid UDF line: expected a space after the type');
    const name = this.readNonEmptyToken('UDF file name');
    this.expectByte(SP, 'invalid UDF line: expected a space after the file name');
    const raw = this.readRaw(`UDF '${name}'`);
    // Encoding decoders parse from buffers they reuse: the module gets its own bytes.
    const content = this.wire ? Buffer.from(raw) : raw;
    this.emit({ kind: 'udf', udf: { type: 'L', name, content } });
  }
}

/** Writes a signed 64-bit integer (a safe number or a bigint) big-endian. */
function writeInt64(b: Buffer, at: number, v: number | bigint): void {
  if (typeof v === 'bigint') {
    b.writeBigInt64BE(BigInt.asIntN(64, v), at);
    return;
  }
  const hi = Math.floor(v / 0x100000000);
  put32be(b, at, hi);
  put32be(b, at + 4, v - hi * 0x100000000);
}

/** The memo's string when `b[start, end)` holds its bytes, else the bytes' string (remembered). */
function memoText(memo: NameMemo, b: Buffer, start: number, end: number): string {
  const m = memo.bytes;
  const n = end - start;
  if (m.length === n) {
    let i = 0;
    while (i < n && m[i] === b[start + i]) i++;
    if (i === n) return memo.text;
  }
  memo.bytes = Buffer.from(b.subarray(start, end));
  memo.text = b.toString('utf8', start, end);
  return memo.text;
}

function countLf(buf: Buffer, from: number, to: number): number {
  let n = 0;
  let i = buf.indexOf(LF, from);
  while (i !== -1 && i < to) {
    n++;
    i = buf.indexOf(LF, i + 1);
  }
  return n;
}

function printable(c: number): string {
  return c > 0x20 && c < 0x7f ? String.fromCharCode(c) : `0x${c.toString(16).padStart(2, '0')}`;
}

/** Garbage here usually means a wrong key or compression setting, so the message says so. */
function invalidVersion(seen: Buffer): string {
  const text = seen.toString('latin1');
  const shown = /^[\x20-\x7e]*$/.test(text) ? `'${text}'` : 'binary data';
  return `invalid version line (found ${shown}; expected 'Version 3.0' or 'Version 3.1' — wrong encryption key or compression setting?)`;
}

/**
 * Decodes a byte source (e.g. a file stream after decryption/decompression) into items, one
 * array per input chunk: hot loops pay the async-iteration cost per chunk, not per record.
 */
export function readAsbBatches(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: AsbReaderOptions): AsyncGenerator<AsbItem[], void, undefined> {
  const decoder = new AsbDecoder(options);
  return chunkBatches<AsbItem>(source, (chunk, sink) => decoder.feed(chunk, sink), (sink) => decoder.finish(sink));
}

/**
 * `readAsbBatches` for the restore hot path: records arrive as EncodedRecords (write operations),
 * transcoded from the text without building BackupRecords.
 */
export function readAsbEncodedBatches(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: AsbReaderOptions): AsyncGenerator<AsbWireItem[], void, undefined> {
  const decoder = new AsbDecoder({ ...options, encodeRecords: true });
  return chunkBatches<AsbWireItem>(source, (chunk, sink) => decoder.feedEncoded(chunk, sink), (sink) => decoder.finishEncoded(sink));
}

/**
 * `readAsbEncodedBatches` for a source whose chunks `expand` turns into the text (zstd, say),
 * handing it over in pieces of a buffer it reuses: the decoder copies each piece in. `end`
 * runs once the source is done (to check the expansion ended cleanly).
 */
export function readAsbEncodedBatchesExpanded(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: AsbReaderOptions,
  expand: (chunk: Buffer, piece: (text: Buffer) => void) => void,
  end: () => void,
): AsyncGenerator<AsbWireItem[], void, undefined> {
  const decoder = new AsbDecoder({ ...options, encodeRecords: true });
  let sink: WireSink = () => undefined;
  const piece = (text: Buffer): void => decoder.feedEncoded(text, sink, true);
  return chunkBatches<AsbWireItem>(
    source,
    (chunk, s) => {
      sink = s;
      expand(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), piece);
    },
    (s) => {
      end();
      decoder.finishEncoded(s);
    },
  );
}

/** One array of decoded items per input chunk, whichever form the decoder produces. */
async function* chunkBatches<T>(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  feed: (chunk: Uint8Array, sink: (item: T) => void) => void,
  finish: (sink: (item: T) => void) => void,
): AsyncGenerator<T[], void, undefined> {
  let batch: T[] = [];
  const sink = (item: T): void => {
    batch.push(item);
  };
  for await (const chunk of source) {
    let error: unknown = null;
    try {
      feed(chunk, sink);
    } catch (e) {
      error = e;
    }
    // Items completed before a parse error are still delivered, as asrestore restores them.
    if (batch.length > 0) {
      const out = batch;
      batch = [];
      yield out;
    }
    if (error !== null) throw error;
  }
  finish(sink);
  if (batch.length > 0) yield batch;
}

/** The same items one by one. */
export async function* readAsb(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: AsbReaderOptions): AsyncGenerator<AsbItem, void, undefined> {
  for await (const batch of readAsbBatches(source, options)) yield* batch;
}

/** Transform from bytes to AsbItem objects (readable side in object mode). */
export class AsbDecodeStream extends Transform {
  private readonly decoder: AsbDecoder;
  private readonly sink: Sink = (item) => {
    this.push(item);
  };

  constructor(options: AsbReaderOptions) {
    super({ readableObjectMode: true });
    this.decoder = new AsbDecoder(options);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.decoder.feed(chunk, this.sink);
    } catch (e) {
      callback(e as Error);
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.decoder.finish(this.sink);
    } catch (e) {
      callback(e as Error);
      return;
    }
    callback();
  }
}
