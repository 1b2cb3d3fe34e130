/** One record in one backup: through the backup's record index when it has a usable one, else by scanning. */
import { openBackupSource, type BackupSource } from '../../engine/backup-reader.js';
import { detectCodec } from '../../engine/codec-detect.js';
import type { FileCodecOptions } from '../../format/file-codec.js';
import type { BackupRecord } from '../../model/record.js';
import type { BackupStorage } from '../../storage/storage.js';
import type { BackupMetadata } from '../../../../shared/schemas/backup-metadata.js';
import { BackupIntegrityError } from '../../engine/backup-reader.js';
import { decodeUntil, scanForDigest } from './digest-search.js';
import { indexPath, RecordIndexError, RecordIndexReader } from './record-index.js';
import { openText } from './text-stream.js';

export interface BackupSearch {
  record: BackupRecord | null;
  via: 'index' | 'scan';
  /** The backup had an index that no longer matches its files (or is damaged): it was scanned. */
  staleIndex: boolean;
}

export interface FindOptions {
  /** 32-byte key hash for encrypted backups. */
  keyHash?: Buffer;
  /** Use the record index when there is one (default true). */
  useIndex?: boolean;
  /** The backup's metadata when the caller already read it (the catalog did): saves reading it again. */
  metadata?: BackupMetadata;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Decodes a whole file until the record appears. */
async function decodeFile(storage: BackupStorage, path: string, codec: FileCodecOptions, digest: Buffer): Promise<BackupRecord | null> {
  const opened = await openText(storage, path, codec);
  try {
    return await decodeUntil(opened.text, digest, true, '3.1', path);
  } finally {
    opened.close();
  }
}

/**
 * The backup's record index when it has one built from exactly its current files; `stale` when
 * there is an index that does not match (or is damaged), which a rebuild replaces.
 */
export async function openUsableIndex(storage: BackupStorage, source: BackupSource, listing?: Map<string, number>): Promise<{ reader?: RecordIndexReader; stale: boolean }> {
  if (!source.metadata) return { stale: false };
  const sizes = listing ?? (await listFolder(storage, source.key));
  const idx = indexPath(source.key);
  const idxSize = sizes.get(baseName(idx));
  if (idxSize === undefined) return { stale: false };
  let reader: RecordIndexReader;
  try {
    reader = await RecordIndexReader.open(storage, idx, idxSize);
  } catch (err) {
    if (!(err instanceof RecordIndexError)) throw err;
    return { stale: true };
  }
  const files = source.files.map((f) => ({ name: baseName(f.path), size: sizes.get(baseName(f.path)) ?? -1 }));
  return reader.matches(files) ? { reader, stale: false } : { stale: true };
}

/** File name → size of the files directly in a folder. */
async function listFolder(storage: BackupStorage, key: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for await (const e of storage.list(key)) sizes.set(baseName(e.path), e.size);
  return sizes;
}

/**
 * The backup's files from metadata already read, checked against one listing of its folder as
 * openBackupSource checks them (every listed file present, with its recorded size).
 */
function sourceFrom(key: string, metadata: BackupMetadata, listing: Map<string, number>): BackupSource {
  const listed = metadata.tidemark?.files;
  if (!listed) {
    const files = [...listing.keys()].filter((n) => n.endsWith('.asb')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    return { key, metadata, files: files.map((n) => ({ path: `${key}/${n}` })) };
  }
  for (const f of listed) {
    const size = listing.get(f.name);
    if (size === undefined) throw new BackupIntegrityError(`${key}: file ${f.name} listed in metadata.yaml is missing`);
    if (size !== f.size) throw new BackupIntegrityError(`${key}: file ${f.name} has ${size} bytes, metadata.yaml says ${f.size}`);
  }
  return { key, metadata, files: listed.map((entry) => ({ path: `${key}/${entry.name}`, entry })) };
}

export async function findInBackup(storage: BackupStorage, key: string, digest: Buffer, opts: FindOptions = {}): Promise<BackupSearch> {
  let listing: Map<string, number> | undefined;
  let source: BackupSource;
  if (opts.metadata) {
    const k = key.replace(/\/+$/, '');
    listing = await listFolder(storage, k);
    source = sourceFrom(k, opts.metadata, listing);
  } else {
    source = await openBackupSource(storage, key);
  }
  const codec = await detectCodec(storage, source, opts.keyHash);
  let staleIndex = false;
  if (opts.useIndex !== false) {
    const usable = await openUsableIndex(storage, source, listing);
    staleIndex = usable.stale;
    const reader = usable.reader;
    if (reader) {
      for (const hit of await reader.lookup(digest)) {
        const file = source.files[hit.file];
        if (!file) continue;
        // Open one byte early: the decoder skips to the end of that line, which is exactly the
        // offset when the byte before it ends a line.
        const from = hit.offset > 0 ? hit.offset - 1 : 0;
        const opened = await openText(storage, file.path, codec, from);
        let record: BackupRecord | null;
        try {
          record = await decodeUntil(opened.text, digest, hit.offset === 0, reader.header.files[hit.file]?.version ?? '3.1', file.path);
        } finally {
          opened.close();
        }
        record ??= await decodeFile(storage, file.path, codec, digest);
        if (record) return { record, via: 'index', staleIndex: false };
      }
      return { record: null, via: 'index', staleIndex: false };
    }
  }
  for (const f of source.files) {
    const opened = await openText(storage, f.path, codec);
    let found: BackupRecord | null | undefined;
    try {
      found = await scanForDigest(opened.text, digest, f.path);
    } finally {
      opened.close();
    }
    if (found === undefined) found = await decodeFile(storage, f.path, codec, digest);
    if (found) return { record: found, via: 'scan', staleIndex };
  }
  return { record: null, via: 'scan', staleIndex };
}
