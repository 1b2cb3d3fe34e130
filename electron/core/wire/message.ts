/** AS_MSG data messages (wire protocol §6): a 22-byte header, fields, then operations. */
import { BufferWriter } from './buffer-writer.js';
import { ProtoType, writeProtoHeader, PROTO_HEADER_SIZE } from './proto.js';

export const MSG_HEADER_SIZE = 22;

export const Info1 = {
  READ: 0x01,
  GET_ALL: 0x02,
  SHORT_QUERY: 0x04,
  BATCH_INDEX: 0x08,
  XDR: 0x10,
  NOBINDATA: 0x20,
  READ_MODE_AP_ALL: 0x40,
  COMPRESS_RESPONSE: 0x80,
} as const;

export const Info2 = {
  WRITE: 0x01,
  DELETE: 0x02,
  GENERATION: 0x04,
  GENERATION_GT: 0x08,
  DURABLE_DELETE: 0x10,
  CREATE_ONLY: 0x20,
  RELAX_AP_LONG_QUERY: 0x40,
  RESPOND_ALL_OPS: 0x80,
} as const;

export const Info3 = {
  LAST: 0x01,
  COMMIT_MASTER: 0x02,
  PARTITION_DONE: 0x04,
  UPDATE_ONLY: 0x08,
  CREATE_OR_REPLACE: 0x10,
  REPLACE_ONLY: 0x20,
  SC_READ_TYPE: 0x40,
  SC_READ_RELAX: 0x80,
} as const;

export const FieldType = {
  NAMESPACE: 0,
  SET: 1,
  KEY: 2,
  RECORD_VERSION: 3,
  DIGEST: 4,
  TXN_ID: 5,
  TXN_DEADLINE: 6,
  TASK_ID: 7,
  SOCKET_TIMEOUT: 9,
  RPS: 10,
  PID_ARRAY: 11,
  DIGEST_ARRAY: 12,
  MAX_RECORDS: 13,
  BVAL_ARRAY: 15,
  INDEX_NAME: 21,
  INDEX_RANGE: 22,
  INDEX_CONTEXT: 23,
  INDEX_EXPRESSION: 24,
  INDEX_TYPE: 26,
  UDF_PACKAGE: 30,
  UDF_FUNCTION: 31,
  UDF_ARGLIST: 32,
  UDF_OP: 33,
  QUERY_BINLIST: 40,
  BATCH_INDEX: 41,
  BATCH_INDEX_WITH_SET: 42,
  FILTER_EXP: 43,
} as const;

export const OpType = {
  READ: 1,
  WRITE: 2,
  CDT_READ: 3,
  CDT_MODIFY: 4,
  INCR: 5,
  EXP_READ: 7,
  EXP_MODIFY: 8,
  APPEND: 9,
  PREPEND: 10,
  TOUCH: 11,
  BIT_READ: 12,
  BIT_MODIFY: 13,
  DELETE: 14,
  HLL_READ: 15,
  HLL_MODIFY: 16,
} as const;

export interface MsgHeader {
  info1: number;
  info2: number;
  info3: number;
  info4: number;
  resultCode: number;
  generation: number;
  recordTtl: number;
  transactionTtl: number;
}

export interface Field {
  type: number;
  data: Buffer;
}

export interface Op {
  op: number;
  particleType: number;
  name: string;
  value: Buffer;
}

export interface AsMsg extends MsgHeader {
  fields: Field[];
  ops: Op[];
}

export class MessageFormatError extends Error {
  override name = 'MessageFormatError';
}

/** Parses one AS_MSG starting at `offset`; returns it and the offset just past it. */
export function parseMessage(body: Buffer, offset = 0): { msg: AsMsg; end: number } {
  if (body.length - offset < MSG_HEADER_SIZE) throw new MessageFormatError('message shorter than its 22-byte header');
  const headerSize = body[offset]!;
  const msg: AsMsg = {
    info1: body[offset + 1]!,
    info2: body[offset + 2]!,
    info3: body[offset + 3]!,
    info4: body[offset + 4]!,
    resultCode: body[offset + 5]!,
    generation: body.readUInt32BE(offset + 6),
    recordTtl: body.readUInt32BE(offset + 10),
    transactionTtl: body.readUInt32BE(offset + 14),
    fields: [],
    ops: [],
  };
  const nFields = body.readUInt16BE(offset + 18);
  const nOps = body.readUInt16BE(offset + 20);
  let p = offset + headerSize;
  for (let i = 0; i < nFields; i++) {
    if (p + 5 > body.length) throw new MessageFormatError('truncated field');
    const size = body.readUInt32BE(p);
    if (size < 1 || p + 4 + size > body.length) throw new MessageFormatError('bad field size');
    msg.fields.push({ type: body[p + 4]!, data: body.subarray(p + 5, p + 4 + size) });
    p += 4 + size;
  }
  for (let i = 0; i < nOps; i++) {
    const r = parseOp(body, p);
    msg.ops.push(r.op);
    p = r.end;
  }
  return { msg, end: p };
}

