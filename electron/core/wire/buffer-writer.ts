/** A growable byte buffer for building messages without intermediate allocations. */
export class BufferWriter {
  buf: Buffer;
  pos = 0;

  /** Writes into `buf` when given (a reused buffer; it grows out of it if needed). */
  constructor(initial = 4096, buf?: Buffer) {
    this.buf = buf ?? Buffer.allocUnsafe(initial);
  }

  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  u64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
  }

  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  /** Writes a string as UTF-8 and returns its byte length. */
  str(s: string): number {
    const n = Buffer.byteLength(s);
    this.ensure(n);
    this.buf.write(s, this.pos);
    this.pos += n;
    return n;
  }

  /** Reserves `n` bytes and returns their offset, for sizes known only later. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** A view of what was written; valid until the next write. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** A copy of what was written, leaving the writer empty for reuse. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }

  reset(): void {
    this.pos = 0;
  }
}
