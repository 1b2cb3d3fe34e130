/**
 * One TCP connection to one node. Requests are strictly sequential (the server answers each
 * fully before reading the next); responses arrive as proto frames, queued with backpressure
 * so a fast scan cannot outrun a slow consumer.
 *
 * The socket reads into one buffer per connection and each frame is copied out once. Large
 * frame bodies can be handed back with `recycle()` and are reused for later frames, so a scan
 * streaming gigabytes allocates a handful of buffers instead of one per frame (which the GC
 * would collect late, growing memory with the size of the scan).
 */
import { connect, type Socket } from 'node:net';
import { ProtoAssembler, ProtoType, protoHeader, type ProtoFrame } from '../wire/proto.js';
import { AerospikeError, ClientCode } from './errors.js';

const HIGH_WATER_FRAMES = 16;
/**
 * Also pause once this many bytes are queued: a real server sends scan responses of about 1 MB,
 * and sixteen of those per connection would be most of a backup's memory.
 */
const HIGH_WATER_BYTES = 1024 * 1024;
/** Large bodies get this much headroom, so the next frame of about the same size fits a recycled one. */
const LARGE_BODY = 256 * 1024;
const READ_BUFFER_BYTES = 64 * 1024;
/** Bodies at least this large are allocated on their own and may be recycled; smaller ones come from Node's pool. */
const MIN_POOLED_BODY = 16 * 1024;
/** Pooled bodies are rounded up to this, so frames of slightly different sizes share buffers. */
const POOL_GRAIN = 32 * 1024;
/**
 * Most bytes a connection keeps in recycled bodies: two of a real server's ~1 MB scan responses.
 * An idle connection keeps none: the cluster hands its bodies to the next connection taken from
 * the pool (a backup of a 3-node cluster holds a dozen connections, four of them busy).
 */
export const MAX_POOLED_BYTES = 2560 * 1024;

export interface ConnectOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
}

