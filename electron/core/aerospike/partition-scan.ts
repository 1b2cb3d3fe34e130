/**
 * Partition scans over the wire protocol (§9), with the resume semantics asbackup relies on:
 * each partition remembers the last digest it delivered, and a retry (after a dropped
 * connection, a timeout or an unavailable partition) asks only for what comes after it, so no
 * record is lost or delivered twice.
 */
import { randomBytes } from 'node:crypto';
import type { BackupRecord } from '../model/record.js';
import { BufferWriter } from '../wire/buffer-writer.js';
import { DIGEST_SIZE, partitionIdAt } from '../wire/digest.js';
import { beginProto, endProto, FieldType, Info1, Info3, OpType, writeField, writeMsgHeader, writeOp, writeStringField } from '../wire/message.js';
import { ProtoType } from '../wire/proto.js';
import { MSG_HEADER_SIZE, WireRecordView } from '../wire/record-view.js';
import { ResultCode } from '../wire/result-code.js';
import type { AerospikeCluster, ClusterNode } from './cluster.js';
import { AerospikeError, ClientCode, isTransient } from './errors.js';
import { decodeRecord, newDecodeMemo } from './record-decoder.js';

export interface PartitionState {
  pid: number;
  /** Last digest delivered; the next request resumes after it. */
  digest?: Buffer;
  done: boolean;
}

export interface PartitionScanOptions {
  namespace: string;
  /** One set, or null/undefined for the whole namespace. */
  set?: string | null;
  bins?: string[];
  noBins?: boolean;
  /** Packed filter expression (msgpack), e.g. from ./filter-exp.ts. */
  filter?: Buffer;
  recordsPerSecond?: number;
  socketTimeoutMs?: number;
  maxRetries?: number;
  /** First retry delay; doubles each attempt. */
  retryDelayMs?: number;
  signal?: AbortSignal;
  /** Called when a retry happens, with the reason. */
  onRetry?: (err: Error, attempt: number) => void;
  /**
   * Reuse response buffers: a batch's records (their bins, keys and digests) are valid only
   * until the next batch is requested. For consumers that copy what they keep, such as the
   * backup encoder; it keeps a long scan's memory from growing while the GC catches up.
   */
  reuseBuffers?: boolean;
}

/** Fresh state for a list of partition ids. */
export function partitionStates(pids: Iterable<number>): PartitionState[] {
  return [...pids].map((pid) => ({ pid, done: false }));
}

function buildRequest(o: PartitionScanOptions, parts: PartitionState[]): Buffer {
  const fresh = parts.filter((p) => !p.digest);
  const resumed = parts.filter((p) => p.digest);
  const w = new BufferWriter(256 + parts.length * 22);
  const at = beginProto(w);
  const nFields = 3 + (o.set ? 1 : 0) + (o.recordsPerSecond ? 1 : 0) + (o.filter ? 1 : 0) + (fresh.length ? 1 : 0) + (resumed.length ? 1 : 0);
  const bins = o.noBins ? [] : (o.bins ?? []);
  writeMsgHeader(
    w,
    {
      info1: Info1.READ | (o.noBins ? Info1.NOBINDATA : 0),
      info3: Info3.PARTITION_DONE,
      recordTtl: 0xffffffff,
      transactionTtl: 0,
    },
    nFields,
    bins.length,
  );
  writeStringField(w, FieldType.NAMESPACE, o.namespace);
  if (o.set) writeStringField(w, FieldType.SET, o.set);
  if (o.recordsPerSecond) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(o.recordsPerSecond);
    writeField(w, FieldType.RPS, b);
  }
  const timeout = Buffer.alloc(4);
  timeout.writeUInt32BE(o.socketTimeoutMs ?? 30000);
  writeField(w, FieldType.SOCKET_TIMEOUT, timeout);
  writeField(w, FieldType.TASK_ID, randomBytes(8));
  if (o.filter) writeField(w, FieldType.FILTER_EXP, o.filter);
  if (fresh.length) {
    const b = Buffer.alloc(fresh.length * 2);
    fresh.forEach((p, i) => b.writeUInt16LE(p.pid, i * 2));
    writeField(w, FieldType.PID_ARRAY, b);
  }
  if (resumed.length) writeField(w, FieldType.DIGEST_ARRAY, Buffer.concat(resumed.map((p) => p.digest!)));
  for (const name of bins) writeOp(w, OpType.READ, 0, name, Buffer.alloc(0));
  endProto(w, at, ProtoType.MESSAGE);
  return w.take();
}

/**
 * The records of one scan response: `starts` are the offsets of their messages in `body`
 * (read them with a WireRecordView). With `reuseBuffers`, `starts` is reused for the next
 * frame too.
 */
export interface RecordFrame {
  body: Buffer;
  starts: Int32Array;
}

/**
 * Streams the records of `states`' partitions as raw response frames (one per response message,
 * so the per-record cost stays free of promise hops), updating the states as it goes (callers may
 * persist them to resume later). Partitions are grouped by master node; groups run one after
 * the other (callers run several scans in parallel for throughput). With `reuseBuffers`, a
 * frame's bytes are valid only until the next frame is requested.
 */
