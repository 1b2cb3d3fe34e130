/** Decodes scan-response records into the engine's wire-form record model. */
import { Particle, type BackupRecord, type Bin, type UserKey } from '../model/record.js';
import { FieldType } from '../wire/message.js';
import { AerospikeError, ClientCode } from './errors.js';

export function decodeKey(type: number, data: Buffer): UserKey {
  switch (type) {
    case Particle.INTEGER:
      return { type: 'int', value: data.readBigInt64BE(0) };
    case Particle.FLOAT:
      return { type: 'double', value: data.readDoubleBE(0) };
    case Particle.STRING:
      return { type: 'string', value: Buffer.from(data) };
    case Particle.BLOB:
      return { type: 'bytes', value: Buffer.from(data) };
    default:
      return { type: 'bytes', value: Buffer.from(data), particle: type };
  }
}

/** GeoJSON particles carry flags and cell ids before the JSON text; backups keep the text only. */
export function geoJsonText(data: Buffer): Buffer {
  if (data.length < 3) throw new AerospikeError('truncated GeoJSON particle', ClientCode.PROTOCOL);
  return data.subarray(3 + data.readUInt16BE(1) * 8);
}

/**
 * Remembers the last string decoded from bytes, so a scan's namespace and set names (the same
 * bytes record after record) are decoded once rather than per record.
 */
export class TextMemo {
  private bytes = Buffer.alloc(0);
  private text = '';

  get(b: Buffer, start: number, end: number): string {
    const n = end - start;
    const last = this.bytes;
    if (n === last.length) {
      let i = 0;
      while (i < n && b[start + i] === last[i]) i++;
      if (i === n) return this.text;
    }
    this.bytes = Buffer.from(b.subarray(start, end));
    this.text = b.toString('utf8', start, end);
    return this.text;
  }
}

/** Per-position memos for bin names: records of a set usually repeat them in the same order. */
export class BinNameMemo {
  private readonly slots: TextMemo[] = [];
  get(i: number, b: Buffer, start: number, end: number): string {
    const m = (this.slots[i] ??= new TextMemo());
    return m.get(b, start, end);
  }
}

export interface DecodeMemo {
  ns: TextMemo;
  set: TextMemo;
  bins: BinNameMemo;
}

export function newDecodeMemo(): DecodeMemo {
  return { ns: new TextMemo(), set: new TextMemo(), bins: new BinNameMemo() };
}

const defaultMemo = newDecodeMemo();

/**
 * Decodes the fields and ops of one record message whose 22-byte header starts at `p`. Values
 * are views into the frame (no copies on the hot path); keys are copied as they are small and
 * often kept.
 */
export function decodeRecord(
  b: Buffer,
  p: number,
  nFields: number,
  nOps: number,
  generation: number,
  voidTime: number,
  memo: DecodeMemo = defaultMemo,
): { record: BackupRecord; end: number } {
  let namespace = '';
  let digest: Buffer | undefined;
  let set: string | null = null;
  let key: UserKey | null = null;
  let q = p + 22;
  for (let i = 0; i < nFields; i++) {
    const size = b.readUInt32BE(q);
    const type = b[q + 4]!;
    const start = q + 5;
    const end = q + 4 + size;
    if (type === FieldType.NAMESPACE) namespace = memo.ns.get(b, start, end);
    else if (type === FieldType.DIGEST) digest = b.subarray(start, end);
    else if (type === FieldType.SET) set = end > start ? memo.set.get(b, start, end) : null;
    else if (type === FieldType.KEY) key = decodeKey(b[start]!, b.subarray(start + 1, end));
    q = end;
  }
  const bins: Bin[] = new Array(nOps);
  for (let i = 0; i < nOps; i++) {
    const size = b.readUInt32BE(q);
    const type = b[q + 5]!;
    const nameLen = b[q + 7]!;
    const name = i < 64 ? memo.bins.get(i, b, q + 8, q + 8 + nameLen) : b.toString('utf8', q + 8, q + 8 + nameLen);
    let data = b.subarray(q + 8 + nameLen, q + 4 + size);
    if (type === Particle.GEOJSON) data = geoJsonText(data);
    bins[i] = { name, type, data };
    q += 4 + size;
  }
  if (!digest) throw new AerospikeError('scan record without a digest', ClientCode.PROTOCOL);
  return { record: { namespace, digest, set, key, generation, voidTime, bins }, end: q };
}
