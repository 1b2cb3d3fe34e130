/**
 * Bins and keys turned into JSON-friendly values for display and export. The exact value bytes
 * travel along as `raw` (base64), so nothing is lost even where JSON cannot say it (whole doubles,
 * map order, blob flavours).
 */
import { CITRUSLEAF_EPOCH_SECONDS, Particle, type Bin, type UserKey } from '../../model/record.js';
import { MpExt, MpMap, MpReader, type MpValue } from '../../wire/msgpack.js';
import type { BinJson, RecordVersion } from '../../../../shared/schemas/record-history.js';

const NAMES = new Map<number, string>([
  [Particle.NIL, 'nil'],
  [Particle.INTEGER, 'integer'],
  [Particle.FLOAT, 'double'],
  [Particle.STRING, 'string'],
  [Particle.BLOB, 'blob'],
  [Particle.JAVA_BLOB, 'java-blob'],
  [Particle.CSHARP_BLOB, 'csharp-blob'],
  [Particle.PYTHON_BLOB, 'python-blob'],
  [Particle.RUBY_BLOB, 'ruby-blob'],
  [Particle.PHP_BLOB, 'php-blob'],
  [Particle.ERLANG_BLOB, 'erlang-blob'],
  [Particle.BOOL, 'bool'],
  [Particle.HLL, 'hll'],
  [Particle.MAP, 'map'],
  [Particle.LIST, 'list'],
  [Particle.GEOJSON, 'geojson'],
]);

export function particleName(type: number): string {
  return NAMES.get(type) ?? `particle-${type}`;
}

function bigintJson(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

function doubleJson(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** Inside lists and maps, strings and blobs carry an Aerospike type byte first (wire §6.6). */
function mpJson(v: MpValue): unknown {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return bigintJson(v);
  if (typeof v === 'number') return doubleJson(v);
  if (Buffer.isBuffer(v)) {
    if (v.length === 0) return '';
    const t = v[0]!;
    const body = v.subarray(1);
    if (t === Particle.STRING) return body.toString('utf8');
    if (t === Particle.GEOJSON) return { geojson: body.toString('utf8') };
    return { [particleName(t)]: body.toString('base64') };
  }
  if (Array.isArray(v)) return v.map(mpJson);
  if (v instanceof MpMap) {
    // The ordered-map marker (an ext key with a nil value) is not data.
    const entries = v.entries.filter(([k]) => !(k instanceof MpExt));
    const keys = entries.map(([k]) => mpJson(k));
    if (keys.every((k) => typeof k === 'string')) return Object.fromEntries(entries.map(([, val], i) => [keys[i] as string, mpJson(val)]));
    return { entries: entries.map(([, val], i) => [keys[i], mpJson(val)]) };
  }
  return { ext: v.type, data: v.data.toString('base64') };
}

function valueOf(bin: Bin): unknown {
  const d = bin.data;
  switch (bin.type) {
    case Particle.NIL:
      return null;
    case Particle.INTEGER:
      return d.length === 8 ? bigintJson(d.readBigInt64BE(0)) : d.length > 0 && d.length <= 6 ? d.readIntBE(0, d.length) : d.toString('hex');
    case Particle.FLOAT:
      return d.length === 8 ? doubleJson(d.readDoubleBE(0)) : d.toString('hex');
    case Particle.STRING:
      return d.toString('utf8');
    case Particle.BOOL:
      return d.length > 0 && d[0] !== 0;
    case Particle.GEOJSON:
      try {
        return JSON.parse(d.toString('utf8')) as unknown;
      } catch {
        return d.toString('utf8');
      }
    case Particle.LIST:
    case Particle.MAP:
      try {
        return mpJson(new MpReader(d).read());
      } catch {
        // Undecodable msgpack is still shown, as bytes.
        return d.toString('base64');
      }
    default:
      return d.toString('base64');
  }
}

export function binJson(bin: Bin): BinJson {
  return { name: bin.name, type: particleName(bin.type), particle: bin.type, value: valueOf(bin), raw: bin.data.toString('base64') };
}

export function keyJson(key: UserKey | null): RecordVersion['key'] {
  if (key === null) return null;
  switch (key.type) {
    case 'int':
      return { type: 'integer', value: key.value >= BigInt(Number.MIN_SAFE_INTEGER) && key.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(key.value) : key.value.toString() };
    case 'double':
      return { type: 'double', value: key.value };
    case 'string':
      return { type: 'string', value: key.value.toString('utf8') };
    case 'bytes':
      return { type: 'bytes', value: key.value.toString('hex') };
  }
}

/** Void time (seconds since 2010-01-01Z, 0 = never) as an ISO time or null. */
export function expiryIso(voidTime: number): string | null {
  return voidTime === 0 ? null : new Date((voidTime + CITRUSLEAF_EPOCH_SECONDS) * 1000).toISOString();
}
