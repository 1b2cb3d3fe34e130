/** Encoders for the messages the testbed sends back. */
import { FieldType, Info1, Info3, writeField, writeMsgHeader, writeOp, writeStringField } from '../../electron/core/wire/message.js';
import type { BufferWriter } from '../../electron/core/wire/buffer-writer.js';
import type { ResultBin } from './record-ops.js';
import type { StoredRecord } from './store.js';

export function writeResult(
  w: BufferWriter,
  resultCode: number,
  generation: number,
  voidTime: number,
  bins: ResultBin[],
  transactionTtl = 0,
): void {
  writeMsgHeader(w, { resultCode, generation, recordTtl: voidTime, transactionTtl }, 0, bins.length);
  for (const b of bins) writeOp(w, b.op, b.type, b.name, b.data);
}

export function writeLast(w: BufferWriter, resultCode: number): void {
  writeMsgHeader(w, { info3: Info3.LAST, resultCode }, 0, 0);
}

export function writePartitionDone(w: BufferWriter, pid: number, resultCode: number): void {
  writeMsgHeader(w, { info3: Info3.PARTITION_DONE, resultCode, generation: pid }, 0, 0);
}

/** A scan/query record: namespace, digest (the client resumes from it), set and key fields. */
export function writeScanRecord(
  w: BufferWriter,
  ns: string,
  r: StoredRecord,
  binNames: string[] | null,
  noBins: boolean,
  bval?: bigint,
): void {
  let nOps = 0;
  if (!noBins) {
    if (binNames === null) nOps = r.bins.size;
    else for (const n of binNames) if (r.bins.has(n)) nOps++;
  }
  const nFields = 2 + (r.set ? 1 : 0) + (r.key ? 1 : 0) + (bval !== undefined ? 1 : 0);
  writeMsgHeader(w, { info1: noBins ? Info1.NOBINDATA : 0, generation: r.generation, recordTtl: r.voidTime }, nFields, nOps);
  writeStringField(w, FieldType.NAMESPACE, ns);
  writeField(w, FieldType.DIGEST, r.digest);
  if (r.set) writeStringField(w, FieldType.SET, r.set);
  if (r.key) {
    w.ensure(6 + r.key.data.length);
    w.buf.writeUInt32BE(r.key.data.length + 2, w.pos);
    w.buf[w.pos + 4] = FieldType.KEY;
    w.buf[w.pos + 5] = r.key.type;
    r.key.data.copy(w.buf, w.pos + 6);
    w.pos += 6 + r.key.data.length;
  }
  if (bval !== undefined) {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(bval);
    writeField(w, FieldType.BVAL_ARRAY, b);
  }
  if (noBins) return;
  if (binNames === null) for (const [name, b] of r.bins) writeOp(w, 1, b.type, name, b.data);
  else
    for (const name of binNames) {
      const b = r.bins.get(name);
      if (b) writeOp(w, 1, b.type, name, b.data);
    }
}
