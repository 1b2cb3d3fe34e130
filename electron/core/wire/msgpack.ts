/**
 * Msgpack as Aerospike uses it (wire protocol §6.6). Strings and blobs carry a leading
 * Aerospike type byte inside the payload, so both str and bin families decode to raw Buffers
 * and the caller decides whether the first byte is a type byte (values) or not (bin names in
 * expressions).
 */

export class MpExt {
  constructor(
    readonly type: number,
    readonly data: Buffer,
  ) {}
}

export class MpMap {
  constructor(readonly entries: Array<[MpValue, MpValue]>) {}
}

export type MpValue = null | boolean | bigint | number | Buffer | MpValue[] | MpMap | MpExt;

export class MsgpackError extends Error {
  override name = 'MsgpackError';
}

/** Decodes one value; integers become bigint, floats number. */
export function unpack(buf: Buffer, offset = 0): { value: MpValue; end: number } {
  const r = new MpReader(buf, offset);
  const value = r.read();
  return { value, end: r.pos };
}

export class MpReader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new MsgpackError('truncated msgpack');
  }

  private bytes(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  private u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  private u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  read(): MpValue {
    const b = this.u8();
    if (b <= 0x7f) return BigInt(b);
    if (b >= 0xe0) return BigInt(b - 0x100);
    if ((b & 0xf0) === 0x80) return this.map(b & 0x0f);
    if ((b & 0xf0) === 0x90) return this.list(b & 0x0f);
    if ((b & 0xe0) === 0xa0) return this.bytes(b & 0x1f);
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
      case 0xd9:
        return this.bytes(this.u8());
      case 0xc5:
      case 0xda:
        return this.bytes(this.u16());
      case 0xc6:
      case 0xdb:
        return this.bytes(this.u32());
      case 0xc7: {
        const n = this.u8();
        const t = this.u8();
        return new MpExt(t, this.bytes(n));
      }
      case 0xc8: {
        const n = this.u16();
        const t = this.u8();
        return new MpExt(t, this.bytes(n));
      }
      case 0xc9: {
        const n = this.u32();
        const t = this.u8();
        return new MpExt(t, this.bytes(n));
      }
      case 0xca: {
        this.need(4);
        const v = this.buf.readFloatBE(this.pos);
        this.pos += 4;
        return v;
      }
      case 0xcb: {
        this.need(8);
        const v = this.buf.readDoubleBE(this.pos);
        this.pos += 8;
        return v;
      }
      case 0xcc:
        return BigInt(this.u8());
      case 0xcd:
        return BigInt(this.u16());
      case 0xce:
        return BigInt(this.u32());
      case 0xcf: {
        // The client decodes cf as a signed 64-bit pattern; so do we.
        this.need(8);
        const v = this.buf.readBigInt64BE(this.pos);
        this.pos += 8;
        return v;
      }
      case 0xd0: {
        this.need(1);
        return BigInt(this.buf.readInt8(this.pos++));
      }
      case 0xd1: {
        this.need(2);
        const v = this.buf.readInt16BE(this.pos);
        this.pos += 2;
        return BigInt(v);
      }
      case 0xd2: {
        this.need(4);
        const v = this.buf.readInt32BE(this.pos);
        this.pos += 4;
        return BigInt(v);
      }
      case 0xd3: {
        this.need(8);
        const v = this.buf.readBigInt64BE(this.pos);
        this.pos += 8;
        return v;
      }
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8: {
        const n = 1 << (b - 0xd4);
        const t = this.u8();
        return new MpExt(t, this.bytes(n));
      }
      case 0xdc:
        return this.list(this.u16());
      case 0xdd:
        return this.list(this.u32());
      case 0xde:
        return this.map(this.u16());
      case 0xdf:
        return this.map(this.u32());
      default:
        throw new MsgpackError(`invalid msgpack byte 0x${b.toString(16)}`);
    }
  }

  private list(n: number): MpValue[] {
    const out: MpValue[] = [];
    for (let i = 0; i < n; i++) out.push(this.read());
    return out;
  }

  private map(n: number): MpMap {
    const out: Array<[MpValue, MpValue]> = [];
    for (let i = 0; i < n; i++) {
      const k = this.read();
      out.push([k, this.read()]);
    }
    return new MpMap(out);
  }
}

