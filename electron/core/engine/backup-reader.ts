/**
 * Reading backups back: Tidemark/ABS folders (with metadata.yaml), plain asbackup folders and
 * single `.asb` files. Files stream through decrypt → decompress → parse, with their SHA-256
 * checked against the metadata on the way when the metadata has one.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { readMetadata } from '../catalog/catalog.js';
import { METADATA_FILE } from '../catalog/layout.js';
import type { AsbItem, AsbParseError, AsbWireItem } from '../format/asb-reader.js';
import { readAsbFileBatches, readAsbFileEncodedBatches, type FileCodecOptions } from '../format/file-codec.js';
import type { BackupStorage } from '../storage/storage.js';
import type { EncodedRecord } from '../wire/encoded-record.js';
import type { BackupFileEntry, BackupMetadata } from '../../../shared/schemas/backup-metadata.js';

export interface BackupSource {
  /** The key as given: a namespace folder, an asbackup folder or one `.asb` file. */
  key: string;
  /** Null for asbackup output, which has no metadata. */
  metadata: BackupMetadata | null;
  files: Array<{ path: string; entry?: BackupFileEntry }>;
}

export class BackupIntegrityError extends Error {
  override name = 'BackupIntegrityError';
}

/** Natural order, so `test_2.asb` comes before `test_10.asb`. */
function byName(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Resolves a key to its files, checking that everything the metadata lists is there. */
export async function openBackupSource(storage: BackupStorage, key: string): Promise<BackupSource> {
  const k = key.replace(/\/+$/, '');
  if (k.endsWith('.asb')) {
    if (!(await storage.exists(k))) throw new BackupIntegrityError(`backup file ${k} does not exist in ${storage.describe()}`);
    return { key: k, metadata: null, files: [{ path: k }] };
  }
  const metaPath = `${k}/${METADATA_FILE}`;
  const present = new Map<string, number>();
  for await (const e of storage.list(k, { recursive: false })) present.set(e.path.slice(k.length + 1), e.size);
  if (present.has(METADATA_FILE)) {
    const metadata = await readMetadata(storage, metaPath);
    const listed = metadata.tidemark?.files;
    if (!listed) {
      // ABS wrote it: the metadata has no file list, so every .asb file in the folder belongs to it.
      const files = [...present.keys()].filter((n) => n.endsWith('.asb')).sort(byName);
      if (metadata['file-count'] !== undefined && files.length !== metadata['file-count']) {
        throw new BackupIntegrityError(`${k}: metadata lists ${metadata['file-count']} files but the folder holds ${files.length}`);
      }
      return { key: k, metadata, files: files.map((n) => ({ path: `${k}/${n}` })) };
    }
    for (const f of listed) {
      const size = present.get(f.name);
      if (size === undefined) throw new BackupIntegrityError(`${k}: file ${f.name} listed in ${METADATA_FILE} is missing`);
      if (size !== f.size) throw new BackupIntegrityError(`${k}: file ${f.name} has ${size} bytes, ${METADATA_FILE} says ${f.size}`);
    }
    return { key: k, metadata, files: listed.map((entry) => ({ path: `${k}/${entry.name}`, entry })) };
  }
  const files = [...present.keys()].filter((n) => n.endsWith('.asb')).sort(byName);
  if (files.length === 0) throw new BackupIntegrityError(`${k} in ${storage.describe()} holds neither ${METADATA_FILE} nor .asb files: not a backup`);
  return { key: k, metadata: null, files: files.map((n) => ({ path: `${k}/${n}` })) };
}

class HashTap extends Transform {
  private readonly hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Streams one file's items in arrays (one per decoded chunk); when `entry` is given, its size and
 * SHA-256 must match at the end.
 */
export async function* readBackupFileBatches(
  storage: BackupStorage,
  path: string,
  codec: FileCodecOptions,
  entry?: BackupFileEntry,
  namespace?: string,
  onBadRecord?: (err: AsbParseError) => void,
): AsyncGenerator<AsbItem[]> {
  yield* checkedFile(storage, path, entry, (tap) => readAsbFileBatches(tap, codec, { file: path, ...(namespace ? { namespace } : {}), ...(onBadRecord ? { onBadRecord } : {}) }));
}

/**
 * `readBackupFileBatches` for the restore hot path: records arrive as EncodedRecords (write
 * operations transcoded from the text), never as BackupRecords.
 */
export async function* readBackupFileEncodedBatches(
  storage: BackupStorage,
  path: string,
  codec: FileCodecOptions,
  entry?: BackupFileEntry,
  namespace?: string,
  onBadRecord?: (err: AsbParseError) => void,
  /** EncodedRecord objects to fill in again (see AsbReaderOptions `recordPool`). */
  recordPool?: EncodedRecord[],
): AsyncGenerator<AsbWireItem[]> {
  yield* checkedFile(storage, path, entry, (tap) =>
    readAsbFileEncodedBatches(tap, codec, { file: path, ...(namespace ? { namespace } : {}), ...(onBadRecord ? { onBadRecord } : {}), ...(recordPool ? { recordPool } : {}) }),
  );
}

/** Streams a file through `decode`, checking its size and SHA-256 against `entry` at the end. */
async function* checkedFile<T>(storage: BackupStorage, path: string, entry: BackupFileEntry | undefined, decode: (bytes: Transform) => AsyncGenerator<T>): AsyncGenerator<T> {
  const raw = await storage.openRead(path);
  const tap = new HashTap();
  raw.on('error', (err) => tap.destroy(err));
  raw.pipe(tap);
  try {
    yield* decode(tap);
  } finally {
    // Stopping early (an error, a cancel) must still release the file.
    raw.destroy();
  }
  if (entry) {
    const sha = tap.digest();
    if (tap.size !== entry.size || sha !== entry.sha256) {
      throw new BackupIntegrityError(`${path}: checksum mismatch (read ${tap.size} bytes, sha256 ${sha}; metadata says ${entry.size} bytes, ${entry.sha256})`);
    }
  }
}

/** The same items one by one. */
export async function* readBackupFile(
  storage: BackupStorage,
  path: string,
  codec: FileCodecOptions,
  entry?: BackupFileEntry,
  namespace?: string,
  onBadRecord?: (err: AsbParseError) => void,
): AsyncGenerator<AsbItem> {
  for await (const batch of readBackupFileBatches(storage, path, codec, entry, namespace, onBadRecord)) yield* batch;
}

export interface VerifyReport {
  files: number;
  records: number;
  indexes: number;
  udfs: number;
  bytes: number;
}

/** Reads every file of a backup, checking checksums and decoding every record. */
export async function verifyBackup(storage: BackupStorage, source: BackupSource, codec: FileCodecOptions): Promise<VerifyReport> {
  const report: VerifyReport = { files: 0, records: 0, indexes: 0, udfs: 0, bytes: 0 };
  for (const f of source.files) {
    let records = 0;
    for await (const batch of readBackupFileBatches(storage, f.path, codec, f.entry, source.metadata?.namespace)) {
      for (const item of batch) {
        if (item.kind === 'record') records++;
        else if (item.kind === 'sindex') report.indexes++;
        else if (item.kind === 'udf') report.udfs++;
      }
    }
    if (f.entry && records !== f.entry['record-count']) {
      throw new BackupIntegrityError(`${f.path}: holds ${records} records, metadata says ${f.entry['record-count']}`);
    }
    report.records += records;
    report.files++;
    report.bytes += f.entry?.size ?? 0;
  }
  const expected = source.metadata?.['record-count'];
  if (expected !== undefined && expected !== report.records) throw new BackupIntegrityError(`${source.key}: holds ${report.records} records, metadata says ${expected}`);
  return report;
}
