/** One client connection to one testbed node: frames in, answers out, one request at a time. */
import type { Socket } from 'node:net';
import { inflateSync } from 'node:zlib';
import { BufferWriter } from '../../electron/core/wire/buffer-writer.js';
import { beginProto, endProto, FieldType, findField, Info1, parseMessage, type AsMsg } from '../../electron/core/wire/message.js';
import { PROTO_HEADER_SIZE, ProtoSplitter, ProtoType, protoHeader, type ProtoFrame } from '../../electron/core/wire/proto.js';
import { ResultCode } from '../../electron/core/wire/result-code.js';
import { handleAdmin } from './admin.js';
import { runBatch } from './batch.js';
import type { NodeInfo, TestbedCluster } from './cluster.js';
import { compileFilter, ExpressionError } from './expressions.js';
import { handleInfo } from './info.js';
import { executeRecord } from './record-ops.js';
import { writeResult } from './responses.js';
import { runScan } from './scan.js';

class ConnectionClosed extends Error {}

export class Connection {
  private readonly splitter = new ProtoSplitter();
  private readonly queue: ProtoFrame[] = [];
  private busy = false;
  private closed = false;
  private authenticated: boolean;

  constructor(
    private readonly cluster: TestbedCluster,
    private readonly node: NodeInfo,
    private readonly socket: Socket,
  ) {
    this.authenticated = !cluster.securityEnabled;
    node.stats.connections++;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => {
      this.closed = true;
    });
  }

  private onData(chunk: Buffer): void {
    try {
      this.queue.push(...this.splitter.push(chunk));
    } catch (err) {
      this.cluster.log(`node ${this.node.index}: dropping connection: ${(err as Error).message}`);
      this.socket.destroy();
      return;
    }
    if (!this.busy) void this.drain();
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.queue.length > 0 && !this.closed) await this.handle(this.queue.shift()!);
    } catch (err) {
      if (!(err instanceof ConnectionClosed)) {
        this.cluster.log(`node ${this.node.index}: request failed: ${(err as Error).stack ?? String(err)}`);
        this.socket.destroy();
      }
    } finally {
      this.busy = false;
    }
  }

  send(b: Buffer): Promise<void> {
    if (this.closed || this.socket.destroyed) return Promise.reject(new ConnectionClosed());
    if (this.socket.write(b)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = (): void => {
        this.socket.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        this.socket.off('drain', onDrain);
        reject(new ConnectionClosed());
      };
      this.socket.once('drain', onDrain);
      this.socket.once('close', onClose);
    });
  }

  private async handle(frame: ProtoFrame): Promise<void> {
    switch (frame.type) {
      case ProtoType.INFO:
        return this.send(this.info(frame.body));
      case ProtoType.ADMIN: {
        const out = handleAdmin(this.cluster, frame.body);
        if (out.authenticated !== undefined) this.authenticated = out.authenticated;
        return this.send(out.response);
      }
      case ProtoType.MESSAGE:
        return this.data(frame.body);
      case ProtoType.COMPRESSED: {
        // 8-byte uncompressed size, then zlib; the inflated bytes are a whole type-3 proto.
        const inner = inflateSync(frame.body.subarray(8));
        return this.data(inner.subarray(PROTO_HEADER_SIZE));
      }
      default:
        this.cluster.log(`node ${this.node.index}: unknown proto type ${frame.type}`);
        this.socket.destroy();
    }
  }

  private info(body: Buffer): Buffer {
    let answer: Buffer;
    if (this.authenticated) answer = handleInfo(this.cluster, this.node, body);
    else {
      const cmds = body.toString('utf8').split('\n').filter((c) => c.length > 0);
      answer = Buffer.from(cmds.map((c) => `${c}\tERROR:${ResultCode.NOT_AUTHENTICATED}:not authenticated\n`).join(''));
    }
    return Buffer.concat([protoHeader(ProtoType.INFO, answer.length), answer]);
  }

  private async data(body: Buffer): Promise<void> {
    if (this.cluster.faults.delayMs > 0) await new Promise((r) => setTimeout(r, this.cluster.faults.delayMs));
    const { msg } = parseMessage(body);
    if (!this.authenticated) return this.single(ResultCode.NOT_AUTHENTICATED);
    if (msg.info1 & Info1.BATCH_INDEX) return runBatch(this.cluster, this.node, msg, (b) => this.send(b));
    if (findField(msg, FieldType.PID_ARRAY) || findField(msg, FieldType.DIGEST_ARRAY)) {
      return runScan(this.cluster, this.node, msg, { send: (b) => this.send(b), drop: () => this.socket.destroy() });
    }
    if (!findField(msg, FieldType.DIGEST)) {
      // Background scans/queries (no partition fields, no digest): UDF and operation jobs are not modelled.
      return this.single(ResultCode.UNSUPPORTED_FEATURE);
    }
    return this.record(msg);
  }

  private single(code: number): Promise<void> {
    const w = new BufferWriter(64);
    const at = beginProto(w);
    writeResult(w, code, 0, 0, []);
    endProto(w, at);
    return this.send(w.take());
  }

  private record(msg: AsMsg): Promise<void> {
    const ns = findField(msg, FieldType.NAMESPACE)?.toString('utf8') ?? '';
    const store = this.cluster.namespaces.get(ns);
    if (!store) return this.single(ResultCode.NAMESPACE);
    if (findField(msg, FieldType.UDF_FUNCTION)) {
      const w = new BufferWriter(128);
      const at = beginProto(w);
      writeResult(w, ResultCode.UDF, 0, 0, [{ op: 1, name: 'FAILURE', type: 3, data: Buffer.from('UDF execution is not supported by the testbed') }]);
      endProto(w, at);
      return this.send(w.take());
    }
    let filter: ReturnType<typeof compileFilter> | undefined;
    const exp = findField(msg, FieldType.FILTER_EXP);
    try {
      if (exp) filter = compileFilter(exp);
    } catch (err) {
      if (err instanceof ExpressionError) return this.single(ResultCode.PARAMETER);
      throw err;
    }
    const keyField = findField(msg, FieldType.KEY);
    let result;
    try {
      result = executeRecord(this.cluster, this.node, {
        info1: msg.info1,
        info2: msg.info2,
        info3: msg.info3,
        generation: msg.generation,
        ttl: msg.recordTtl,
        store,
        set: findField(msg, FieldType.SET)?.toString('utf8') ?? '',
        digest: findField(msg, FieldType.DIGEST)!,
        key: keyField ? { type: keyField[0]!, data: Buffer.from(keyField.subarray(1)) } : null,
        ops: msg.ops,
        ...(filter ? { filter } : {}),
      });
    } catch (err) {
      if (err instanceof ExpressionError) return this.single(ResultCode.PARAMETER);
      throw err;
    }
    const w = new BufferWriter(256);
    const at = beginProto(w);
    writeResult(w, result.resultCode, result.generation, result.voidTime, result.bins);
    endProto(w, at);
    return this.send(w.take());
  }
}

