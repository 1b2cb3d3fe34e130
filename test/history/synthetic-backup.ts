/**
 * Backups written straight with the `.asb` writer (no cluster): as many records as a benchmark
 * or test needs, in seconds. The layout, files and metadata.yaml are what the backup engine
 * writes, so the catalog, readers and record index treat them as real backups.
 */
import { stringify } from 'yaml';
import { dataFileName, METADATA_FILE, namespaceDir } from '../../electron/core/catalog/layout.js';
import { FileSink } from '../../electron/core/engine/file-sink.js';
import { AsbRecordEncoder, encodeAsbHeader } from '../../electron/core/format/asb-writer.js';
import { createEncodeTransforms, type FileCodecOptions } from '../../electron/core/format/file-codec.js';
import { Particle, type BackupRecord } from '../../electron/core/model/record.js';
import type { BackupStorage } from '../../electron/core/storage/storage.js';
import { computeDigest, partitionId } from '../../electron/core/wire/digest.js';
import type { BackupFileEntry, BackupMetadata } from '../../shared/schemas/backup-metadata.js';

export const SET = 'bench';

export function intKeyBytes(i: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(i));
  return b;
}

export function digestOfInt(i: number): Buffer {
  return computeDigest(SET, Particle.INTEGER, intKeyBytes(i));
}

export interface SyntheticBackup {
  routine: string;
  kind: 'full' | 'incremental';
  createdMs: number;
  namespace: string;
  /** Integer keys of the records, in file order. */
  keys: Iterable<number>;
  /** The value of bin `v` (which version of each record this backup holds). */
  version: number;
  codec?: FileCodecOptions;
  recordsPerFile?: number;
  /** Extra string bins for some keys (to plant look-alike lines inside values). */
  extra?: (key: number) => string | undefined;
}

function record(ns: string, key: number, version: number, extra: string | undefined): BackupRecord {
  const v = Buffer.alloc(8);
  v.writeBigInt64BE(BigInt(version));
  const bins = [
    { name: 'v', type: Particle.INTEGER, data: v },
    { name: 's', type: Particle.STRING, data: Buffer.from(`user ${key} payload of version ${version}: ${'x'.repeat(40)}`) },
  ];
  if (extra !== undefined) bins.push({ name: 'note', type: Particle.STRING, data: Buffer.from(extra) });
  return { namespace: ns, digest: digestOfInt(key), set: SET, key: { type: 'int', value: BigInt(key) }, generation: version, voidTime: 0, bins };
}

/** Writes one namespace backup and its metadata.yaml; returns its key. */
export async function writeSyntheticBackup(storage: BackupStorage, b: SyntheticBackup): Promise<string> {
  const codec = b.codec ?? { compression: 'none', encryption: 'none' };
  const dir = namespaceDir(b.routine, b.kind, b.createdMs, b.namespace);
  const perFile = b.recordsPerFile ?? 250_000;
  const files: BackupFileEntry[] = [];
  const encoder = new AsbRecordEncoder();
  let sink: FileSink | undefined;
  let inFile = 0;
  let pending = 0;
  const flush = async (): Promise<void> => {
    if (pending === 0 || !sink) return;
    await sink.write(encoder.take(), pending);
    pending = 0;
  };
  for (const key of b.keys) {
    if (!sink) {
      const name = dataFileName(b.namespace, files.length + 1);
      sink = await FileSink.open(storage, `${dir}/${name}`, name, () => createEncodeTransforms(codec), encodeAsbHeader({ namespace: b.namespace, firstFile: files.length === 0 }));
    }
    const rec = record(b.namespace, key, b.version, b.extra?.(key));
    encoder.append(rec);
    sink.partitions.add(partitionId(rec.digest));
    pending++;
    if (encoder.pending >= 256 * 1024) await flush();
    if (++inFile >= perFile) {
      await flush();
      files.push(await sink.close());
      sink = undefined;
      inFile = 0;
    }
  }
  await flush();
  if (sink) files.push(await sink.close());
  const metadata: BackupMetadata = {
    created: new Date(b.createdMs).toISOString(),
    namespace: b.namespace,
    'record-count': files.reduce((a, f) => a + f['record-count'], 0),
    'byte-count': files.reduce((a, f) => a + f.size, 0),
    'file-count': files.length,
    tidemark: { 'tool-version': 'synthetic', type: b.kind, compression: codec.compression, encryption: codec.encryption, 'partition-ranges': ['0-4095'], files },
  };
  const w = await storage.openWrite(`${dir}/${METADATA_FILE}`);
  w.end(stringify(metadata));
  await w.commit();
  return dir;
}
