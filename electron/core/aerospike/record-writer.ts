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
import { CITRUSLEAF_EPOCH_SECONDS, Particle, type BackupRecord, type Bin, type UserKey } from '../model/record.js';
import { put32be, putU16be } from '../wire/big-endian.js';
import { BufferWriter } from '../wire/buffer-writer.js';
import { partitionIdAt } from '../wire/digest.js';
import { DIGEST_BYTES, type EncodedRecord } from '../wire/encoded-record.js';
import { beginProto, endProto, FieldType, Info1, Info2, Info3, OpType, writeMsgHeader, writeOp } from '../wire/message.js';
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
  /**
   * Gets each EncodedRecord given to `writeEncoded()` back once the writer is done with it (its
   * request settled), for the caller to fill in again (an AsbDecoder's `recordPool`). The
   * caller must not use the object otherwise after handing it over. Not called for records
   * the writer did not queue (expired, no bins), nor for those of a request that failed
   * unexpectedly.
   */
  releaseEncoded?: (record: EncodedRecord) => void;
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
/** Larger batch request buffers are left to the GC rather than kept for reuse. */
const MAX_POOLED_REQUEST = 1024 * 1024;

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
  /** The record as given to `write()`; null on the hot path (`writeEncoded`), rebuilt for errors. */
  record: BackupRecord | null;
  /** Digest, key, set and write operations, as every request copies them. */
  enc: EncodedRecord;
  pid: number;
  ttl: number;
  size: number;
  retries: number;
  /** A request carrying this row was sent and its answer lost. */
  inDoubt: boolean;
  lastError?: AerospikeError;
  /** Deadline from `totalTimeoutMs`, set at the first send; 0 = none. */
  deadline: number;
  /** `enc` came from the caller (`writeEncoded`), and goes back through `releaseEncoded`. */
  callerEnc: boolean;
}

/** Rows kept for reuse: a batch's rows are free again once its request settled. */
const MAX_FREE_ROWS = 8192;

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

/**
 * A record in the writer's byte form (see EncodedRecord): what `write()` sends for it, and what
 * the `.asb` hot path produces without building the record.
 */
export function encodeRecord(r: BackupRecord, bins: readonly Bin[] = r.bins): EncodedRecord {
  const key = r.key ? keyFieldData(r.key) : EMPTY;
  const set = r.set ?? '';
  // Sized exactly, so everything is written once and handed over without a copy.
  let size = DIGEST_BYTES + key.length + Buffer.byteLength(set);
  for (const b of bins) size += 8 + Buffer.byteLength(b.name) + (b.type === Particle.NIL ? 0 : b.type === Particle.GEOJSON ? GEO_HEADER.length + b.data.length : b.data.length);
  const w = new BufferWriter(size);
  w.bytes(r.digest);
  w.bytes(key);
  const keyEnd = w.pos;
  w.str(set);
  const setEnd = w.pos;
  for (const b of bins) {
    if (b.type === Particle.NIL) writeOp(w, OpType.WRITE, Particle.NIL, b.name, EMPTY);
    // GeoJSON bins hold the JSON text; the wire wants flags 0 and a cell count of 0 before it.
    else if (b.type === Particle.GEOJSON) writeOp(w, OpType.WRITE, b.type, b.name, Buffer.concat([GEO_HEADER, b.data]));
    else writeOp(w, OpType.WRITE, b.type, b.name, b.data);
  }
  return { kind: 'encoded', namespace: r.namespace, set: r.set, generation: r.generation, voidTime: r.voidTime, nOps: bins.length, buf: w.buf, start: 0, keyEnd, setEnd, end: w.pos };
}