export function parseOp(body: Buffer, p: number): { op: Op; end: number } {
  if (p + 8 > body.length) throw new MessageFormatError('truncated operation');
  const size = body.readUInt32BE(p);
  const nameLen = body[p + 7]!;
  if (size < 4 + nameLen || p + 4 + size > body.length) throw new MessageFormatError('bad operation size');
  const op: Op = {
    op: body[p + 4]!,
    particleType: body[p + 5]!,
    name: body.toString('utf8', p + 8, p + 8 + nameLen),
    value: body.subarray(p + 8 + nameLen, p + 4 + size),
  };
  return { op, end: p + 4 + size };
}

export function findField(msg: { fields: Field[] }, type: number): Buffer | undefined {
  for (const f of msg.fields) if (f.type === type) return f.data;
  return undefined;
}

/** Writes a message header; n_fields/n_ops are given up front. */
export function writeMsgHeader(w: BufferWriter, h: Partial<MsgHeader>, nFields: number, nOps: number): void {
  w.ensure(MSG_HEADER_SIZE);
  const b = w.buf;
  const p = w.pos;
  b[p] = MSG_HEADER_SIZE;
  b[p + 1] = h.info1 ?? 0;
  b[p + 2] = h.info2 ?? 0;
  b[p + 3] = h.info3 ?? 0;
  b[p + 4] = h.info4 ?? 0;
  b[p + 5] = h.resultCode ?? 0;
  b.writeUInt32BE((h.generation ?? 0) >>> 0, p + 6);
  b.writeUInt32BE((h.recordTtl ?? 0) >>> 0, p + 10);
  b.writeUInt32BE((h.transactionTtl ?? 0) >>> 0, p + 14);
  b.writeUInt16BE(nFields, p + 18);
  b.writeUInt16BE(nOps, p + 20);
  w.pos += MSG_HEADER_SIZE;
}

export function writeField(w: BufferWriter, type: number, data: Buffer): void {
  w.ensure(5 + data.length);
  w.buf.writeUInt32BE(data.length + 1, w.pos);
  w.buf[w.pos + 4] = type;
  data.copy(w.buf, w.pos + 5);
  w.pos += 5 + data.length;
}

export function writeStringField(w: BufferWriter, type: number, s: string): void {
  const n = Buffer.byteLength(s);
  w.ensure(5 + n);
  w.buf.writeUInt32BE(n + 1, w.pos);
  w.buf[w.pos + 4] = type;
  w.buf.write(s, w.pos + 5);
  w.pos += 5 + n;
}

export function writeOp(w: BufferWriter, op: number, particleType: number, name: string, value: Buffer): void {
  const nameLen = Buffer.byteLength(name);
  w.ensure(8 + nameLen + value.length);
  const b = w.buf;
  const p = w.pos;
  b.writeUInt32BE(4 + nameLen + value.length, p);
  b[p + 4] = op;
  b[p + 5] = particleType;
  b[p + 6] = 0;
  b[p + 7] = nameLen;
  b.write(name, p + 8);
  value.copy(b, p + 8 + nameLen);
  w.pos = p + 8 + nameLen + value.length;
}

/** Starts a type-3 proto in `w`; returns the offset to pass to `endProto`. */
export function beginProto(w: BufferWriter): number {
  return w.reserve(PROTO_HEADER_SIZE);
}

export function endProto(w: BufferWriter, at: number, type: number = ProtoType.MESSAGE): void {
  writeProtoHeader(w.buf, at, type, w.pos - at - PROTO_HEADER_SIZE);
}
