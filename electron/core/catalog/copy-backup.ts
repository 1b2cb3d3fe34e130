/**
 * Copies backups (a full with its incrementals, or one incremental) to another storage.
 *
 * Order and checks, so the destination never shows a backup that is not whole and verified:
 * 1. every data file is streamed across; its bytes are hashed on the way, and the file is only
 *    published once size and SHA-256 equal what metadata.yaml records (ABS-written metadata has
 *    no checksums: such files are copied with their transfer hash only, and reported unverified);
 * 2. then the metadata.yaml files, full first: a backup appears at the destination only when
 *    all its files (and those of every backup copied with it) are there;
 * 3. then the record indexes (`.tmidx`), which are optional and derived.
 * A failure or a cancel at any point removes everything the copy wrote at the destination, the
 * metadata.yaml files it had already published included.
 */
import { pipeline } from 'node:stream/promises';
import { openBackupSource, BackupIntegrityError } from '../engine/backup-reader.js';
import { ProgressTracker } from '../engine/progress.js';
import type { BackupStorage } from '../storage/storage.js';
import type { RunningJob } from '../../../shared/schemas/progress.js';
import type { CatalogEntry } from './catalog.js';
import { METADATA_FILE } from './layout.js';
import { selectBackups } from './backup-selection.js';
import { indexPath } from './history/record-index.js';
import { HashTap } from './history/text-stream.js';

export class CopyError extends Error {
  override name = 'CopyError';
}

export class CopyCancelledError extends CopyError {
  override name = 'CopyCancelledError';
  constructor() {
    super('copy cancelled; everything it had written at the destination was removed');
  }
}

export interface CopyOptions {
  /** A full backup brings its incrementals (default true). */
  withIncrementals?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: RunningJob) => void;
  progressIntervalMs?: number;
  /** Told the source keys before anything is read (so deletes and retention keep off them). */
  onPlan?: (sourceKeys: string[], destinationKeys: string[]) => void;
  now?: () => number;
}

export interface CopyResult {
  /** Keys copied (the same paths at the destination), oldest first. */
  keys: string[];
  files: number;
  bytes: number;
  records: number;
  /** Files without a recorded checksum (ABS-written metadata): copied, but not verifiable. */
  unverified: string[];
  indexes: number;
  progress: RunningJob;
}

interface FilePlan {
  path: string;
  size: number;
  sha256?: string;
  records: number;
}

async function copyFile(from: BackupStorage, to: BackupStorage, f: FilePlan, tracker: ProgressTracker, signal: AbortSignal): Promise<void> {
  const src = await from.openRead(f.path);
  const tap = new HashTap();
  const w = await to.openWrite(f.path);
  try {
    const counter = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
      for await (const c of source) {
        tracker.add(0, c.length);
        yield c;
      }
    };
    await pipeline(src, tap, counter, w, { signal });
  } catch (err) {
    await w.abort().catch(() => undefined);
    throw err;
  }
  const sha = tap.digest();
  if (f.sha256 !== undefined && (tap.size !== f.size || sha !== f.sha256)) {
    await w.abort();
    throw new BackupIntegrityError(`${f.path}: the source file does not match its metadata (read ${tap.size} bytes, sha256 ${sha}; metadata.yaml says ${f.size} bytes, ${f.sha256}); nothing was copied`);
  }
  const stored = await w.commit();
  // What reached the destination must be what was read (and, with a recorded checksum, what the backup wrote).
  if (stored.size !== tap.size || stored.sha256 !== sha) {
    throw new BackupIntegrityError(`${f.path}: the destination stored ${stored.size} bytes with sha256 ${stored.sha256}, but ${tap.size} bytes with sha256 ${sha} were sent`);
  }
  tracker.add(f.records, 0);
}