export class WireConnection {
  private readonly assembler = new ProtoAssembler((n) => this.allocBody(n));
  private readonly frames: ProtoFrame[] = [];
  /** Body bytes of the queued frames. */
  private queuedBytes = 0;
  /** Recycled bodies, whole (their full capacity). */
  private readonly pool: Buffer[] = [];
  private pooledBytes = 0;
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  private paused = false;
  /** Idle timeout for the current request; 0 = none. */
  private socketTimeoutMs = 0;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('error', (err) => this.fail(new AerospikeError(`connection error: ${err.message}`, ClientCode.CONNECTION)));
    socket.on('close', () => this.fail(new AerospikeError('connection closed by the server', ClientCode.CONNECTION)));
    socket.on('timeout', () => {
      this.fail(new AerospikeError(`no data from the server for ${this.socketTimeoutMs} ms`, ClientCode.TIMEOUT));
      socket.destroy();
    });
  }

  static open(o: ConnectOptions): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      let conn: WireConnection | undefined;
      const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
      const socket = connect({
        host: o.host,
        port: o.port,
        // Returning false pauses the socket: that is the backpressure.
        onread: { buffer: readBuffer, callback: (n) => conn?.onRead(readBuffer.subarray(0, n)) ?? true },
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new AerospikeError(`could not connect to ${o.host}:${o.port} within ${o.connectTimeoutMs} ms`, ClientCode.TIMEOUT));
      }, o.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        conn = new WireConnection(socket);
        resolve(conn);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new AerospikeError(`could not connect to ${o.host}:${o.port}: ${err.message}`, ClientCode.CONNECTION));
      });
    });
  }

  /** Takes in bytes from the read buffer; false pauses reading until the queue drains. */
  private onRead(chunk: Buffer): boolean {
    const before = this.frames.length;
    try {
      this.assembler.push(chunk, this.frames);
      for (let i = before; i < this.frames.length; i++) this.queuedBytes += this.frames[i]!.body.length;
    } catch (err) {
      this.fail(new AerospikeError(`protocol error: ${(err as Error).message}`, ClientCode.PROTOCOL));
      return true;
    }
    this.wake();
    if (this.frames.length >= HIGH_WATER_FRAMES || this.queuedBytes >= HIGH_WATER_BYTES) {
      this.paused = true;
      return false;
    }
    return true;
  }

  private allocBody(n: number): Buffer {
    if (n < MIN_POOLED_BODY) return Buffer.allocUnsafe(n);
    for (let i = this.pool.length - 1; i >= 0; i--) {
      const b = this.pool[i]!;
      if (b.length >= n) {
        this.pool.splice(i, 1);
        this.pooledBytes -= b.length;
        return b.subarray(0, n);
      }
    }
    // allocUnsafeSlow: the body owns its whole ArrayBuffer, which is what recycle() hands back.
    const size = n >= LARGE_BODY ? n + (n >> 3) : n;
    return Buffer.allocUnsafeSlow(Math.ceil(size / POOL_GRAIN) * POOL_GRAIN).subarray(0, n);
  }

  /**
   * Hands a frame body from `next()` back for reuse. Nothing may reference the body (or any
   * view of it) afterwards: its bytes will be overwritten by a later frame.
   */
  recycle(body: Buffer): void {
    if (body.length < MIN_POOLED_BODY) return;
    const whole = Buffer.from(body.buffer, 0, body.buffer.byteLength);
    if (this.pooledBytes + whole.length > MAX_POOLED_BYTES) {
      // Full: keep the larger buffer, so the pool ends up holding what the frames need.
      let smallest = -1;
      for (let i = 0; i < this.pool.length; i++) if (smallest < 0 || this.pool[i]!.length < this.pool[smallest]!.length) smallest = i;
      if (smallest < 0 || this.pool[smallest]!.length >= whole.length) return;
      this.pooledBytes -= this.pool[smallest]!.length;
      this.pool.splice(smallest, 1);
      if (this.pooledBytes + whole.length > MAX_POOLED_BYTES) return;
    }
    this.pool.push(whole);
    this.pooledBytes += whole.length;
  }

  /**
   * Takes this connection's recycled bodies away (it keeps none): for a connection going idle,
   * whose bodies the next busy connection can use instead.
   */
  takePool(): Buffer[] {
    const out = this.pool.splice(0);
    this.pooledBytes = 0;
    return out;
  }

  /** Keeps what fits of `bodies` (whole buffers from takePool) for later frames; returns the rest. */
  adoptPool(bodies: Buffer[]): Buffer[] {
    const rest: Buffer[] = [];
    for (const b of bodies) {
      if (this.pooledBytes + b.length > MAX_POOLED_BYTES) rest.push(b);
      else {
        this.pool.push(b);
        this.pooledBytes += b.length;
      }
    }
    return rest;
  }

  get usable(): boolean {
    return !this.failure && !this.socket.destroyed;
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  setSocketTimeout(ms: number): void {
    this.socketTimeoutMs = ms;
    this.socket.setTimeout(ms);
  }

  send(buf: Buffer): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.socket.write(buf, (err) => (err ? reject(new AerospikeError(`write failed: ${err.message}`, ClientCode.CONNECTION)) : resolve()));
    });
  }

  /** Next response frame, waiting for it if needed. */
  async next(): Promise<ProtoFrame> {
    for (;;) {
      const f = this.frames.shift();
      if (f) {
        this.queuedBytes -= f.body.length;
        if (this.paused && this.frames.length < HIGH_WATER_FRAMES / 2 && this.queuedBytes < HIGH_WATER_BYTES / 2) {
          this.paused = false;
          this.socket.resume();
        }
        return f;
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => (this.waiter = () => r()));
    }
  }

  /** Sends info commands and returns their answers by name. */
  async info(commands: string[]): Promise<Map<string, string>> {
    const body = Buffer.from(commands.map((c) => `${c}\n`).join(''));
    await this.send(Buffer.concat([protoHeader(ProtoType.INFO, body.length), body]));
    const frame = await this.next();
    if (frame.type !== ProtoType.INFO) throw new AerospikeError(`expected an info answer, got proto type ${frame.type}`, ClientCode.PROTOCOL);
    const out = new Map<string, string>();
    for (const line of frame.body.toString('utf8').split('\n')) {
      if (!line) continue;
      const tab = line.indexOf('\t');
      if (tab < 0) out.set(line, '');
      else out.set(line.slice(0, tab), line.slice(tab + 1));
    }
    return out;
  }

  close(): void {
    this.socket.destroy();
  }
}
