/**
 * The restore engine's write path: BackupRecords (wire form: particle type + raw bytes) written
 * to the cluster over the wire protocol, so raw list/map msgpack, whole doubles, HLL and GeoJSON
 * go back exactly as they were backed up — the official client cannot do that.
 *
 * Write semantics follow asrestore / ABS restore (asb-format.md §10):
 * - generation policy GT with the record's generation (unless `noGeneration`): an existing record
 *   with a greater or equal generation is kept, the server answers 3 and the record counts as
 *   "fresher";
 * - exists policy 'update' (create-or-update, bins merged), 'replace' (create-or-replace) or
 *   'create' (create-only; answer 5 counts as "existed");
 * - TTL from the void time: 0 → never expire (-1); otherwise the remaining seconds plus `extraTtl`;
 *   a record with nothing left is not written and counts as "expired";
 * - the user key is sent when the record carries one (the file had a `+ k` line).
 *
 * Records are grouped per master node (partition of the digest) into "batch any" requests (wire
 * protocol §10), or sent as single-record puts when `disableBatchWrites` is set. `write()` only
 * queues (waiting while `maxAsyncBatches` requests are in flight); results arrive later and
 * `flush()` reports the first final failure.
 *
 * Counters (`stats()`), named as ABS restore statistics name them. Every record handed to
 * `write()` ends in exactly one of inserted / existed / fresher / expired / ignored / errors
 * (unless the writer is aborted while it is in flight):
 * - `inserted`: the server answered OK. With the exists policy 'update' or 'replace' the answer
 *   does not say whether the record existed before, so every OK counts as inserted (ABS does the
 *   same); only with 'create' is an OK known to be a new record.
 * - `existed`: create-only and the record existed (5).
 * - `fresher`: generation GT refused the write (3): the cluster's copy is as new or newer.
 * - `expired`: skipped before writing, its void time (plus `extraTtl`) is already past.
 * - `ignored`: dropped by the writer without contacting the server: records without bins, and
 *   records whose bins were all removed by `binList` (a write without operations cannot create a
 *   record).
 * - `errors`: final failures (non-retryable answers, or retries exhausted); `errorsInDoubt` is the
 *   subset whose request had been sent when the transport failed (timeout, connection lost), so
 *   the write may or may not have been applied.
 * - `retries`: re-sends of one record (each retried row counts once per attempt).
 * - `bytes`: encoded size (digest, namespace, set, key, bins) of the records written (OK).
 *
 * Caveat: a retry after an in-doubt attempt that is answered 3 (GT) or 5 (create-only) is
 * counted as fresher / existed, although the refusal may be caused by the first attempt having
 * landed; the answer alone cannot tell.
 */
import { CITRUSLEAF_EPOCH_SECONDS, Particle, type BackupRecord, type UserKey } from '../model/record.js';
import { BufferWriter } from '../wire/buffer-writer.js';
import { partitionId } from '../wire/digest.js';
import { beginProto, endProto, FieldType, Info1, Info2, Info3, OpType, writeField, writeMsgHeader, writeOp, writeStringField } from '../wire/message.js';
import { ProtoType } from '../wire/proto.js';
import { isRetryable, ResultCode } from '../wire/result-code.js';
import type { AerospikeCluster, ClusterNode } from './cluster.js';
import { AerospikeError, ClientCode } from './errors.js';
import type { WireConnection } from './wire-connection.js';

export type ExistsPolicy = 'update' | 'replace' | 'create';

export interface RetryPolicy {
  /** Re-sends after the first attempt; 0 = no retries. */
  maxRetries: number;
  /** Delay before the first retry. */
  baseDelayMs: number;
  /** Factor applied to the delay for each further retry. */
  multiplier: number;
  /** Upper bound for one delay. */
  maxDelayMs?: number;
}

