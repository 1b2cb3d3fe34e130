/**
 * A record already in the byte form a write request carries: the restore hot path transcodes
 * `.asb` lines straight into this (the mirror of the backup's `appendWire`), and the record
 * writer copies the ranges into batch rows without ever building a BackupRecord.
 *
 * Layout of `buf[start, end)`:
 *   [start, start + 20)   digest
 *   [start + 20, keyEnd)  key field data (particle type + value bytes); empty when the record has no key
 *   [keyEnd, setEnd)      set name (UTF-8 as in the file); empty when the record has none
 *   [setEnd, end)         `nOps` write operations (wire protocol §7: size, op, particle type, 0, name length, name, value)
 */
export interface EncodedRecord {
  /** Tells these apart from the other items of a decoded file (see AsbWireItem). */
  kind: 'encoded';
  /** Source namespace and set as text; producers share one string per distinct name. */
  namespace: string;
  set: string | null;
  generation: number;
  voidTime: number;
  nOps: number;
  buf: Buffer;
  start: number;
  keyEnd: number;
  setEnd: number;
  end: number;
}

export const DIGEST_BYTES = 20;
/** Slab size: many records per allocation, so a record costs one small object and no Buffer. */
const SLAB_BYTES = 256 * 1024;

/**
 * Appends records one after another into slabs. A record in progress that no longer fits moves
 * to a fresh slab (records already finished keep pointing at the old one, which lives as long as
 * they do). Offsets handed out while a record is in progress (`mark()`) are relative to its start,
 * so they survive such a move.
 */
export class EncodedRecordBuilder {
  buf: Buffer;
  pos = 0;
  /** Start of the record in progress; equals `pos` between records. */
  recStart = 0;

  /**
   * @param pool EncodedRecord objects their consumer is done with (see RecordWriterOptions
   * `releaseEncoded`): `finish()` fills one of these in before it makes a new one.
   */
  constructor(
    private readonly slabBytes = SLAB_BYTES,
    private readonly pool?: EncodedRecord[],
  ) {
    this.buf = Buffer.allocUnsafeSlow(slabBytes);
  }

  /** Room for `n` more bytes at `pos`. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const used = this.pos - this.recStart;
    const next = Buffer.allocUnsafeSlow(Math.max(this.slabBytes, (used + n) * 2));
    this.buf.copy(next, 0, this.recStart, this.pos);
    this.buf = next;
    this.recStart = 0;
    this.pos = used;
  }

  /** Starts a record: reserves its digest. */
  begin(): void {
    this.pos = this.recStart;
    this.ensure(DIGEST_BYTES);
    this.pos += DIGEST_BYTES;
  }

  /** Position within the record in progress. */
  mark(): number {
    return this.pos - this.recStart;
  }

  /** Drops what was written after `mark` (a line parsed again once more input arrives). */
  rewind(mark: number): void {
    this.pos = this.recStart + mark;
  }

  /** Drops the record in progress. */
  abort(): void {
    this.pos = this.recStart;
  }

  /** Copies `src[start, end)` (short values by hand: Buffer#copy of a range allocates a view per call). */
  copy(src: Buffer, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    if (n <= 256) {
      const b = this.buf;
      let o = this.pos;
      for (let i = start; i < end; i++) b[o++] = src[i]!;
    } else src.copy(this.buf, this.pos, start, end);
    this.pos += n;
  }

  /** Ends the record; `keyEnd` and `setEnd` are marks. */
  finish(namespace: string, set: string | null, generation: number, voidTime: number, nOps: number, keyEnd: number, setEnd: number): EncodedRecord {
    const start = this.recStart;
    this.recStart = this.pos;
    const rec = this.pool?.pop();
    if (!rec) return { kind: 'encoded', namespace, set, generation, voidTime, nOps, buf: this.buf, start, keyEnd: start + keyEnd, setEnd: start + setEnd, end: this.pos };
    rec.namespace = namespace;
    rec.set = set;
    rec.generation = generation;
    rec.voidTime = voidTime;
    rec.nOps = nOps;
    rec.buf = this.buf;
    rec.start = start;
    rec.keyEnd = start + keyEnd;
    rec.setEnd = start + setEnd;
    rec.end = this.pos;
    return rec;
  }
}
