/**
 * A reusable cursor over one record message of a scan response (wire protocol §3, §5): where
 * its namespace, digest, set, key and bins lie in the response bytes, found without copying or
 * decoding anything. The backup encoder transcodes straight from these ranges, and the record
 * decoder builds the engine's record model from them.
 */
import { Particle } from '../model/record.js';
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
    this.buf = b;
    this.generation = b.readUInt32BE(p + 6);
    this.voidTime = b.readUInt32BE(p + 10);
    const nFields = b.readUInt16BE(p + 18);
    const nBins = (this.nBins = b.readUInt16BE(p + 20));
    this.nsStart = this.nsEnd = this.setStart = this.setEnd = 0;
    this.digestStart = this.digestEnd = -1;
    this.keyType = -1;
    let q = p + MSG_HEADER_SIZE;
    for (let i = 0; i < nFields; i++) {
      const end = q + 4 + b.readUInt32BE(q);
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
    for (let i = 0; i < nBins; i++) q += 4 + b.readUInt32BE(q);
    if (q > b.length) throw new ProtoError(`record message runs ${q - b.length} bytes past the end of its response`);
    if (this.digestStart < 0) throw new ProtoError('scan record without a digest');
    return q;
  }

  /** Moves to the next bin; call it `nBins` times after `parse()`. */
  nextBin(): void {
    const b = this.buf;
    const q = this.cursor;
    const end = q + 4 + b.readUInt32BE(q);
    const type = (this.binType = b[q + 5]!);
    this.nameStart = q + 8;
    this.nameEnd = this.dataStart = q + 8 + b[q + 7]!;
    this.dataEnd = end;
    if (type === Particle.GEOJSON) {
      if (end - this.dataStart < 3) throw new ProtoError('truncated GeoJSON particle');
      this.dataStart = Math.min(end, this.dataStart + 3 + b.readUInt16BE(this.dataStart + 1) * 8);
    }
    this.cursor = end;
  }
}