export interface RecordWriterOptions {
  /** Write into this namespace instead of the record's own. */
  namespace?: string;
  /** Write regardless of the stored generation (default false: generation policy GT). */
  noGeneration?: boolean;
  /** Default 'update' (create or update, bins merged). */
  exists?: ExistsPolicy;
  /** Seconds added to every record's remaining TTL (records that never expire stay so). */
  extraTtl?: number;
  /** Rows per batch request (default 128); a batch is also sent once its rows reach 8 MiB. */
  batchSize?: number;
  /** Requests in flight at once for this writer (default 8). */
  maxAsyncBatches?: number;
  /** Single-record puts instead of batch requests. */
  disableBatchWrites?: boolean;
  /** Idle time allowed while waiting for an answer (default 10 000 ms; 0 = none). */
  socketTimeoutMs?: number;
  /**
   * Budget for one record including its retries, measured from its first send (default 0 = none):
   * no retry starts after it has passed (a request already sent is bounded by the socket timeout
   * only). Also sent to the server as the transaction TTL.
   */
  totalTimeoutMs?: number;
  /** Default { maxRetries: 5, baseDelayMs: 50, multiplier: 2, maxDelayMs: 5000 }. */
  retry?: Partial<RetryPolicy>;
  /** Keep only these bins. */
  binList?: string[];
  signal?: AbortSignal;
  /**
   * After an abort, how long requests already sent may still take to answer (default 0: their
   * connections are closed at once). Answers that arrive in time are counted as usual, so the
   * counters say what was written; rows whose answer does not arrive count as errors in doubt.
   * Nothing new is sent after an abort either way. Wait for `settled()` before reading `stats()`.
   */
  abortGraceMs?: number;
  /**
   * Called for each record that finally failed; the writer then counts it and goes on. Without it
   * the first failure makes `flush()` (and later `write()` calls) reject.
   */
  onRecordError?: (err: AerospikeError, record: BackupRecord) => void;
}

export interface RecordWriterStats {
  /** Records handed to `write()`. */
  records: number;
  inserted: number;
  existed: number;
  fresher: number;
  expired: number;
  ignored: number;
  errors: number;
  errorsInDoubt: number;
  retries: number;
  bytes: number;
}

/** TTL on the wire meaning "never expire" (-1). */
const TTL_NEVER = 0xffffffff;
/** Batch field flags: allow inline, respond all keys (report every row and go on), 0x08 as C 7.x. */
const BATCH_FLAGS = 0x01 | 0x04 | 0x08;
/** Row attribute flags: info bytes, generation, TTL (wire protocol §10.1). */
const ROW_INFO = 0x02;
const ROW_GEN = 0x04;
const ROW_TTL = 0x08;
const GEO_HEADER = Buffer.alloc(3);
const EMPTY = Buffer.alloc(0);
const NO_RESULT = -1;
/** A node's buffer is sent once its rows reach this many bytes, whatever `batchSize` says. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

/** Row answers worth another attempt: transient server states (wire protocol §13). */
function retryableCode(code: number): boolean {
  // 32 XDR key busy, 151/152 batch requests/queues full.
  return isRetryable(code) || code === 32 || code === 151 || code === 152;
}

/** Transport failures worth another attempt. */
function retryableTransport(code: number): boolean {
  return code === ClientCode.CONNECTION || code === ClientCode.TIMEOUT;
}

interface Row {
  record: BackupRecord;
  digest: Buffer;
  pid: number;
  set: string;
  generation: number;
  ttl: number;
  /** Key field data (particle type + value), or null. */
  key: Buffer | null;
  ops: Buffer;
  nOps: number;
  size: number;
  retries: number;
  /** A request carrying this row was sent and its answer lost. */
  inDoubt: boolean;
  lastError?: AerospikeError;
  /** Deadline from `totalTimeoutMs`, set at the first send; 0 = none. */
  deadline: number;
}

export function keyFieldData(key: UserKey): Buffer {
  switch (key.type) {
    case 'int': {
      const b = Buffer.allocUnsafe(9);
      b[0] = Particle.INTEGER;
      b.writeBigInt64BE(BigInt.asIntN(64, key.value), 1);
      return b;
    }
    case 'double': {
      const b = Buffer.allocUnsafe(9);
      b[0] = Particle.FLOAT;
      b.writeDoubleBE(key.value, 1);
      return b;
    }
    case 'string':
      return Buffer.concat([Buffer.of(Particle.STRING), key.value]);
    case 'bytes':
      return Buffer.concat([Buffer.of(key.particle ?? Particle.BLOB), key.value]);
  }
}