/** Encoder for the values a server or engine needs to produce. */
export class MpWriter {
  private parts: Buffer[] = [];

  private push(b: Buffer): this {
    this.parts.push(b);
    return this;
  }

  nil(): this {
    return this.push(Buffer.of(0xc0));
  }

  bool(v: boolean): this {
    return this.push(Buffer.of(v ? 0xc3 : 0xc2));
  }

  int(v: bigint | number): this {
    const n = BigInt(v);
    if (n >= 0n) {
      if (n < 128n) return this.push(Buffer.of(Number(n)));
      if (n < 0x100n) return this.push(Buffer.of(0xcc, Number(n)));
      if (n < 0x10000n) {
        const b = Buffer.allocUnsafe(3);
        b[0] = 0xcd;
        b.writeUInt16BE(Number(n), 1);
        return this.push(b);
      }
      if (n < 0x100000000n) {
        const b = Buffer.allocUnsafe(5);
        b[0] = 0xce;
        b.writeUInt32BE(Number(n), 1);
        return this.push(b);
      }
      const b = Buffer.allocUnsafe(9);
      b[0] = 0xcf;
      b.writeBigUInt64BE(n, 1);
      return this.push(b);
    }
    if (n >= -32n) return this.push(Buffer.of(Number(n) & 0xff));
    if (n >= -128n) return this.push(Buffer.of(0xd0, Number(n) & 0xff));
    if (n >= -32768n) {
      const b = Buffer.allocUnsafe(3);
      b[0] = 0xd1;
      b.writeInt16BE(Number(n), 1);
      return this.push(b);
    }
    if (n >= -2147483648n) {
      const b = Buffer.allocUnsafe(5);
      b[0] = 0xd2;
      b.writeInt32BE(Number(n), 1);
      return this.push(b);
    }
    const b = Buffer.allocUnsafe(9);
    b[0] = 0xd3;
    b.writeBigInt64BE(n, 1);
    return this.push(b);
  }

  double(v: number): this {
    const b = Buffer.allocUnsafe(9);
    b[0] = 0xcb;
    b.writeDoubleBE(v, 1);
    return this.push(b);
  }

  /** A str-family item holding `payload` as is (callers add the Aerospike type byte). */
  raw(payload: Buffer): this {
    const n = payload.length;
    let head: Buffer;
    if (n < 32) head = Buffer.of(0xa0 | n);
    else if (n < 0x100) head = Buffer.of(0xd9, n);
    else if (n < 0x10000) {
      head = Buffer.allocUnsafe(3);
      head[0] = 0xda;
      head.writeUInt16BE(n, 1);
    } else {
      head = Buffer.allocUnsafe(5);
      head[0] = 0xdb;
      head.writeUInt32BE(n, 1);
    }
    this.push(head);
    return this.push(payload);
  }

  /** A string value with the Aerospike string type byte. */
  string(s: string): this {
    return this.raw(Buffer.concat([Buffer.of(3), Buffer.from(s)]));
  }

  listHeader(n: number): this {
    if (n < 16) return this.push(Buffer.of(0x90 | n));
    if (n < 0x10000) {
      const b = Buffer.allocUnsafe(3);
      b[0] = 0xdc;
      b.writeUInt16BE(n, 1);
      return this.push(b);
    }
    const b = Buffer.allocUnsafe(5);
    b[0] = 0xdd;
    b.writeUInt32BE(n, 1);
    return this.push(b);
  }

  mapHeader(n: number): this {
    if (n < 16) return this.push(Buffer.of(0x80 | n));
    if (n < 0x10000) {
      const b = Buffer.allocUnsafe(3);
      b[0] = 0xde;
      b.writeUInt16BE(n, 1);
      return this.push(b);
    }
    const b = Buffer.allocUnsafe(5);
    b[0] = 0xdf;
    b.writeUInt32BE(n, 1);
    return this.push(b);
  }

  /** Appends already-encoded msgpack. */
  encoded(b: Buffer): this {
    return this.push(b);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Byte length of the msgpack item at `offset`, without building values. */
export function skipItem(buf: Buffer, offset: number): number {
  const r = new MpReader(buf, offset);
  r.read();
  return r.pos;
}
