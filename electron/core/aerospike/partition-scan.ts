/**
 * Partition scans over the wire protocol (§9), with the resume semantics asbackup relies on:
 * each partition remembers the last digest it delivered, and a retry (after a dropped
 * connection, a timeout or an unavailable partition) asks only for what comes after it, so no
 * record is lost or delivered twice.
 */
import { randomBytes } from 'node:crypto';
import type { BackupRecord } from '../model/record.js';
import { BufferWriter } from '../wire/buffer-writer.js';
import { partitionId } from '../wire/digest.js';
import { beginProto, endProto, FieldType, Info1, Info3, OpType, writeField, writeMsgHeader, writeOp, writeStringField } from '../wire/message.js';
import { ProtoType } from '../wire/proto.js';
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
 * Streams the records of `states`' partitions in batches (one per response message, so the
 * per-record cost stays free of promise hops), updating the states as it goes (callers may
 * persist them to resume later). Partitions are grouped by master node; groups run one after
 * the other (callers run several scans in parallel for throughput). Records reference the
 * response buffer: copy what you keep beyond the batch if memory matters, and with
 * `reuseBuffers` copy it before asking for the next batch.
 */
export async function* scanPartitions(cluster: AerospikeCluster, o: PartitionScanOptions, states: PartitionState[]): AsyncGenerator<BackupRecord[]> {
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

/** The same records one by one, for callers that do not care about batches. */
export async function* scanRecords(cluster: AerospikeCluster, o: PartitionScanOptions, states: PartitionState[]): AsyncGenerator<BackupRecord> {
  for await (const batch of scanPartitions(cluster, o, states)) {
    for (const r of batch) {
      if (o.signal?.aborted) throw new AerospikeError('scan cancelled', ClientCode.CANCELLED);
      yield r;
    }
  }
}

/** Resume points outlive the response they came from: give them their own bytes. */
function keepDigests(touched: Set<PartitionState>): void {
  for (const s of touched) s.digest = Buffer.from(s.digest!);
}

async function* scanNode(cluster: AerospikeCluster, node: ClusterNode, o: PartitionScanOptions, parts: PartitionState[]): AsyncGenerator<BackupRecord[]> {
  const byPid = new Map(parts.map((p) => [p.pid, p]));
  const memo = newDecodeMemo();
  const unavailable = new Set<number>();
  const conn = await cluster.acquire(node);
  const onAbort = (): void => conn.close();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let clean = false;
  try {
    if (o.signal?.aborted) throw new AerospikeError('scan cancelled', ClientCode.CANCELLED);
    conn.setSocketTimeout(o.socketTimeoutMs ?? 30000);
    await conn.send(buildRequest(o, parts));
    for (;;) {
      const frame = await conn.next();
      if (frame.type !== ProtoType.MESSAGE) throw new AerospikeError(`unexpected proto type ${frame.type} in a scan`, ClientCode.PROTOCOL);
      const b = frame.body;
      const batch: BackupRecord[] = [];
      const touched = new Set<PartitionState>();
      let p = 0;
      while (p < b.length) {
        const info3 = b[p + 3]!;
        const rc = b[p + 5]!;
        const generation = b.readUInt32BE(p + 6);
        const voidTime = b.readUInt32BE(p + 10);
        const nFields = b.readUInt16BE(p + 18);
        const nOps = b.readUInt16BE(p + 20);
        if (info3 & Info3.LAST) {
          if (rc !== 0 && rc !== ResultCode.KEY_NOT_FOUND) throw new AerospikeError(`scan on node ${node} ended with result code ${rc}`, rc);
          for (const s of parts) if (!unavailable.has(s.pid)) s.done = true;
          clean = true;
          keepDigests(touched);
          if (batch.length) yield batch;
          return;
        }
        if (info3 & Info3.PARTITION_DONE) {
          // Generation carries the partition id; a non-zero code means "retry it later".
          if (rc !== 0) unavailable.add(generation);
          p += 22;
          continue;
        }
        if (rc !== 0) {
          if (rc === ResultCode.KEY_NOT_FOUND) {
            for (const s of parts) s.done = true;
            clean = true;
            keepDigests(touched);
            if (batch.length) yield batch;
            return;
          }
          throw new AerospikeError(`scan on node ${node} failed with result code ${rc}`, rc);
        }
        if (o.signal?.aborted) throw new AerospikeError('scan cancelled', ClientCode.CANCELLED);
        const { record, end } = decodeRecord(b, p, nFields, nOps, generation, voidTime, memo);
        p = end;
        const state = byPid.get(partitionId(record.digest));
        if (state) {
          state.digest = record.digest;
          touched.add(state);
        }
        batch.push(record);
      }
      keepDigests(touched);
      if (batch.length) yield batch;
      if (o.reuseBuffers) conn.recycle(b);
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    if (clean) cluster.release(node, conn);
    else conn.close();
  }
}
