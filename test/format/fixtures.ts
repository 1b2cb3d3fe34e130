/**
 * Access to the asbackup fixtures copied into test/data/asbackup, and the conversion of decoded
 * items into the shape of expected.json so whole records can be compared field by field.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Particle, type BackupRecord, type Bin, type SecondaryIndex, type UdfModule } from '../../electron/core/model/record.js';
import type { AsbItem } from '../../electron/core/format/asb-reader.js';

export const FIXTURES = fileURLToPath(new URL('../data/asbackup/', import.meta.url));

export const VARIANTS = ['plain', 'zstd', 'aes128', 'aes256', 'zstd-aes256', 'split', 'zstd-aes128-multiframe'] as const;
export type Variant = (typeof VARIANTS)[number];

export const VARIANT_CODEC: Record<Variant, { compression: 'none' | 'zstd'; encryption: 'none' | 'aes128' | 'aes256' }> = {
  plain: { compression: 'none', encryption: 'none' },
  zstd: { compression: 'zstd', encryption: 'none' },
  aes128: { compression: 'none', encryption: 'aes128' },
  aes256: { compression: 'none', encryption: 'aes256' },
  'zstd-aes256': { compression: 'zstd', encryption: 'aes256' },
  split: { compression: 'none', encryption: 'none' },
  'zstd-aes128-multiframe': { compression: 'zstd', encryption: 'aes128' },
};

export function variantFiles(v: Variant): string[] {
  const dir = join(FIXTURES, v);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.asb'))
    .sort()
    .map((f) => join(dir, f));
}

export const PLAIN_FILE = join(FIXTURES, 'plain', 'test_00000.asb');
export const KEY_PEM = join(FIXTURES, 'key.pem');

export interface ExpectedBin {
  name: string;
  type: string;
  value: unknown;
  msgpack?: string;
}

export interface ExpectedRecord {
  digest: string;
  set: string | null;
  key: { type: string; value: string } | null;
  generation: number;
  voidTime: number;
  bins: ExpectedBin[];
}

export interface Expected {
  namespace: string;
  fileVersion: string;
  recordCount: number;
  sindexes: Array<SecondaryIndex & { line: string }>;
  udfs: Array<{ name: string; type: string; size: number; sha256: string; content: string }>;
  records: ExpectedRecord[];
}

export function loadExpected(): Expected {
  return JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Expected;
}

/** A bin as expected.json writes it (list/map by raw msgpack, HLL by raw bytes). */
export function binView(b: Bin): ExpectedBin {
  const d = b.data;
  switch (b.type) {
    case Particle.INTEGER:
      return { name: b.name, type: 'int', value: d.readBigInt64BE(0).toString() };
    case Particle.FLOAT:
      return { name: b.name, type: 'double', value: d.readDoubleBE(0) };
    case Particle.STRING:
      return { name: b.name, type: 'string', value: d.toString('utf8') };
    case Particle.BLOB:
      return { name: b.name, type: 'bytes', value: d.toString('base64') };
    case Particle.BOOL:
      assertLength(d, 1);
      return { name: b.name, type: 'bool', value: d[0] === 1 };
    case Particle.GEOJSON:
      return { name: b.name, type: 'geojson', value: d.toString('utf8') };
    case Particle.HLL:
      return { name: b.name, type: 'hll', value: d.toString('base64') };
    case Particle.LIST:
      return { name: b.name, type: 'list', value: null, msgpack: d.toString('base64') };
    case Particle.MAP:
      return { name: b.name, type: 'map', value: null, msgpack: d.toString('base64') };
    default:
      return { name: b.name, type: `particle-${b.type}`, value: d.toString('base64') };
  }
}

function assertLength(d: Buffer, n: number): void {
  if (d.length !== n) throw new Error(`expected ${n} bytes, got ${d.length}`);
}

export function recordView(r: BackupRecord): ExpectedRecord {
  let key: ExpectedRecord['key'] = null;
  if (r.key !== null) {
    if (r.key.type === 'int') key = { type: 'int', value: r.key.value.toString() };
    else if (r.key.type === 'string') key = { type: 'string', value: r.key.value.toString('utf8') };
    else if (r.key.type === 'bytes') key = { type: 'bytes', value: r.key.value.toString('base64') };
    else key = { type: 'double', value: String(r.key.value) };
  }
  return {
    digest: r.digest.toString('base64'),
    set: r.set,
    key,
    generation: r.generation,
    voidTime: r.voidTime,
    bins: r.bins.map(binView),
  };
}

/** Drops the fields of expected.json that are derived (decoded msgpack, HLL details, digestOf…). */
export function expectedView(e: ExpectedRecord): ExpectedRecord {
  return {
    digest: e.digest,
    set: e.set,
    key: e.key === null ? null : { type: e.key.type, value: String(e.key.value) },
    generation: e.generation,
    voidTime: e.voidTime,
    bins: e.bins.map((b) =>
      b.type === 'list' || b.type === 'map' ? { name: b.name, type: b.type, value: null, msgpack: b.msgpack } : { name: b.name, type: b.type, value: b.value },
    ),
  };
}

export interface Collected {
  headers: Array<Extract<AsbItem, { kind: 'header' }>['header']>;
  sindexes: SecondaryIndex[];
  udfs: UdfModule[];
  records: BackupRecord[];
}

export function collect(items: Iterable<AsbItem>, into: Collected = { headers: [], sindexes: [], udfs: [], records: [] }): Collected {
  for (const it of items) {
    if (it.kind === 'header') into.headers.push(it.header);
    else if (it.kind === 'sindex') into.sindexes.push(it.index);
    else if (it.kind === 'udf') into.udfs.push(it.udf);
    else into.records.push(it.record);
  }
  return into;
}

export async function collectAsync(items: AsyncIterable<AsbItem>, into: Collected = { headers: [], sindexes: [], udfs: [], records: [] }): Promise<Collected> {
  for await (const it of items) collect([it], into);
  return into;
}

/** Raw digest byte order, as expected.json sorts its records. */
export function byDigest(a: { digest: string }, b: { digest: string }): number {
  return Buffer.compare(Buffer.from(a.digest, 'base64'), Buffer.from(b.digest, 'base64'));
}

/** Every record, index and UDF equals expected.json (records compared in digest order). */
export function assertMatchesExpected(got: Collected, expected: Expected): void {
  assert.equal(got.records.length, expected.recordCount);
  const ours = got.records.map(recordView).sort(byDigest);
  const want = expected.records.map(expectedView).sort(byDigest);
  for (let i = 0; i < want.length; i++) assert.deepEqual(ours[i], want[i], `record ${want[i]!.digest}`);
  assert.deepEqual(
    got.sindexes,
    expected.sindexes.map((s) => ({ namespace: s.namespace, set: s.set, name: s.name, indexType: s.indexType, bin: s.bin, binType: s.binType, context: s.context })),
  );
  assert.deepEqual(
    got.udfs.map((u) => ({ name: u.name, type: u.type, size: u.content.length, content: u.content.toString('utf8'), sha256: sha256(u.content) })),
    expected.udfs.map((u) => ({ name: u.name, type: u.type, size: u.size, content: u.content, sha256: u.sha256 })),
  );
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
