/**
 * A reusable cursor over one record message of a scan response (wire protocol §3, §5): where
 * its namespace, digest, set, key and bins lie in the response bytes, found without copying or
 * decoding anything. The backup encoder transcodes straight from these ranges, and the record
 * decoder builds the engine's record model from them.
 */
import { Particle } from '../model/record.js';
import { u16be, u32be } from './big-endian.js';
import { FieldType } from './message.js';
import { ProtoError } from './proto.js';

/** Size of a message header (the record's own, inside a scan response). */
export const MSG_HEADER_SIZE = 22;
const EMPTY = Buffer.alloc(0);

export class WireRecordView {
  buf: Buffer = EMPTY;
  generation = 0;
  voidTime = 0;
  nsStart = 0;
  nsEnd = 0;
  digestStart = 0;
  digestEnd = 0;
  /** No set when setStart === setEnd. */
  setStart = 0;
  setEnd = 0;
  /** Particle type of the stored key, or -1 when the record has none. */
  keyType = -1;
  keyStart = 0;
  keyEnd = 0;
  nBins = 0;
  /** The bin `nextBin()` moved to. GeoJSON data is the JSON text alone (its cell-id header skipped). */
  binType = 0;
  nameStart = 0;
  nameEnd = 0;
  dataStart = 0;
  dataEnd = 0;
  private cursor = 0;

  /** Points the view at the record message whose header starts at `p`; returns where it ends. */
  parse(b: Buffer, p: number): number {
    const len = b.length;
    if (p + MSG_HEADER_SIZE > len) throw new ProtoError(`record message header runs ${p + MSG_HEADER_SIZE - len} bytes past the end of its response`);
    this.buf = b;
    this.generation = u32be(b, p + 6);
    this.voidTime = u32be(b, p + 10);
    const nFields = u16be(b, p + 18);
    const nBins = (this.nBins = u16be(b, p + 20));
    this.nsStart = this.nsEnd = this.setStart = this.setEnd = 0;
    this.digestStart = this.digestEnd = -1;
    this.keyType = -1;
    let q = p + MSG_HEADER_SIZE;
    for (let i = 0; i < nFields; i++) {
      if (q + 5 > len) throw pastEnd(q + 5, len);
      const end = q + 4 + u32be(b, q);
      const type = b[q + 4];
      const start = q + 5;
      if (type === FieldType.NAMESPACE) {
        this.nsStart = start;
        this.nsEnd = end;
      } else if (type === FieldType.DIGEST) {
        this.digestStart = start;
        this.digestEnd = end;
      } else if (type === FieldType.SET) {
        this.setStart = start;
        this.setEnd = end;
      } else if (type === FieldType.KEY) {
        this.keyType = b[start]!;
        this.keyStart = start + 1;
        this.keyEnd = end;
      }
      q = end;
    }
    this.cursor = q;
    for (let i = 0; i < nBins; i++) {
      if (q + 4 > len) throw pastEnd(q + 4, len);
      q += 4 + u32be(b, q);
    }
    if (q > len) throw pastEnd(q, len);
    if (this.digestStart < 0) throw new ProtoError('scan record without a digest');
    return q;
  }

  /** Moves to the next bin; call it `nBins` times after `parse()`. */
  nextBin(): void {
    const b = this.buf;
    const q = this.cursor;
    const end = q + 4 + u32be(b, q);
    const type = (this.binType = b[q + 5]!);
    this.nameStart = q + 8;
    this.nameEnd = this.dataStart = q + 8 + b[q + 7]!;
    this.dataEnd = end;
    if (type === Particle.GEOJSON) {
      if (end - this.dataStart < 3) throw new ProtoError('truncated GeoJSON particle');
      this.dataStart = Math.min(end, this.dataStart + 3 + u16be(b, this.dataStart + 1) * 8);
    }
    this.cursor = end;
  }
}

function pastEnd(q: number, len: number): ProtoError {
  return new ProtoError(`record message runs ${q - len} bytes past the end of its response`);
}
