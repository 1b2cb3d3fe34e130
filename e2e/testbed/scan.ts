/** Partition scans and queries (wire protocol §9), streamed with backpressure. */
import { BufferWriter } from '../../electron/core/wire/buffer-writer.js';
import { partitionId } from '../../electron/core/wire/digest.js';
import { beginProto, endProto, FieldType, findField, Info1, OpType, type AsMsg } from '../../electron/core/wire/message.js';
import { ResultCode } from '../../electron/core/wire/result-code.js';
import type { NodeInfo, TestbedCluster } from './cluster.js';
import { compileFilter, ExpressionError } from './expressions.js';
import { evalContext } from './record-ops.js';
import { writeLast, writePartitionDone, writeScanRecord } from './responses.js';
import { findIndex, matchRange, parseIndexRange } from './sindex-match.js';

/** Flush a proto once this much is buffered: many records per message, as the server does. */
const FLUSH_BYTES = 64 * 1024;

export interface ScanSink {
  send(b: Buffer): Promise<void>;
  /** Cuts the connection (fault injection). */
  drop(): void;
}

interface PartitionCursor {
  pid: number;
  after?: Buffer;
}

function cursors(msg: AsMsg): PartitionCursor[] {
  const out: PartitionCursor[] = [];
  const pids = findField(msg, FieldType.PID_ARRAY);
  if (pids) for (let i = 0; i + 1 < pids.length; i += 2) out.push({ pid: pids.readUInt16LE(i) });
  const digests = findField(msg, FieldType.DIGEST_ARRAY);
  if (digests)
    for (let i = 0; i + 20 <= digests.length; i += 20) {
      const d = digests.subarray(i, i + 20);
      out.push({ pid: partitionId(d), after: d });
    }
  return out;
}

export async function runScan(cluster: TestbedCluster, node: NodeInfo, msg: AsMsg, sink: ScanSink): Promise<void> {
  const w = new BufferWriter(FLUSH_BYTES + 16 * 1024);
  let at = beginProto(w);
  const flush = async (): Promise<void> => {
    endProto(w, at);
    await sink.send(w.take());
    at = beginProto(w);
  };
  const finish = async (code: number): Promise<void> => {
    writeLast(w, code);
    endProto(w, at);
    await sink.send(w.take());
  };

  const nsName = findField(msg, FieldType.NAMESPACE)?.toString('utf8') ?? '';
  const store = cluster.namespaces.get(nsName);
  if (!store) return finish(ResultCode.NAMESPACE);
  const setField = findField(msg, FieldType.SET);
  const set = setField && setField.length > 0 ? setField.toString('utf8') : null;

  let filter: ReturnType<typeof compileFilter> | undefined;
  const exp = findField(msg, FieldType.FILTER_EXP);
  try {
    if (exp) filter = compileFilter(exp);
  } catch (err) {
    if (err instanceof ExpressionError) return finish(ResultCode.PARAMETER);
    throw err;
  }

  const rangeField = findField(msg, FieldType.INDEX_RANGE);
  let range: ReturnType<typeof parseIndexRange> | undefined;
  let index: ReturnType<typeof findIndex>;
  if (rangeField) {
    try {
      range = parseIndexRange(rangeField);
    } catch {
      return finish(ResultCode.PARAMETER);
    }
    const nameField = findField(msg, FieldType.INDEX_NAME);
    const typeField = findField(msg, FieldType.INDEX_TYPE);
    index = findIndex(cluster, nsName, set, range, nameField?.toString('utf8'), typeField?.[0] ?? 0);
    if (!index) return finish(ResultCode.INDEX_NOT_FOUND);
  }

  const noBins = (msg.info1 & Info1.NOBINDATA) !== 0;
  const readOps = msg.ops.filter((o) => o.op === OpType.READ && o.name !== '');
  const binNames = readOps.length > 0 ? readOps.map((o) => o.name) : null;
  const maxField = findField(msg, FieldType.MAX_RECORDS);
  const maxRecords = maxField ? Number(maxField.readBigUInt64BE(0)) : 0;
  const rpsField = findField(msg, FieldType.RPS);
  const rps = rpsField ? rpsField.readUInt32BE(0) : 0;

  node.stats.scanRequests++;
  const started = Date.now();
  let sent = 0;
  const faults = cluster.faults;
  const dropAt = faults.dropScanTimes > 0 && faults.dropScanAfter > 0 ? faults.dropScanAfter : 0;

  for (const c of cursors(msg)) {
    if (cluster.masterOf(c.pid) !== node.index) {
      // Not ours (a stale partition map): the client retries it on the right node.
      writePartitionDone(w, c.pid, ResultCode.PARTITION_UNAVAILABLE);
      continue;
    }
    node.stats.partitionsScanned++;
    for (const r of store.partitionRecords(c.pid, c.after)) {
      if (set !== null && r.set !== set) continue;
      if (filter && !filter(evalContext(cluster, r))) continue;
      let bval: bigint | undefined;
      if (range && index) {
        const m = matchRange(index, range, r);
        if (m === undefined) continue;
        if (typeof m === 'bigint') bval = m;
      }
      writeScanRecord(w, nsName, r, binNames, noBins, bval);
      sent++;
      node.stats.scanRecords++;
      if (dropAt && sent >= dropAt) {
        await flush();
        faults.dropScanTimes--;
        node.stats.droppedScans++;
        sink.drop();
        return;
      }
      if (maxRecords && sent >= maxRecords) return finish(0);
      if (w.pos - at >= FLUSH_BYTES) await flush();
      if (rps > 0) {
        const due = started + (sent / rps) * 1000;
        const wait = due - Date.now();
        if (wait > 5) {
          await flush();
          await new Promise((res) => setTimeout(res, wait));
        }
      }
    }
  }
  return finish(0);
}