/** The BackupRecord an EncodedRecord stands for (its own copies of the bytes): for errors and bin filters. */
export function decodeEncodedRecord(e: EncodedRecord): BackupRecord {
  const b = e.buf;
  const keyStart = e.start + DIGEST_BYTES;
  let key: UserKey | null = null;
  if (e.keyEnd > keyStart) {
    const t = b[keyStart]!;
    const v = Buffer.from(b.subarray(keyStart + 1, e.keyEnd));
    if (t === Particle.INTEGER && v.length === 8) key = { type: 'int', value: v.readBigInt64BE(0) };
    else if (t === Particle.FLOAT && v.length === 8) key = { type: 'double', value: v.readDoubleBE(0) };
    else if (t === Particle.STRING) key = { type: 'string', value: v };
    else key = t === Particle.BLOB ? { type: 'bytes', value: v } : { type: 'bytes', value: v, particle: t };
  }
  const bins: Bin[] = [];
  let p = e.setEnd;
  for (let i = 0; i < e.nOps && p < e.end; i++) {
    const end = p + 4 + b.readUInt32BE(p);
    const type = b[p + 5]!;
    const nameEnd = p + 8 + b[p + 7]!;
    let dataStart = nameEnd;
    if (type === Particle.GEOJSON && end - dataStart >= 3) dataStart = Math.min(end, dataStart + 3 + b.readUInt16BE(dataStart + 1) * 8);
    bins.push({ name: b.toString('utf8', p + 8, nameEnd), type, data: Buffer.from(b.subarray(dataStart, end)) });
    p = end;
  }
  return {
    namespace: e.namespace,
    digest: Buffer.from(b.subarray(e.start, keyStart)),
    set: e.set,
    key,
    generation: e.generation,
    voidTime: e.voidTime,
    bins,
  };
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
  /** Batch request buffers the socket is done with, for the next requests (see buildBatch). */
  private readonly requestBuffers: Buffer[] = [];
  private readonly freeRows: Row[] = [];
  private readonly ownRequestBuffers = new WeakSet<ArrayBufferLike>();
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
  /** UTF-8 of the last namespace written, so rows do not encode it again. */
  private nsText = '';
  private nsBytes = EMPTY;

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
    await this.queue(row);
  }

  /**
   * `write()` for a record already in write form (the `.asb` hot path), with the same semantics
   * and counters. Returns a promise only when the caller has to wait (for room, or for the
   * partition map): most records are queued without a promise or an await. Its bytes must stay
   * unchanged until the writer is settled. Throws (or rejects) where `write()` rejects.
   */
  writeEncoded(e: EncodedRecord): Promise<void> | undefined {
    this.checkUsable();
    this.counters.records++;
    // A bin filter needs the bin names: take the decoded path (rare: only with a bin list).
    const row = this.bins ? this.prepare(decodeEncodedRecord(e)) : this.prepareRow(e, null, e.nOps, true);
    if (!row) return undefined;
    return this.queue(row);
  }

  /** Puts the row into its node's batch; a promise only when the caller has to wait. */
  private queue(row: Row): Promise<void> | undefined {
    const ns = this.targetNamespace(row);
    const node = this.cluster.masterOf(ns, row.pid);
    if (!node) return this.queueAfterRefresh(row, ns);
    if (this.options.disableBatchWrites) return this.launchWhenFree([row]);
    let buf = this.buffers.get(node);
    if (!buf) this.buffers.set(node, (buf = { rows: [], bytes: 0 }));
    buf.rows.push(row);
    buf.bytes += row.size;
    if (buf.rows.length >= this.batchSize || buf.bytes >= MAX_BATCH_BYTES) {
      this.buffers.delete(node);
      return this.launchWhenFree(buf.rows);
    }
    return undefined;
  }

  private async queueAfterRefresh(row: Row, ns: string): Promise<void> {
    await this.refresh();
    if (!this.cluster.masterOf(ns, row.pid)) throw new AerospikeError(`namespace '${ns}' not found on the cluster`, ResultCode.NAMESPACE);
    await this.queue(row);
  }

  private launchWhenFree(rows: Row[]): Promise<void> | undefined {
    if (this.inFlight.size < this.maxAsync && !this.isAborted) {
      this.launch(rows);
      return undefined;
    }
    return this.acquireSlot().then(() => this.launch(rows));
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

  private targetNamespace(r: Row): string {
    return this.options.namespace ?? r.enc.namespace;
  }

  private namespaceBytes(ns: string): Buffer {
    if (ns !== this.nsText) {
      this.nsText = ns;
      this.nsBytes = Buffer.from(ns, 'utf8');
    }
    return this.nsBytes;
  }

  /** The record for error reports: the one given to `write()`, or rebuilt from the bytes. */
  private recordOf(row: Row): BackupRecord {
    return (row.record ??= decodeEncodedRecord(row.enc));
  }

  /** TTL, bin filter and encoding; null when the record is not to be written (counted). */
  private prepare(r: BackupRecord): Row | null {
    const bins = this.bins ? r.bins.filter((b) => this.bins!.has(b.name)) : r.bins;
    // Records that will not be written (expired, no bins) are not encoded; prepareRow counts them.
    const skip = bins.length === 0 || (r.voidTime !== 0 && this.ttlOf(r.voidTime) <= 0);
    return this.prepareRow(skip ? null : encodeRecord(r, bins), r, bins.length);
  }

  /** Remaining TTL in seconds for a void time (≤ 0: already expired). */
  private ttlOf(voidTime: number): number {
    return voidTime - nowCitrusleafSeconds() + (this.options.extraTtl ?? 0);
  }

  /** TTL and counting; null when the record is not to be written (counted as expired or ignored). */
  private prepareRow(enc: EncodedRecord | null, record: BackupRecord | null, nOps: number, callerEnc = false): Row | null {
    const voidTime = enc ? enc.voidTime : record!.voidTime;
    let ttl = TTL_NEVER;
    if (voidTime !== 0) {
      const remaining = this.ttlOf(voidTime);
      if (remaining <= 0) {
        this.counters.expired++;
        return null;
      }
      ttl = remaining;
    }
    if (nOps === 0 || !enc) {
      this.counters.ignored++;
      return null;
    }
    // Rows of settled requests are reused: a restore would otherwise allocate one per record.
    let row = this.freeRows.pop();
    if (row) {
      row.record = record;
      row.enc = enc;
      row.pid = partitionIdAt(enc.buf, enc.start);
      row.ttl = ttl;
      row.retries = 0;
      row.inDoubt = false;
      row.lastError = undefined;
      row.deadline = 0;
      row.callerEnc = callerEnc;
    } else row = { record, enc, pid: partitionIdAt(enc.buf, enc.start), ttl, size: 0, retries: 0, inDoubt: false, lastError: undefined, deadline: 0, callerEnc };
    row.size = this.namespaceBytes(this.targetNamespace(row)).length + enc.end - enc.start;
    return row;
  }

  /** The rows of a settled request: their records go back to the caller, the rows to reuse. */
  private recycleRows(rows: Row[]): void {
    const release = this.options.releaseEncoded;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (release && row.callerEnc) release(row.enc);
      row.record = null;
      row.lastError = undefined;
      if (this.freeRows.length < MAX_FREE_ROWS) this.freeRows.push(row);
    }
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
      // Settled for good: every send of these rows has finished (not so after an unexpected
      // failure, when a request to another node may still be using them).
      .then(() => this.recycleRows(rows))
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
        const node = this.cluster.masterOf(this.targetNamespace(row), row.pid);
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
      `write of ${describeRecord(this.recordOf(row), this.targetNamespace(row))} failed: ${what}${detail ? ` (${detail})` : ''}${inDoubt ? '; the write may have been applied (in doubt)' : ''}`,
      code,
      inDoubt,
    );
    this.counters.errors++;
    if (inDoubt) this.counters.errorsInDoubt++;
    const cb = this.options.onRecordError;
    if (cb) {
      try {
        cb(err, this.recordOf(row));
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
    /** Gets the request back once the socket has written it. */
    written?: (request: Buffer) => void,
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
      written?.(request);
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
    const answer = await this.exchange(
      node,
      rows,
      () => this.buildBatch(rows),
      (conn) => this.readBatchAnswer(conn, rows.length),
      retry,
      needRefresh,
      (request) => this.keepRequestBuffer(request),
    );
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
    // Sized up front (38 bytes of row header, three field headers), so rows are written by hand.
    let size = 64;
    for (const r of rows) size += 38 + 15 + r.size;
    const w = new BufferWriter(size, this.requestBuffer(size));
    const at = beginProto(w);
    writeMsgHeader(w, { info1: Info1.BATCH_INDEX, transactionTtl: this.totalTimeoutMs }, 1, 0);
    const fieldAt = w.reserve(5);
    w.u32(rows.length);
    w.u8(BATCH_FLAGS);
    const info2 = this.info2 | Info2.RESPOND_ALL_OPS;
    const b = w.buf;
    let p = w.pos;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const e = r.enc;
      const src = e.buf;
      const keyStart = e.start + DIGEST_BYTES;
      const hasKey = e.keyEnd > keyStart;
      put32be(b, p, i);
      p = copyRange(src, e.start, keyStart, b, p + 4);
      b[p] = ROW_INFO | ROW_GEN | ROW_TTL;
      b[p + 1] = 0;
      b[p + 2] = info2;
      b[p + 3] = this.info3;
      putU16be(b, p + 4, e.generation & 0xffff);
      put32be(b, p + 6, r.ttl);
      putU16be(b, p + 10, hasKey ? 3 : 2);
      putU16be(b, p + 12, e.nOps);
      p += 14;
      const ns = this.namespaceBytes(this.targetNamespace(r));
      p = fieldRange(FieldType.NAMESPACE, ns, 0, ns.length, b, p);
      p = fieldRange(FieldType.SET, src, e.keyEnd, e.setEnd, b, p);
      if (hasKey) p = fieldRange(FieldType.KEY, src, keyStart, e.keyEnd, b, p);
      p = copyRange(src, e.setEnd, e.end, b, p);
    }
    w.pos = p;
    w.buf.writeUInt32BE(w.pos - fieldAt - 4, fieldAt);
    w.buf[fieldAt + 4] = FieldType.BATCH_INDEX;
    endProto(w, at, ProtoType.MESSAGE);
    // Sized up front: hand the buffer over as is rather than copying it once more.
    return w.view();
  }

  /**
   * A buffer for a batch request of `size` bytes: one a sent request left behind, or a new one
   * (rounded up, so batches of slightly different sizes share buffers). Batch requests are
   * about as large as their records; without reuse a restore would leave one per batch to the GC.
   */
  private requestBuffer(size: number): Buffer {
    const pool = this.requestBuffers;
    for (let i = pool.length - 1; i >= 0; i--) {
      if (pool[i]!.length >= size) {
        const b = pool[i]!;
        pool[i] = pool[pool.length - 1]!;
        pool.pop();
        return b;
      }
    }
    const b = Buffer.allocUnsafeSlow(Math.ceil((size + (size >> 3)) / 4096) * 4096);
    if (b.length <= MAX_POOLED_REQUEST) this.ownRequestBuffers.add(b.buffer);
    return b;
  }

  private keepRequestBuffer(request: Buffer): void {
    // Only buffers requestBuffer() made (a request that outgrew one is a different buffer), up to one per slot.
    const whole = request.buffer;
    if (!this.ownRequestBuffers.has(whole) || this.requestBuffers.length >= this.maxAsync) return;
    this.requestBuffers.push(Buffer.from(whole, 0, whole.byteLength));
  }

  /** A single-record put (wire protocol §8). */
  private buildSingle(r: Row): Buffer {
    const e = r.enc;
    const keyStart = e.start + DIGEST_BYTES;
    const hasKey = e.keyEnd > keyStart;
    const w = new BufferWriter(96 + r.size);
    const at = beginProto(w);
    writeMsgHeader(w, { info2: this.info2, info3: this.info3, generation: e.generation, recordTtl: r.ttl, transactionTtl: this.totalTimeoutMs }, hasKey ? 4 : 3, e.nOps);
    const ns = this.namespaceBytes(this.targetNamespace(r));
    let p = fieldRange(FieldType.NAMESPACE, ns, 0, ns.length, w.buf, w.pos);
    p = fieldRange(FieldType.SET, e.buf, e.keyEnd, e.setEnd, w.buf, p);
    p = fieldRange(FieldType.DIGEST, e.buf, e.start, keyStart, w.buf, p);
    if (hasKey) p = fieldRange(FieldType.KEY, e.buf, keyStart, e.keyEnd, w.buf, p);
    w.pos = copyRange(e.buf, e.setEnd, e.end, w.buf, p);
    endProto(w, at, ProtoType.MESSAGE);
    return w.take();
  }
}

/**
 * Copies `src[start, end)` to `dst[at]`; returns the end. Ranges up to a few hundred bytes (a
 * record's operations, typically) are copied by hand: Buffer#copy of a range allocates a view
 * per call, which at a million records a run is what fills the young generation.
 */
function copyRange(src: Buffer, start: number, end: number, dst: Buffer, at: number): number {
  if (end - start <= 256) {
    let o = at;
    for (let i = start; i < end; i++) dst[o++] = src[i]!;
    return o;
  }
  return at + src.copy(dst, at, start, end);
}

/** A message field (size, type, data) whose data is `src[start, end)`; returns the end. */
function fieldRange(type: number, src: Buffer, start: number, end: number, dst: Buffer, at: number): number {
  put32be(dst, at, end - start + 1);
  dst[at + 4] = type;
  return copyRange(src, start, end, dst, at + 5);
}