/** `digest <hex> (key …) in ns/set`, for error messages. */
export function describeRecord(r: BackupRecord, namespace = r.namespace): string {
  let key = '';
  if (r.key) {
    const k = r.key;
    if (k.type === 'int') key = ` (key ${k.value})`;
    else if (k.type === 'double') key = ` (key ${k.value})`;
    else if (k.type === 'string') key = ` (key '${k.value.toString('utf8')}')`;
    else key = ` (key 0x${k.value.toString('hex')})`;
  }
  return `record ${r.digest.toString('hex')}${key} in ${namespace}${r.set ? `/${r.set}` : ''}`;
}

function nowCitrusleafSeconds(): number {
  return Math.floor(Date.now() / 1000) - CITRUSLEAF_EPOCH_SECONDS;
}

function cancelled(): AerospikeError {
  return new AerospikeError('write cancelled', ClientCode.CANCELLED);
}

export class RecordWriter {
  private readonly counters: RecordWriterStats = { records: 0, inserted: 0, existed: 0, fresher: 0, expired: 0, ignored: 0, errors: 0, errorsInDoubt: 0, retries: 0, bytes: 0 };
  private readonly buffers = new Map<ClusterNode, { rows: Row[]; bytes: number }>();
  /** Run on abort: end backoff waits (one listener on the signal). */
  private readonly onAbort = new Set<() => void>();
  /** Run on abort, after `abortGraceMs`: close the connections whose answers are awaited. */
  private readonly onAbortClose = new Set<() => void>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly slotWaiters: Array<() => void> = [];
  private readonly batchSize: number;
  private readonly maxAsync: number;
  private readonly retry: Required<RetryPolicy>;
  private readonly bins: Set<string> | null;
  private readonly info2: number;
  private readonly info3: number;
  private readonly socketTimeoutMs: number;
  private readonly totalTimeoutMs: number;
  private readonly aborted: Promise<never> | undefined;
  private failure: AerospikeError | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly cluster: AerospikeCluster,
    private readonly options: RecordWriterOptions = {},
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? 128);
    this.maxAsync = Math.max(1, options.maxAsyncBatches ?? 8);
    const r = options.retry ?? {};
    this.retry = { maxRetries: r.maxRetries ?? 5, baseDelayMs: r.baseDelayMs ?? 50, multiplier: r.multiplier ?? 2, maxDelayMs: r.maxDelayMs ?? 5000 };
    this.bins = options.binList ? new Set(options.binList) : null;
    this.socketTimeoutMs = options.socketTimeoutMs ?? 10_000;
    this.totalTimeoutMs = options.totalTimeoutMs ?? 0;
    const exists = options.exists ?? 'update';
    // Create-only refuses any existing record, so the generation check would add nothing.
    const gt = !options.noGeneration && exists !== 'create';
    this.info2 = Info2.WRITE | (gt ? Info2.GENERATION_GT : 0) | (exists === 'create' ? Info2.CREATE_ONLY : 0);
    this.info3 = exists === 'replace' ? Info3.CREATE_OR_REPLACE : 0;
    const signal = options.signal;
    if (signal) {
      this.aborted = new Promise<never>((_, reject) => {
        const onAbort = (): void => {
          reject(cancelled());
          for (const w of this.slotWaiters.splice(0)) w();
          for (const f of [...this.onAbort]) f();
          const close = (): void => {
            for (const f of [...this.onAbortClose]) f();
          };
          const grace = options.abortGraceMs ?? 0;
          if (grace > 0 && this.onAbortClose.size > 0) setTimeout(close, grace).unref();
          else close();
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      this.aborted.catch(() => undefined);
    }
  }

  /** A copy of the counters. */
  stats(): RecordWriterStats {
    return { ...this.counters };
  }

  private get isAborted(): boolean {
    return this.options.signal?.aborted === true;
  }

  private checkUsable(): void {
    if (this.isAborted) throw cancelled();
    if (this.failure && !this.options.onRecordError) throw this.failure;
  }

  /**
   * Queues one record. Resolves once it is queued and there is room for more (at most
   * `maxAsyncBatches` requests in flight); its outcome shows in `stats()` and in `flush()`.
   * Rejects when the writer was aborted, an earlier record failed (without `onRecordError`), or
   * the target namespace is unknown to the cluster (code 20).
   */
  async write(record: BackupRecord): Promise<void> {
    this.checkUsable();
    this.counters.records++;
    const row = this.prepare(record);
    if (!row) return;
    const ns = this.targetNamespace(record);
    let node = this.cluster.masterOf(ns, row.pid);
    if (!node) {
      await this.refresh();
      node = this.cluster.masterOf(ns, row.pid);
      if (!node) throw new AerospikeError(`namespace '${ns}' not found on the cluster`, ResultCode.NAMESPACE);
    }
    if (this.options.disableBatchWrites) {
      await this.acquireSlot();
      this.launch([row]);
      return;
    }
    let buf = this.buffers.get(node);
    if (!buf) this.buffers.set(node, (buf = { rows: [], bytes: 0 }));
    buf.rows.push(row);
    buf.bytes += row.size;
    if (buf.rows.length >= this.batchSize || buf.bytes >= MAX_BATCH_BYTES) {
      this.buffers.delete(node);
      await this.acquireSlot();
      this.launch(buf.rows);
    }
  }

  /**
   * Resolves once no request is in flight any more (never rejects, sends nothing): after an abort
   * or a failure, the counters are final once this resolves.
   */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Sends everything queued and waits for every answer; rejects with the first final failure. */
  async flush(): Promise<void> {
    if (this.isAborted) throw cancelled();
    for (const [node, buf] of [...this.buffers]) {
      this.buffers.delete(node);
      // After a fatal failure nothing more is sent; what is in flight is still awaited.
      if (this.failure && !this.options.onRecordError) continue;
      await this.acquireSlot();
      this.launch(buf.rows);
    }
    while (this.inFlight.size > 0) {
      const all = Promise.all(this.inFlight);
      await (this.aborted ? Promise.race([all, this.aborted]) : all);
    }
    this.checkUsable();
  }

  private targetNamespace(r: BackupRecord): string {
    return this.options.namespace ?? r.namespace;
  }

  /** TTL, bin filter and encoding; null when the record is not to be written (counted). */
  private prepare(r: BackupRecord): Row | null {
    let ttl = TTL_NEVER;
    if (r.voidTime !== 0) {
      const remaining = r.voidTime - nowCitrusleafSeconds() + (this.options.extraTtl ?? 0);
      if (remaining <= 0) {
        this.counters.expired++;
        return null;
      }
      ttl = remaining;
    }
    const bins = this.bins ? r.bins.filter((b) => this.bins!.has(b.name)) : r.bins;
    if (bins.length === 0) {
      this.counters.ignored++;
      return null;
    }
    // Sized exactly, so the ops are written once and handed over without a copy.
    let opsSize = 0;
    for (const b of bins) opsSize += 8 + Buffer.byteLength(b.name) + (b.type === Particle.NIL ? 0 : b.type === Particle.GEOJSON ? GEO_HEADER.length + b.data.length : b.data.length);
    const w = new BufferWriter(opsSize);
    for (const b of bins) {
      if (b.type === Particle.NIL) writeOp(w, OpType.WRITE, Particle.NIL, b.name, EMPTY);
      // GeoJSON bins hold the JSON text; the wire wants flags 0 and a cell count of 0 before it.
      else if (b.type === Particle.GEOJSON) writeOp(w, OpType.WRITE, b.type, b.name, Buffer.concat([GEO_HEADER, b.data]));
      else writeOp(w, OpType.WRITE, b.type, b.name, b.data);
    }
    const ops = w.view();
    const key = r.key ? keyFieldData(r.key) : null;
    const set = r.set ?? '';
    const ns = this.targetNamespace(r);
    return {
      record: r,
      digest: r.digest,
      pid: partitionId(r.digest),
      set,
      generation: r.generation,
      ttl,
      key,
      ops,
      nOps: bins.length,
      size: 20 + Buffer.byteLength(ns) + Buffer.byteLength(set) + (key?.length ?? 0) + ops.length,
      retries: 0,
      inDoubt: false,
      deadline: 0,
    };
  }

  private async acquireSlot(): Promise<void> {
    while (this.inFlight.size >= this.maxAsync) {
      if (this.isAborted) throw cancelled();
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    if (this.isAborted) throw cancelled();
  }

  private launch(rows: Row[]): void {
    const task: Promise<void> = this.run(rows)
      .catch((err: unknown) => {
        // Unexpected (a bug or a malformed answer outside the per-row paths): fail the writer.
        if (!this.isAborted) this.failure ??= err instanceof AerospikeError ? err : new AerospikeError(String((err as Error)?.message ?? err), ClientCode.PROTOCOL);
      })
      .finally(() => {
        this.inFlight.delete(task);
        this.slotWaiters.shift()?.();
      });
    this.inFlight.add(task);
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.cluster
      .refresh()
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** Sends `rows` until each is settled (written, refused, or failed for good). */
  private async run(rows: Row[]): Promise<void> {
    let pending = rows;
    for (;;) {
      if (this.isAborted) return this.abandon(pending);
      const byNode = new Map<ClusterNode, Row[]>();
      const retry: Row[] = [];
      for (const row of pending) {
        const node = this.cluster.masterOf(this.targetNamespace(row.record), row.pid);
        if (!node) {
          row.lastError = new AerospikeError(`no master node known for partition ${row.pid}`, ResultCode.PARTITION_UNAVAILABLE);
          retry.push(row);
          continue;
        }
        let list = byNode.get(node);
        if (!list) byNode.set(node, (list = []));
        list.push(row);
      }
      const needRefresh = { value: retry.length > 0 };
      await Promise.all(
        [...byNode].map(([node, group]) => (this.options.disableBatchWrites ? this.sendSingles(node, group, retry, needRefresh) : this.sendBatch(node, group, retry, needRefresh))),
      );
      if (this.isAborted) return this.abandon(retry);
      if (retry.length === 0) return;
      const again: Row[] = [];
      const now = Date.now();
      for (const row of retry) {
        if (row.retries >= this.retry.maxRetries) this.fail(row, `after ${row.retries} ${row.retries === 1 ? 'retry' : 'retries'}`);
        else if (row.deadline && now >= row.deadline) this.fail(row, `total timeout of ${this.totalTimeoutMs} ms exceeded`);
        else {
          row.retries++;
          this.counters.retries++;
          again.push(row);
        }
      }
      if (again.length === 0) return;
      const attempt = Math.max(...again.map((r) => r.retries));
      const wait = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * this.retry.multiplier ** (attempt - 1));
      try {
        await this.delay(wait);
      } catch {
        return this.abandon(again); // aborted
      }
      if (needRefresh.value) await this.refresh();
      pending = again;
    }
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.isAborted) return reject(cancelled());
      const t = setTimeout(() => {
        this.onAbort.delete(onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(t);
        reject(cancelled());
      };
      this.onAbort.add(onAbort);
    });
  }

  /** Classifies one row's answer. */
  private settle(row: Row, code: number, retry: Row[], needRefresh: { value: boolean }): void {
    if (code === ResultCode.OK) {
      this.counters.inserted++;
      this.counters.bytes += row.size;
      return;
    }
    if (code === ResultCode.GENERATION && this.info2 & Info2.GENERATION_GT) {
      this.counters.fresher++;
      return;
    }
    if (code === ResultCode.KEY_EXISTS && this.info2 & Info2.CREATE_ONLY) {
      this.counters.existed++;
      return;
    }
    row.lastError = new AerospikeError(`server answered result code ${code}`, code);
    if (retryableCode(code)) {
      if (code === ResultCode.PARTITION_UNAVAILABLE || code === ResultCode.CLUSTER_KEY_MISMATCH) needRefresh.value = true;
      retry.push(row);
    } else this.fail(row);
  }

  /** A whole request failed in transport; `sent` tells whether the rows may have been applied. */
  private transportFailure(rows: Row[], err: unknown, sent: boolean, retry: Row[], needRefresh: { value: boolean }): void {
    const e = err instanceof AerospikeError ? err : new AerospikeError(String((err as Error)?.message ?? err), ClientCode.CONNECTION);
    needRefresh.value = true;
    for (const row of rows) {
      if (sent) row.inDoubt = true;
      row.lastError = e;
      if (retryableTransport(e.code)) retry.push(row);
      else this.fail(row);
    }
  }

  /**
   * Rows given up because the writer was aborted. Those that may have been applied (a request
   * carrying them was sent and its answer lost) count as errors in doubt; the others were not
   * written and count nowhere.
   */
  private abandon(rows: Row[]): void {
    for (const row of rows) {
      if (!row.inDoubt) continue;
      this.counters.errors++;
      this.counters.errorsInDoubt++;
    }
  }

  /** Final failure of one row: counted, then reported through onRecordError or flush(). */
  private fail(row: Row, detail?: string): void {
    const cause = row.lastError ?? new AerospikeError('unknown failure', ClientCode.PROTOCOL);
    const code = cause.code;
    const inDoubt = row.inDoubt;
    const what = code >= 0 ? `result code ${code}` : cause.message;
    const err = new AerospikeError(
      `write of ${describeRecord(row.record, this.targetNamespace(row.record))} failed: ${what}${detail ? ` (${detail})` : ''}${inDoubt ? '; the write may have been applied (in doubt)' : ''}`,
      code,
      inDoubt,
    );
    this.counters.errors++;
    if (inDoubt) this.counters.errorsInDoubt++;
    const cb = this.options.onRecordError;
    if (cb) {
      try {
        cb(err, row.record);
      } catch (cbErr) {
        this.failure ??= cbErr instanceof AerospikeError ? cbErr : new AerospikeError((cbErr as Error).message, code);
      }
    } else this.failure ??= err;
  }

  private markSent(rows: Row[]): void {
    if (this.totalTimeoutMs <= 0) return;
    const now = Date.now();
    for (const r of rows) if (!r.deadline) r.deadline = now + this.totalTimeoutMs;
  }

  /** A connection to `node`, or undefined after counting the failure against `rows`. */
  private async connect(node: ClusterNode, rows: Row[], retry: Row[], needRefresh: { value: boolean }): Promise<WireConnection | undefined> {
    try {
      return await this.cluster.acquire(node);
    } catch (err) {
      if (this.isAborted) this.abandon(rows);
      else this.transportFailure(rows, err, false, retry, needRefresh);
      return undefined;
    }
  }

  /**
   * One request on a pooled connection and its answer. Returns the answer, or undefined when the
   * rows went to failure or abort accounting instead (a request sent and cut off is in doubt).
   */
  private async exchange<T>(
    node: ClusterNode,
    rows: Row[],
    build: () => Buffer,
    read: (conn: WireConnection) => Promise<T>,
    retry: Row[],
    needRefresh: { value: boolean },
  ): Promise<T | undefined> {
    const conn = await this.connect(node, rows, retry, needRefresh);
    if (!conn) return undefined;
    const onAbort = (): void => conn.close();
    this.onAbortClose.add(onAbort);
    let sent = false;
    try {
      if (this.isAborted) throw cancelled();
      conn.setSocketTimeout(this.socketTimeoutMs);
      const request = build();
      this.markSent(rows);
      sent = true;
      await conn.send(request);
      const answer = await read(conn);
      this.onAbortClose.delete(onAbort);
      this.cluster.release(node, conn);
      return answer;
    } catch (err) {
      this.onAbortClose.delete(onAbort);
      conn.close();
      if (this.isAborted) {
        if (sent) for (const row of rows) row.inDoubt = true;
        this.abandon(rows);
      } else this.transportFailure(rows, err, sent, retry, needRefresh);
      return undefined;
    }
  }

  private async sendBatch(node: ClusterNode, rows: Row[], retry: Row[], needRefresh: { value: boolean }): Promise<void> {
    const answer = await this.exchange(node, rows, () => this.buildBatch(rows), (conn) => this.readBatchAnswer(conn, rows.length), retry, needRefresh);
    if (!answer) return;
    const { codes, last } = answer;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const code = codes[i]!;
      if (code !== NO_RESULT) this.settle(row, code, retry, needRefresh);
      // A row without its own answer takes the batch's final code (the server stopped early).
      else if (last !== 0) this.settle(row, last, retry, needRefresh);
      else {
        // A clean end that skipped the row: a server fault, worth another try.
        row.lastError = new AerospikeError('the batch answer had no result for this row', ClientCode.PROTOCOL);
        retry.push(row);
      }
    }
  }

  /** Per-row result codes of a batch answer, and the code of its final LAST message. */
  private async readBatchAnswer(conn: WireConnection, count: number): Promise<{ codes: number[]; last: number }> {
    const codes = new Array<number>(count).fill(NO_RESULT);
    let last = -1;
    while (last < 0) {
      const frame = await conn.next();
      if (frame.type !== ProtoType.MESSAGE) throw new AerospikeError(`unexpected proto type ${frame.type} in a batch answer`, ClientCode.PROTOCOL);
      const b = frame.body;
      let p = 0;
      while (p < b.length) {
        if (p + 22 > b.length) throw new AerospikeError('truncated batch answer', ClientCode.PROTOCOL);
        const info3 = b[p + 3]!;
        const rc = b[p + 5]!;
        const index = b.readUInt32BE(p + 14);
        const nFields = b.readUInt16BE(p + 18);
        const nOps = b.readUInt16BE(p + 20);
        let q = p + b[p]!;
        for (let i = 0; i < nFields + nOps; i++) q += 4 + b.readUInt32BE(q);
        if (q > b.length) throw new AerospikeError('truncated batch answer', ClientCode.PROTOCOL);
        p = q;
        if (info3 & Info3.LAST) {
          last = rc;
          break;
        }
        if (index >= count) throw new AerospikeError(`batch answer names row ${index} of ${count}`, ClientCode.PROTOCOL);
        codes[index] = rc;
      }
    }
    return { codes, last };
  }

  private async sendSingles(node: ClusterNode, rows: Row[], retry: Row[], needRefresh: { value: boolean }): Promise<void> {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (this.isAborted) return this.abandon(rows.slice(i));
      const rc = await this.exchange(
        node,
        [row],
        () => this.buildSingle(row),
        async (conn) => {
          const frame = await conn.next();
          if (frame.type !== ProtoType.MESSAGE || frame.body.length < 22) throw new AerospikeError(`unexpected answer to a write (proto type ${frame.type}, ${frame.body.length} bytes)`, ClientCode.PROTOCOL);
          return frame.body[5]!;
        },
        retry,
        needRefresh,
      );
      if (rc !== undefined) this.settle(row, rc, retry, needRefresh);
    }
  }

  /** A "batch any" request (wire protocol §10.1): one full write row per record. */
  private buildBatch(rows: Row[]): Buffer {
    const w = new BufferWriter(64 + rows.reduce((n, r) => n + r.size + 64, 0));
    const at = beginProto(w);
    writeMsgHeader(w, { info1: Info1.BATCH_INDEX, transactionTtl: this.totalTimeoutMs }, 1, 0);
    const fieldAt = w.reserve(5);
    w.u32(rows.length);
    w.u8(BATCH_FLAGS);
    const info2 = this.info2 | Info2.RESPOND_ALL_OPS;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      w.u32(i);
      w.bytes(r.digest);
      w.u8(ROW_INFO | ROW_GEN | ROW_TTL);
      w.u8(0);
      w.u8(info2);
      w.u8(this.info3);
      w.u16(r.generation & 0xffff);
      w.u32(r.ttl);
      w.u16(r.key ? 3 : 2);
      w.u16(r.nOps);
      writeStringField(w, FieldType.NAMESPACE, this.targetNamespace(r.record));
      writeStringField(w, FieldType.SET, r.set);
      if (r.key) writeField(w, FieldType.KEY, r.key);
      w.bytes(r.ops);
    }
    w.buf.writeUInt32BE(w.pos - fieldAt - 4, fieldAt);
    w.buf[fieldAt + 4] = FieldType.BATCH_INDEX;
    endProto(w, at, ProtoType.MESSAGE);
    // Sized up front: hand the buffer over as is rather than copying it once more.
    return w.view();
  }

  /** A single-record put (wire protocol §8). */
  private buildSingle(r: Row): Buffer {
    const w = new BufferWriter(96 + r.size);
    const at = beginProto(w);
    writeMsgHeader(w, { info2: this.info2, info3: this.info3, generation: r.generation, recordTtl: r.ttl, transactionTtl: this.totalTimeoutMs }, r.key ? 4 : 3, r.nOps);
    writeStringField(w, FieldType.NAMESPACE, this.targetNamespace(r.record));
    writeStringField(w, FieldType.SET, r.set);
    writeField(w, FieldType.DIGEST, r.digest);
    if (r.key) writeField(w, FieldType.KEY, r.key);
    w.bytes(r.ops);
    endProto(w, at, ProtoType.MESSAGE);
    return w.take();
  }
}
