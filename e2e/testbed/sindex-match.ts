/** Secondary-index range filters (wire protocol §9.3), evaluated by scanning the partition. */
import { Particle } from '../../electron/core/model/record.js';
import { MpMap, unpack, type MpValue } from '../../electron/core/wire/msgpack.js';
import type { SindexDef, TestbedCluster } from './cluster.js';
import type { StoredRecord } from './store.js';

export interface IndexRange {
  bin: string;
  particleType: number;
  begin: Buffer;
  end: Buffer;
}

export function parseIndexRange(data: Buffer): IndexRange {
  let p = 0;
  const count = data[p++]!;
  if (count !== 1) throw new Error(`index range must hold one filter, got ${count}`);
  const nameLen = data[p++]!;
  const bin = data.toString('utf8', p, p + nameLen);
  p += nameLen;
  const particleType = data[p++]!;
  const bl = data.readUInt32BE(p);
  p += 4;
  const begin = data.subarray(p, p + bl);
  p += bl;
  const el = data.readUInt32BE(p);
  p += 4;
  const end = data.subarray(p, p + el);
  return { bin, particleType, begin, end };
}

const INDEX_TYPE_BY_CODE = ['DEFAULT', 'LIST', 'MAPKEYS', 'MAPVALUES'];
const PARTICLE_FOR_INDEX: Record<string, number> = { NUMERIC: Particle.INTEGER, STRING: Particle.STRING, BLOB: Particle.BLOB, GEO2DSPHERE: Particle.GEOJSON };

/** Finds the index a query relies on, as the server does when field 21 is absent. */
export function findIndex(
  cluster: TestbedCluster,
  ns: string,
  set: string | null,
  range: IndexRange,
  name: string | undefined,
  indexTypeCode: number,
): SindexDef | undefined {
  if (name !== undefined) return cluster.sindexes.get(`${ns}/${name}`);
  const it = INDEX_TYPE_BY_CODE[indexTypeCode] ?? 'DEFAULT';
  for (const d of cluster.sindexes.values()) {
    if (d.namespace !== ns || d.bin !== range.bin || d.indexType !== it) continue;
    if (PARTICLE_FOR_INDEX[d.type] !== range.particleType) continue;
    if (d.set !== null && d.set !== set) continue;
    return d;
  }
  return undefined;
}

type Scalar = bigint | Buffer;

function fromMsgpack(v: MpValue): Scalar | undefined {
  if (typeof v === 'bigint') return v;
  if (Buffer.isBuffer(v) && v.length > 0) return v;
  return undefined;
}

/** The scalar values a record contributes to an index, with the particle type each has. */
function indexedValues(def: SindexDef, r: StoredRecord): Array<{ type: number; v: Scalar }> {
  const bin = r.bins.get(def.bin);
  if (!bin) return [];
  if (def.indexType === 'DEFAULT') {
    if (bin.type === Particle.INTEGER) return [{ type: Particle.INTEGER, v: bin.data.readBigInt64BE(0) }];
    if (bin.type === Particle.STRING || bin.type === Particle.BLOB || bin.type === Particle.GEOJSON) return [{ type: bin.type, v: bin.data }];
    return [];
  }
  if (bin.type !== Particle.LIST && bin.type !== Particle.MAP) return [];
  let items: MpValue[] = [];
  try {
    const top = unpack(bin.data).value;
    if (Array.isArray(top) && def.indexType === 'LIST') items = top;
    else if (top instanceof MpMap) items = top.entries.map((e) => (def.indexType === 'MAPKEYS' ? e[0] : e[1]));
  } catch {
    return [];
  }
  const out: Array<{ type: number; v: Scalar }> = [];
  for (const it of items) {
    const s = fromMsgpack(it);
    if (s === undefined) continue;
    // Msgpack strings/blobs carry their particle type as the first payload byte.
    if (typeof s === 'bigint') out.push({ type: Particle.INTEGER, v: s });
    else out.push({ type: s[0]!, v: s.subarray(1) });
  }
  return out;
}

/** Returns the matching integer value (the bval) or true for a match, undefined for none. */
export function matchRange(def: SindexDef, range: IndexRange, r: StoredRecord): bigint | true | undefined {
  for (const { type, v } of indexedValues(def, r)) {
    if (type !== range.particleType) continue;
    if (typeof v === 'bigint') {
      const lo = range.begin.readBigInt64BE(0);
      const hi = range.end.readBigInt64BE(0);
      if (v >= lo && v <= hi) return v;
    } else if (v.equals(range.begin)) return true;
  }
  return undefined;
}
