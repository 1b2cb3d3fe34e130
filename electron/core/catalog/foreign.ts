/**
 * Adopting an asbackup output folder into a routine. Its files are read once, decoded to count
 * records, indexes and UDFs, and hashed; the result is written as a registration (see
 * registration.ts) so the catalog lists it, the verifier can later check every byte against the
 * hashes taken now, and a point-in-time restore of the routine can start from it. The `.asb`
 * files themselves are never written to.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BackupIntegrityError, openBackupSource, type BackupSource } from '../engine/backup-reader.js';
import { detectCodec } from '../engine/codec-detect.js';
import { readAsbFileBatches } from '../format/file-codec.js';
import type { BackupStorage } from '../storage/storage.js';
import { TOOL_VERSION } from '../version.js';
import type { BackupFileEntry } from '../../../shared/schemas/backup-metadata.js';
import { checkRoutineName, type BackupKind, registrationPath } from './layout.js';
import { formatRegistration, type Registration } from './registration.js';

export interface RegisterOptions {
  /** Namespace of the records; read from the files' `# namespace` line when absent. */
  namespace?: string;
  /** Backup time, Unix ms; the newest file's modification time when absent. */
  createdMs?: number;
  /** asbackup cannot say whether it ran with --modified-after; full unless told. */
  kind?: BackupKind;
  /** 32-byte key hash, for encrypted files. */
  keyHash?: Buffer;
  signal?: AbortSignal;
  now: () => number;
}

export class ForeignBackupError extends Error {
  override name = 'ForeignBackupError';
}

class HashTap extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString();

/** The backup source of a registered folder: its files with the sizes and hashes recorded then. */
export async function registeredSource(storage: BackupStorage, reg: Registration): Promise<BackupSource> {
  const key = reg['tidemark-foreign'].path;
  const present = new Map<string, number>();
  for await (const e of storage.list(key)) present.set(e.path.slice(key.length + 1), e.size);
  const files = reg.tidemark?.files ?? [];
  for (const f of files) {
    const size = present.get(f.name);
    if (size === undefined) throw new BackupIntegrityError(`${key}: file ${f.name} registered in the catalog is missing`);
    if (size !== f.size) throw new BackupIntegrityError(`${key}: file ${f.name} has ${size} bytes, it had ${f.size} when registered`);
  }
  return { key, metadata: reg, files: files.map((entry) => ({ path: `${key}/${entry.name}`, entry })) };
}

/** Reads and registers `path` (an asbackup folder) under `routine`; returns the registration and where it was written. */
export async function registerForeign(storage: BackupStorage, path: string, routine: string, o: RegisterOptions): Promise<{ registration: Registration; path: string; createdMs: number }> {
  checkRoutineName(routine);
  const folder = path.replace(/\/+$/, '');
  if (folder.endsWith('.asb')) throw new ForeignBackupError(`path: ${folder} is one file; register the folder that holds the backup's .asb files`);
  const source = await openBackupSource(storage, folder);
  if (source.metadata) throw new ForeignBackupError(`path: ${folder} has a metadata.yaml: it is an ABS-layout backup and is listed as it is, without registering`);
  const codec = await detectCodec(storage, source, o.keyHash);

  const entries: BackupFileEntry[] = [];
  let indexes = 0;
  let udfs = 0;
  let newest = 0;
  const namespaces = new Set<string>();
  for (const f of source.files) {
    o.signal?.throwIfAborted();
    const stat = await storage.stat(f.path);
    if (stat) newest = Math.max(newest, stat.modified.getTime());
    const raw = await storage.openRead(f.path);
    const tap = new HashTap();
    raw.on('error', (err) => tap.destroy(err));
    raw.pipe(tap);
    let records = 0;
    try {
      for await (const batch of readAsbFileBatches(tap, codec, { file: f.path, ...(o.namespace ? { namespace: o.namespace } : {}) })) {
        o.signal?.throwIfAborted();
        for (const item of batch) {
          if (item.kind === 'record') records++;
          else if (item.kind === 'sindex') indexes++;
          else if (item.kind === 'udf') udfs++;
          else if (item.header.namespace) namespaces.add(item.header.namespace);
        }
      }
    } finally {
      raw.destroy();
    }
    entries.push({ name: f.path.slice(folder.length + 1), size: tap.size, sha256: tap.hash.digest('hex'), 'record-count': records, partitions: [] });
  }
  let namespace = o.namespace;
  if (namespace === undefined) {
    if (namespaces.size > 1) throw new ForeignBackupError(`namespace: the files of ${folder} name several namespaces (${[...namespaces].join(', ')}); give one`);
    namespace = [...namespaces][0];
    if (namespace === undefined) throw new ForeignBackupError(`namespace: the files of ${folder} do not name their namespace; give it`);
  }
  if (!/^[^/\s]+$/.test(namespace)) throw new ForeignBackupError(`namespace: '${namespace}' is not a namespace name`);
  const createdMs = o.createdMs ?? (newest || o.now());
  if (!Number.isSafeInteger(createdMs) || createdMs <= 0) throw new ForeignBackupError(`created: ${createdMs} is not a time in Unix ms`);
  const where = registrationPath(routine, createdMs, namespace);
  if (await storage.exists(where)) throw new ForeignBackupError(`routine '${routine}' already has a foreign backup of namespace '${namespace}' at ${rfc3339(createdMs)} (${where})`);

  const registration: Registration = {
    created: rfc3339(createdMs),
    namespace,
    'record-count': entries.reduce((a, e) => a + e['record-count'], 0),
    'byte-count': entries.reduce((a, e) => a + e.size, 0),
    'file-count': entries.length,
    'secondary-index-count': indexes,
    'udf-count': udfs,
    tidemark: {
      'tool-version': TOOL_VERSION,
      type: o.kind ?? 'full',
      compression: codec.compression,
      encryption: codec.encryption,
      'partition-ranges': [],
      files: entries,
    },
    'tidemark-foreign': { path: folder, registered: rfc3339(o.now()) },
  };
  const w = await storage.openWrite(where);
  try {
    w.end(formatRegistration(registration));
    await w.commit();
  } catch (err) {
    await w.abort();
    throw err;
  }
  return { registration, path: where, createdMs };
}