export async function* scanPartitionFrames(cluster: AerospikeCluster, o: PartitionScanOptions, states: PartitionState[]): AsyncGenerator<RecordFrame> {
  const maxRetries = o.maxRetries ?? 5;
  let attempt = 0;
  for (;;) {
    const pending = states.filter((s) => !s.done);
    if (pending.length === 0) return;
    const byNode = new Map<ClusterNode, PartitionState[]>();
    for (const s of pending) {
      const node = cluster.masterOf(o.namespace, s.pid);
      if (!node) throw new AerospikeError(`namespace '${o.namespace}' not found on the cluster`, ResultCode.NAMESPACE);
      let list = byNode.get(node);
      if (!list) byNode.set(node, (list = []));
      list.push(s);
    }
    let failure: Error | undefined;
    for (const [node, parts] of byNode) {
      try {
        yield* scanNode(cluster, node, o, parts);
      } catch (err) {
        // Aborting closes the socket; report the cancel, not the closed connection.
        if (o.signal?.aborted) throw new AerospikeError('scan cancelled', ClientCode.CANCELLED);
        if (!isTransient(err)) throw err;
        failure = err as Error;
      }
    }
    if (!failure && states.every((s) => s.done)) return;
    attempt++;
    if (attempt > maxRetries) {
      throw new AerospikeError(`scan of namespace '${o.namespace}' failed after ${maxRetries} retries: ${failure?.message ?? 'partitions unavailable'}`, failure instanceof AerospikeError ? failure.code : ResultCode.PARTITION_UNAVAILABLE);
    }
    o.onRetry?.(failure ?? new Error('partitions unavailable'), attempt);
    await delay((o.retryDelayMs ?? 100) * 2 ** (attempt - 1), o.signal);
    await cluster.refresh().catch(() => undefined);
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AerospikeError('scan cancelled', ClientCode.CANCELLED));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new AerospikeError('scan cancelled', ClientCode.CANCELLED));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The same records decoded, in batches (one per response). Records reference the response
 * buffer: copy what you keep beyond the batch if memory matters, and with `reuseBuffers` copy
 * it before asking for the next batch.
 */
export async function* scanPartitions(cluster: AerospikeCluster, o: PartitionScanOptions, states: PartitionState[]): AsyncGenerator<BackupRecord[]> {
  const view = new WireRecordView();
  const memo = newDecodeMemo();
  for await (const frame of scanPartitionFrames(cluster, o, states)) {
    const batch: BackupRecord[] = new Array(frame.starts.length);
    for (let i = 0; i < batch.length; i++) {
      view.parse(frame.body, frame.starts[i]!);
      batch[i] = decodeRecord(view, memo);
    }
    yield batch;
  }
}

/** The same records one by one, for callers that do not care about batches. */
export async function* scanRecords(cluster: AerospikeCluster, o: PartitionScanOptions, states: PartitionState[]): AsyncGenerator<BackupRecord> {
  for await (const batch of scanPartitions(cluster, o, states)) {
    for (const r of batch) {
      if (o.signal?.aborted) throw new AerospikeError('scan cancelled', ClientCode.CANCELLED);
      yield r;
    }
  }
}

/** Resume points outlive the response they came from: each gets its own copy of its last digest. */
function keepDigests(b: Buffer, lastDigestAt: Map<PartitionState, number>): void {
  for (const [s, at] of lastDigestAt) s.digest = Buffer.from(b.subarray(at, at + DIGEST_SIZE));
}

async function* scanNode(cluster: AerospikeCluster, node: ClusterNode, o: PartitionScanOptions, parts: PartitionState[]): AsyncGenerator<RecordFrame> {
  const byPid = new Map(parts.map((p) => [p.pid, p]));
  const unavailable = new Set<number>();
  const conn = await cluster.acquire(node);
  const onAbort = (): void => conn.close();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let clean = false;
  try {
    if (o.signal?.aborted) throw new AerospikeError('scan cancelled', ClientCode.CANCELLED);
    conn.setSocketTimeout(o.socketTimeoutMs ?? 30000);
    await conn.send(buildRequest(o, parts));
    const view = new WireRecordView();
    // Record offsets, grown as needed; a frame gets a view of them (reused) or a copy.
    let offsets = new Int32Array(1024);
    for (;;) {
      const frame = await conn.next();
      if (frame.type !== ProtoType.MESSAGE) throw new AerospikeError(`unexpected proto type ${frame.type} in a scan`, ClientCode.PROTOCOL);
      const b = frame.body;
      let count = 0;
      const lastDigestAt = new Map<PartitionState, number>();
      let p = 0;
      let last = false;
      while (p < b.length) {
        const info3 = b[p + 3]!;
        const rc = b[p + 5]!;
        if (info3 & Info3.LAST) {
          if (rc !== 0 && rc !== ResultCode.KEY_NOT_FOUND) throw new AerospikeError(`scan on node ${node} ended with result code ${rc}`, rc);
          for (const s of parts) if (!unavailable.has(s.pid)) s.done = true;
          last = true;
          break;
        }
        if (info3 & Info3.PARTITION_DONE) {
          // Generation carries the partition id; a non-zero code means "retry it later".
          if (rc !== 0) unavailable.add(b.readUInt32BE(p + 6));
          p += MSG_HEADER_SIZE;
          continue;
        }
        if (rc !== 0) {
          if (rc !== ResultCode.KEY_NOT_FOUND) throw new AerospikeError(`scan on node ${node} failed with result code ${rc}`, rc);
          for (const s of parts) s.done = true;
          last = true;
          break;
        }
        if (o.signal?.aborted) throw new AerospikeError('scan cancelled', ClientCode.CANCELLED);
        if (count === offsets.length) {
          const grown = new Int32Array(offsets.length * 2);
          grown.set(offsets);
          offsets = grown;
        }
        offsets[count++] = p;
        p = view.parse(b, p);
        const state = byPid.get(partitionIdAt(b, view.digestStart));
        if (state) lastDigestAt.set(state, view.digestStart);
      }
      keepDigests(b, lastDigestAt);
      clean = last;
      if (count) yield { body: b, starts: o.reuseBuffers ? offsets.subarray(0, count) : offsets.slice(0, count) };
      if (last) return;
      if (o.reuseBuffers) conn.recycle(b);
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    if (clean) cluster.release(node, conn);
    else conn.close();
  }
}