async function copyWhole(from: BackupStorage, to: BackupStorage, path: string): Promise<void> {
  const src = await from.openRead(path);
  const w = await to.openWrite(path);
  try {
    await pipeline(src, w);
  } catch (err) {
    await w.abort().catch(() => undefined);
    throw err;
  }
  await w.commit();
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export async function copyBackup(from: BackupStorage, to: BackupStorage, key: string, opts: CopyOptions = {}): Promise<CopyResult> {
  if (from === to) throw new CopyError('destination: copying a backup onto the storage it is in would change nothing');
  const entries: CatalogEntry[] = await selectBackups(from, key, opts.withIncrementals ?? true);
  const keys = entries.map((e) => e.key);
  opts.onPlan?.(keys, keys);

  // The whole plan (and every destination check) before the first byte is written.
  const plans: Array<{ entry: CatalogEntry; files: FilePlan[]; index?: string }> = [];
  for (const e of entries) {
    if (await to.exists(`${e.key}/${METADATA_FILE}`)) throw new CopyError(`destination: ${e.key} already exists in ${to.describe()}; remove it first or copy elsewhere`);
    const source = await openBackupSource(from, e.key);
    const sizes = new Map<string, number>();
    for await (const item of from.list(e.key)) sizes.set(baseName(item.path), item.size);
    const files = source.files.map((f): FilePlan => ({
      path: f.path,
      size: f.entry?.size ?? sizes.get(baseName(f.path)) ?? 0,
      ...(f.entry ? { sha256: f.entry.sha256 } : {}),
      records: f.entry?.['record-count'] ?? 0,
    }));
    const idx = indexPath(e.key);
    plans.push({ entry: e, files, ...(sizes.has(baseName(idx)) ? { index: idx } : {}) });
  }
  const now = opts.now ?? Date.now;
  const tracker = new ProgressTracker(
    entries.reduce((a, e) => a + (e.metadata['record-count'] ?? 0), 0),
    now,
  );
  const report = (): void => opts.onProgress?.(tracker.snapshot());
  const timer = opts.onProgress ? setInterval(report, opts.progressIntervalMs ?? 1000) : undefined;
  const abort = new AbortController();
  const onOuter = (): void => abort.abort();
  opts.signal?.addEventListener('abort', onOuter, { once: true });
  if (opts.signal?.aborted) abort.abort();
  const touched = new Set<string>();
  const unverified: string[] = [];
  let indexes = 0;
  try {
    report();
    for (const p of plans) {
      // Left-overs of an earlier copy that never finished (no metadata.yaml: not a backup).
      await to.removeTree(p.entry.key);
      touched.add(p.entry.key);
      for (const f of p.files) {
        if (abort.signal.aborted) throw new CopyCancelledError();
        await copyFile(from, to, f, tracker, abort.signal);
        if (f.sha256 === undefined) unverified.push(f.path);
      }
    }
    for (const p of plans) {
      if (abort.signal.aborted) throw new CopyCancelledError();
      await copyWhole(from, to, `${p.entry.key}/${METADATA_FILE}`);
    }
    for (const p of plans) {
      if (!p.index) continue;
      if (abort.signal.aborted) throw new CopyCancelledError();
      await copyWhole(from, to, p.index);
      indexes++;
    }
    report();
    return {
      keys,
      files: plans.reduce((a, p) => a + p.files.length, 0),
      bytes: plans.reduce((a, p) => a + p.files.reduce((b, f) => b + f.size, 0), 0),
      records: entries.reduce((a, e) => a + (e.metadata['record-count'] ?? 0), 0),
      unverified,
      indexes,
      progress: tracker.snapshot(),
    };
  } catch (err) {
    abort.abort();
    await removeCopied(to, touched);
    if (opts.signal?.aborted) throw new CopyCancelledError();
    throw err;
  } finally {
    if (timer) clearInterval(timer);
    opts.signal?.removeEventListener('abort', onOuter);
  }
}

/** Removes the namespace folders a copy wrote, and their run folders once nothing else is in them. */
export async function removeCopied(to: BackupStorage, keys: Iterable<string>): Promise<void> {
  const roots = new Set<string>();
  for (const k of keys) {
    await to.removeTree(k);
    const m = /^(.+\/(?:backup|incremental)\/\d+)\/data\//.exec(k);
    if (m) roots.add(m[1]!);
  }
  for (const root of roots) {
    let empty = true;
    for await (const item of to.list(root, { recursive: true })) {
      void item;
      empty = false;
      break;
    }
    if (empty) await to.removeTree(root);
  }
}

