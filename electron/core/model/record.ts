/**
 * The engine's record model. Values stay in their wire form (particle type + raw bytes) so a
 * backup copies exactly what the server holds: the official Node client's decoded values cannot
 * tell a whole double from an integer, nor a raw list from a blob, so they are never used here.
 */

/** Aerospike particle types (wire protocol §6.5). */
export const Particle = {
  NIL: 0,
  INTEGER: 1,
  FLOAT: 2,
  STRING: 3,
  BLOB: 4,
  JAVA_BLOB: 7,
  CSHARP_BLOB: 8,
  PYTHON_BLOB: 9,
  RUBY_BLOB: 10,
  PHP_BLOB: 11,
  ERLANG_BLOB: 12,
  BOOL: 17,
  HLL: 18,
  MAP: 19,
  LIST: 20,
  GEOJSON: 23,
} as const;
export type ParticleType = (typeof Particle)[keyof typeof Particle];

/** A stored user key. String keys are raw bytes (usually UTF-8, but never re-encoded). */
export type UserKey =
  | { type: 'int'; value: bigint }
  | { type: 'double'; value: number }
  | { type: 'string'; value: Buffer }
  | { type: 'bytes'; value: Buffer; particle?: number };

/**
 * One bin. `data` holds the value bytes as the server sends them, except GeoJSON, whose data is
 * the JSON text alone (the wire form's cell-id header is dropped, as asbackup does):
 * INTEGER 8-byte BE two's complement, FLOAT 8-byte BE IEEE-754, STRING/BLOB/HLL raw, BOOL one
 * byte 0/1, LIST/MAP raw msgpack, NIL empty.
 */
export interface Bin {
  name: string;
  type: number;
  data: Buffer;
}

export interface BackupRecord {
  namespace: string;
  /** 20-byte RIPEMD-160 digest. */
  digest: Buffer;
  /** Set name, or null when the record has none. */
  set: string | null;
  /** The stored user key, or null for digest-only records. */
  key: UserKey | null;
  generation: number;
  /** Expiration as seconds since 2010-01-01T00:00:00Z; 0 = never expires. */
  voidTime: number;
  bins: Bin[];
}

export type IndexType = 'N' | 'L' | 'K' | 'V';
export type IndexBinType = 'N' | 'S' | 'G' | 'B';

/** A secondary-index definition as carried by `* i` lines. */
export interface SecondaryIndex {
  namespace: string;
  set: string | null;
  name: string;
  indexType: IndexType;
  bin: string;
  binType: IndexBinType;
  /** Base64 of the msgpack CDT context, or null. */
  context: string | null;
}

/** A UDF module as carried by `* u` lines. */
export interface UdfModule {
  type: 'L';
  name: string;
  content: Buffer;
}

/** Seconds between the Unix epoch and the Aerospike ("citrusleaf") epoch, 2010-01-01Z. */
export const CITRUSLEAF_EPOCH_SECONDS = 1262304000;
