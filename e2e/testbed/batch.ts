/** "Batch any" requests (wire protocol §10): every row is a full single-record command. */
import { BufferWriter } from '../../electron/core/wire/buffer-writer.js';
import { beginProto, endProto, FieldType, findField, parseOp, type AsMsg, type Field, type Op } from '../../electron/core/wire/message.js';
import { ResultCode } from '../../electron/core/wire/result-code.js';
import type { NodeInfo, TestbedCluster } from './cluster.js';
import { compileFilter, ExpressionError } from './expressions.js';
import { executeRecord, type RecordResult } from './record-ops.js';
import { writeLast, writeResult } from './responses.js';

const FLUSH_BYTES = 64 * 1024;

interface RowAttrs {
  info1: number;
  info2: number;
  info3: number;
  generation: number;
  ttl: number;
  fields: Field[];
  ops: Op[];
}

function udfFailure(message: string): RecordResult {
  return { resultCode: ResultCode.UDF, generation: 0, voidTime: 0, bins: [{ op: 1, name: 'FAILURE', type: 3, data: Buffer.from(message) }] };
}

export async function runBatch(cluster: TestbedCluster, node: NodeInfo, msg: AsMsg, send: (b: Buffer) => Promise<void>): Promise<void> {
  const w = new BufferWriter(FLUSH_BYTES + 16 * 1024);
  let at = beginProto(w);
  const data = findField(msg, FieldType.BATCH_INDEX);
  const finish = async (code: number): Promise<void> => {
    writeLast(w, code);
    endProto(w, at);
    await send(w.take());
  };
  if (!data) return finish(ResultCode.PARAMETER);
  let batchFilter: ReturnType<typeof compileFilter> | undefined;
  try {
    const f = findField(msg, FieldType.FILTER_EXP);
    if (f) batchFilter = compileFilter(f);
  } catch (err) {
    if (err instanceof ExpressionError) return finish(ResultCode.PARAMETER);
    throw err;
  }

  const count = data.readUInt32BE(0);
  const flags = data[4]!;
  const respondAllKeys = (flags & 0x04) !== 0;
  let p = 5;
  let prev: RowAttrs | undefined;
  for (let i = 0; i < count; i++) {
    const index = data.readUInt32BE(p);
    const digest = data.subarray(p + 4, p + 24);
    const rowFlags = data[p + 24]!;
    p += 25;
    let attrs: RowAttrs;
    if (rowFlags & 0x01) {
      if (!prev) return finish(ResultCode.PARAMETER);
      attrs = prev;
    } else {
      const a: RowAttrs = { info1: data[p++]!, info2: 0, info3: 0, generation: 0, ttl: 0, fields: [], ops: [] };
      if (rowFlags & 0x02) {
        a.info2 = data[p++]!;
        a.info3 = data[p++]!;
      }
      if (rowFlags & 0x10) p++;
      if (rowFlags & 0x04) {
        a.generation = data.readUInt16BE(p);
        p += 2;
      }
      if (rowFlags & 0x08) {
        a.ttl = data.readUInt32BE(p);
        p += 4;
      }
      const nFields = data.readUInt16BE(p);
      const nOps = data.readUInt16BE(p + 2);
      p += 4;
      for (let f = 0; f < nFields; f++) {
        const size = data.readUInt32BE(p);
        a.fields.push({ type: data[p + 4]!, data: data.subarray(p + 5, p + 4 + size) });
        p += 4 + size;
      }
      for (let o = 0; o < nOps; o++) {
        const r = parseOp(data, p);
        a.ops.push(r.op);
        p = r.end;
      }
      attrs = a;
      prev = a;
    }

    const result = runRow(cluster, node, attrs, digest, batchFilter);
    writeResult(w, result.resultCode, result.generation, result.voidTime, result.bins, index);
    const rc = result.resultCode;
    if (!respondAllKeys && rc !== 0 && rc !== ResultCode.KEY_NOT_FOUND && rc !== ResultCode.FILTERED_OUT) return finish(rc);
    if (w.pos - at >= FLUSH_BYTES) {
      endProto(w, at);
      await send(w.take());
      at = beginProto(w);
    }
  }
  return finish(0);
}

function runRow(
  cluster: TestbedCluster,
  node: NodeInfo,
  a: RowAttrs,
  digest: Buffer,
  batchFilter: ReturnType<typeof compileFilter> | undefined,
): RecordResult {
  const ns = findField(a, FieldType.NAMESPACE)?.toString('utf8') ?? '';
  const store = cluster.namespaces.get(ns);
  if (!store) return { resultCode: ResultCode.NAMESPACE, generation: 0, voidTime: 0, bins: [] };
  if (findField(a, FieldType.UDF_FUNCTION)) return udfFailure('UDF execution is not supported by the testbed');
  let filter = batchFilter;
  const rowFilter = findField(a, FieldType.FILTER_EXP);
  if (rowFilter) {
    try {
      filter = compileFilter(rowFilter);
    } catch {
      return { resultCode: ResultCode.PARAMETER, generation: 0, voidTime: 0, bins: [] };
    }
  }
  const keyField = findField(a, FieldType.KEY);
  return executeRecord(cluster, node, {
    info1: a.info1,
    info2: a.info2,
    info3: a.info3,
    generation: a.generation,
    ttl: a.ttl,
    store,
    set: findField(a, FieldType.SET)?.toString('utf8') ?? '',
    digest,
    key: keyField ? { type: keyField[0]!, data: Buffer.from(keyField.subarray(1)) } : null,
    ops: a.ops,
    ...(filter ? { filter } : {}),
  });
}
