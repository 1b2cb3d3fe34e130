/**
 * Where backups live. One interface, used by the backup and restore engines, with a local
 * filesystem and an S3 implementation. Paths are '/'-separated and relative to the root.
 */
import type { Readable, Writable } from 'node:stream';

export interface CommitResult {
  size: number;
  /** Lower-case hex SHA-256 of the bytes written. */
  sha256: string;
}

/**
 * A file being written. Nothing is visible under the final name until `commit()` (after
 * `end()`), and `abort()` removes every trace, so readers never see a half-written file.
 */
export interface StorageWriter extends Writable {
  commit(): Promise<CommitResult>;
  abort(): Promise<void>;
}

export interface StorageEntry {
  path: string;
  size: number;
  modified: Date;
}

export interface BackupStorage {
  openWrite(path: string): Promise<StorageWriter>;
  openRead(path: string, options?: { start?: number; end?: number }): Promise<Readable>;
  /** Files under `prefix` (a folder path, '' for the root), sorted by path. */
  list(prefix: string, options?: { recursive?: boolean }): AsyncIterable<StorageEntry>;
  stat(path: string): Promise<StorageEntry | undefined>;
  exists(path: string): Promise<boolean>;
  remove(path: string): Promise<void>;
  /** Removes every file under a folder path. */
  removeTree(prefix: string): Promise<void>;
  /** A URL for messages, without secrets. */
  describe(): string;
}

export class StoragePathError extends Error {
  override name = 'StoragePathError';
}

/** Rejects paths that could escape the storage root. */
export function checkPath(path: string, allowEmpty = false): string {
  if (path === '' && allowEmpty) return path;
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) {
    throw new StoragePathError(`storage path '${path}' must be relative, '/'-separated and non-empty`);
  }
  for (const seg of path.replace(/\/$/, '').split('/')) {
    if (seg === '' || seg === '.' || seg === '..') throw new StoragePathError(`storage path '${path}' has an empty, '.' or '..' segment`);
  }
  return path;
}
