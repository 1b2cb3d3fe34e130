/** Decodes scan-response records into the engine's wire-form record model. */
import { Particle, type BackupRecord, type Bin, type UserKey } from '../model/record.js';
import type { WireRecordView } from '../wire/record-view.js';

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

/**
 * Builds the record a view points at. Values are views into the response (no copies on the hot
 * path); keys are copied as they are small and often kept.
 */
export function decodeRecord(v: WireRecordView, memo: DecodeMemo): BackupRecord {
  const b = v.buf;
  const bins: Bin[] = new Array(v.nBins);
  for (let i = 0; i < v.nBins; i++) {
    v.nextBin();
    const name = i < 64 ? memo.bins.get(i, b, v.nameStart, v.nameEnd) : b.toString('utf8', v.nameStart, v.nameEnd);
    bins[i] = { name, type: v.binType, data: b.subarray(v.dataStart, v.dataEnd) };
  }
  return {
    namespace: memo.ns.get(b, v.nsStart, v.nsEnd),
    digest: b.subarray(v.digestStart, v.digestEnd),
    set: v.setEnd > v.setStart ? memo.set.get(b, v.setStart, v.setEnd) : null,
    key: v.keyType >= 0 ? decodeKey(v.keyType, b.subarray(v.keyStart, v.keyEnd)) : null,
    generation: v.generation,
    voidTime: v.voidTime,
    bins,
  };
}
