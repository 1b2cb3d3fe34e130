/** Aerospike proto framing (wire protocol §1): an 8-byte header, then the body. */

export const PROTO_VERSION = 2;
export const PROTO_HEADER_SIZE = 8;
/** The client refuses bodies above 128 MiB; so do we, before allocating. */
export const MAX_PROTO_BODY = 128 * 1024 * 1024;

export const ProtoType = {
  INFO: 1,
  ADMIN: 2,
  MESSAGE: 3,
  COMPRESSED: 4,
} as const;

export function writeProtoHeader(buf: Buffer, offset: number, type: number, size: number): void {
  buf[offset] = PROTO_VERSION;
  buf[offset + 1] = type;
  buf.writeUIntBE(size, offset + 2, 6);
}

export function protoHeader(type: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(PROTO_HEADER_SIZE);
  writeProtoHeader(b, 0, type, size);
  return b;
}

export interface ProtoFrame {
  type: number;
  body: Buffer;
}

export class ProtoError extends Error {
  override name = 'ProtoError';
}

/**
 * Splits a byte stream into proto frames. Chunks are kept in a list and joined only when a frame
 * completes, so a large scan response is copied once rather than on every chunk.
 */
export class ProtoSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = -1;
  private type = 0;

  push(chunk: Buffer): ProtoFrame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: ProtoFrame[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < PROTO_HEADER_SIZE) break;
        const head = this.take(PROTO_HEADER_SIZE);
        if (head[0] !== PROTO_VERSION) throw new ProtoError(`invalid proto version ${head[0]}`);
        this.type = head[1]!;
        const size = head.readUIntBE(2, 6);
        if (size > MAX_PROTO_BODY) throw new ProtoError(`proto body of ${size} bytes exceeds the 128 MiB limit`);
        this.need = size;
      }
      if (this.buffered < this.need) break;
      out.push({ type: this.type, body: this.take(this.need) });
      this.need = -1;
    }
    return out;
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }
}

/**
 * Assembles proto frames from a read buffer the caller reuses (socket `onread`): every byte is
 * copied out once, into a body buffer of the frame's exact size obtained from `alloc`, so frame
 * bodies can come from (and go back to) a pool.
 */
export class ProtoAssembler {
  private readonly head = Buffer.allocUnsafe(PROTO_HEADER_SIZE);
  private headFill = 0;
  private body: Buffer | undefined;
  private bodyFill = 0;
  private type = 0;

  constructor(private readonly alloc: (size: number) => Buffer) {}

  /** Consumes all of `chunk` (it is not referenced afterwards) and appends completed frames to `out`. */
  push(chunk: Buffer, out: ProtoFrame[]): void {
    let off = 0;
    while (off < chunk.length) {
      let body = this.body;
      if (!body) {
        const k = Math.min(PROTO_HEADER_SIZE - this.headFill, chunk.length - off);
        chunk.copy(this.head, this.headFill, off, off + k);
        this.headFill += k;
        off += k;
        if (this.headFill < PROTO_HEADER_SIZE) return;
        this.headFill = 0;
        if (this.head[0] !== PROTO_VERSION) throw new ProtoError(`invalid proto version ${this.head[0]}`);
        this.type = this.head[1]!;
        const size = this.head.readUIntBE(2, 6);
        if (size > MAX_PROTO_BODY) throw new ProtoError(`proto body of ${size} bytes exceeds the 128 MiB limit`);
        if (size === 0) {
          out.push({ type: this.type, body: Buffer.alloc(0) });
          continue;
        }
        body = this.body = this.alloc(size);
        this.bodyFill = 0;
      }
      const k = Math.min(body.length - this.bodyFill, chunk.length - off);
      chunk.copy(body, this.bodyFill, off, off + k);
      this.bodyFill += k;
      off += k;
      if (this.bodyFill === body.length) {
        out.push({ type: this.type, body });
        this.body = undefined;
      }
    }
  }
}
