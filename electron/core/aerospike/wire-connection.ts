/**
 * One TCP connection to one node. Requests are strictly sequential (the server answers each
 * fully before reading the next); responses arrive as proto frames, queued with backpressure
 * so a fast scan cannot outrun a slow consumer.
 */
import { connect, type Socket } from 'node:net';
import { ProtoSplitter, ProtoType, protoHeader, type ProtoFrame } from '../wire/proto.js';
import { AerospikeError, ClientCode } from './errors.js';

const HIGH_WATER_FRAMES = 16;

export interface ConnectOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
}

export class WireConnection {
  private readonly splitter = new ProtoSplitter();
  private readonly frames: ProtoFrame[] = [];
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  private paused = false;
  /** Idle timeout for the current request; 0 = none. */
  private socketTimeoutMs = 0;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.frames.push(...this.splitter.push(chunk));
      } catch (err) {
        this.fail(new AerospikeError(`protocol error: ${(err as Error).message}`, ClientCode.PROTOCOL));
        return;
      }
      if (this.frames.length >= HIGH_WATER_FRAMES && !this.paused) {
        this.paused = true;
        socket.pause();
      }
      this.wake();
    });
    socket.on('error', (err) => this.fail(new AerospikeError(`connection error: ${err.message}`, ClientCode.CONNECTION)));
    socket.on('close', () => this.fail(new AerospikeError('connection closed by the server', ClientCode.CONNECTION)));
    socket.on('timeout', () => {
      this.fail(new AerospikeError(`no data from the server for ${this.socketTimeoutMs} ms`, ClientCode.TIMEOUT));
      socket.destroy();
    });
  }

  static open(o: ConnectOptions): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: o.host, port: o.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new AerospikeError(`could not connect to ${o.host}:${o.port} within ${o.connectTimeoutMs} ms`, ClientCode.TIMEOUT));
      }, o.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new WireConnection(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new AerospikeError(`could not connect to ${o.host}:${o.port}: ${err.message}`, ClientCode.CONNECTION));
      });
    });
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
        if (this.paused && this.frames.length < HIGH_WATER_FRAMES / 2) {
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
