/**
 * Where backups live. One interface, used by the backup and restore engines, with a local
 * filesystem and an S3 implementation. Paths are '/'-separated and relative to the storage root
 * (a folder, or a bucket plus key prefix), so the ABS layout reads the same on both.
 */
import type { Readable, Writable } from 'node:stream';

export interface CommitResult {
  /** Bytes written. */
  size: number;
  /** Lower-case hex SHA-256 of the bytes written, computed while streaming. */
  sha256: string;
}

/**
 * A file being written. Nothing is visible under the final name until `commit()`, and
 * `abort()` removes every trace, so readers (and ABS, which treats a folder without
 * metadata.yaml as no backup) never see a half-written file.
 *
 * `commit()` ends the stream if the caller has not, waits for every byte to be stored, then
 * publishes. If anything fails on the way (a write, the final upload, the rename), the writer
 * cleans up after itself before the error is reported, so a failed commit also leaves nothing.
 * A writer that is destroyed (for example by a failing `pipeline`) also cleans up. `abort()`
 * after a successful commit does nothing: removing a published file is `remove()`'s job.
 * A writer keeps no reference to a chunk once that chunk's write callback has run, so callers
 * may refill and write the same buffer again.
 */
export interface StorageWriter extends Writable {
  commit(): Promise<CommitResult>;
  abort(): Promise<void>;
}

export interface StorageEntry {
  /** Path relative to the storage root. */
  path: string;
  size: number;
  modified: Date;
}

export interface ReadOptions {
  /** First byte to read (default 0). A start at or past the end gives an empty stream. */
  start?: number;
  /** Last byte to read, inclusive (as in HTTP ranges and fs.createReadStream). */
  end?: number;
}

export interface ListOptions {
  /** Include files in sub-folders (default: only the folder's own files). */
  recursive?: boolean;
}

export interface BackupStorage {
  /** Starts a new file; parent folders need not exist. */
  openWrite(path: string): Promise<StorageWriter>;
  /** Opens a file for reading; fails here (not later in a pipeline) if it does not exist. */
  openRead(path: string, options?: ReadOptions): Promise<Readable>;
  /**
   * Files under the folder `prefix` ('' for the root; a trailing '/' is optional), sorted by
   * path in byte order, the order S3 lists keys in. Unfinished writes are never listed.
   */
  list(prefix: string, options?: ListOptions): AsyncIterable<StorageEntry>;
  /** The file's size and time, or undefined if there is no such file. */
  stat(path: string): Promise<StorageEntry | undefined>;
  exists(path: string): Promise<boolean>;
  /** Removes one file; a missing file is not an error. */
  remove(path: string): Promise<void>;
  /** Removes every file under a folder path (never the whole root). */
  removeTree(prefix: string): Promise<void>;
  /** Where this storage points, for messages; never contains secrets. */
  describe(): string;
}

/** Any storage failure; `location` names the file or folder concerned in display form. */
export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    message: string,
    readonly location?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class StoragePathError extends StorageError {
  override name = 'StoragePathError';
}

export class StorageNotFoundError extends StorageError {
  override name = 'StorageNotFoundError';
}

/** Raised for storage configuration that cannot work (bad URL, missing bucket, bad option). */
export class StorageConfigError extends StorageError {
  override name = 'StorageConfigError';
}

/**
 * Rejects paths that could escape the storage root or that would name different things on
 * different backends: absolute paths, '..' and '.' segments, empty segments ('a//b' is a distinct
 * S3 key but the same local file), backslashes (a separator on Windows) and NUL.
 */
export function checkPath(path: string): string {
  if (typeof path !== 'string' || path === '') throw new StoragePathError('storage path is empty', path);
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    throw new StoragePathError(`storage path '${path}' is absolute; paths are relative to the storage root`, path);
  }
  if (path.includes('\\')) throw new StoragePathError(`storage path '${path}' contains '\\'; use '/' as the separator`, path);
  if (path.includes('\0')) throw new StoragePathError(`storage path '${path}' contains a NUL character`, path);
  for (const seg of path.split('/')) {
    if (seg === '..') throw new StoragePathError(`storage path '${path}' has a '..' segment`, path);
    if (seg === '.') throw new StoragePathError(`storage path '${path}' has a '.' segment`, path);
    if (seg === '') throw new StoragePathError(`storage path '${path}' has an empty segment (leading, trailing or doubled '/')`, path);
  }
  return path;
}

/** A folder argument of list/removeTree: '' is the root, one trailing '/' is allowed. */
export function checkFolder(prefix: string): string {
  if (prefix === '') return '';
  if (prefix === '/') throw new StoragePathError(`storage folder '/' is absolute; use '' for the storage root`, prefix);
  return checkPath(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

/** Byte-order comparison of paths (UTF-8), so local listings sort exactly like S3 listings. */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Validates read options the same way for every backend. */
export function checkRange(options: ReadOptions): void {
  const { start, end } = options;
  if (start !== undefined && (!Number.isSafeInteger(start) || start < 0)) throw new StorageError(`read start ${start} must be a non-negative integer`);
  if (end !== undefined && (!Number.isSafeInteger(end) || end < (start ?? 0))) throw new StorageError(`read end ${end} must be an integer not before the start (${start ?? 0})`);
}
