/** Admin protocol messages (wire protocol §12): 8-byte proto header, 16-byte header, fields. */
import { ProtoType, writeProtoHeader } from './proto.js';

/**
 * One admin message. Requests put the command in byte 2 of the header; answers put the result
 * code in byte 1. Each field is a 4-byte size (id byte + data), the id, then the data.
 */
export function encodeAdminMessage(header: { command?: number; result?: number }, fields: Array<[number, Buffer]>): Buffer {
  const size = 16 + fields.reduce((a, [, d]) => a + 5 + d.length, 0);
  const out = Buffer.alloc(8 + size);
  writeProtoHeader(out, 0, ProtoType.ADMIN, size);
  out[9] = header.result ?? 0;
  out[10] = header.command ?? 0;
  out[11] = fields.length;
  let p = 24;
  for (const [id, d] of fields) {
    out.writeUInt32BE(d.length + 1, p);
    out[p + 4] = id;
    d.copy(out, p + 5);
    p += 5 + d.length;
  }
  return out;
}

/** The fields of an admin message body (the bytes after the proto header). */
export function decodeAdminFields(body: Buffer): Map<number, Buffer> {
  const fields = new Map<number, Buffer>();
  let p = 16;
  for (let i = 0; i < body[3]! && p + 5 <= body.length; i++) {
    const size = body.readUInt32BE(p);
    fields.set(body[p + 4]!, body.subarray(p + 5, p + 4 + size));
    p += 4 + size;
  }
  return fields;
}
