/**
 * Brings the index of one storage up to date with what is on it. One recursive listing finds
 * every metadata file; only those that are new or whose size or modification time changed are
 * read (S3's LastModified changes whenever an object is rewritten, as a local file's mtime does),
 * so refreshing an unchanged storage reads no metadata at all. Rows whose metadata vanished are
 * removed: without metadata.yaml a folder is no restore point, whoever removed it.
 */
import { guessOuterLayer } from '../format/file-codec.js';
import type { BackupStorage, StorageEntry } from '../storage/storage.js';
import type { BackupMetadata } from '../../../shared/schemas/backup-metadata.js';
import type { CatalogBackup, RefreshResult } from '../../../shared/schemas/catalog.js';
import { parseMetadata } from './catalog.js';
import type { CatalogIndex, IndexedBackup } from './catalog-index.js';
import type { BackupKind } from './layout.js';
import { parseRegistration } from './registration.js';
import { readText } from './storage-text.js';

/** A metadata file found by the listing, and what its path says. */
interface Found {
  metaPath: string;
  entry: StorageEntry;
  routine: string;
  namespace: string;
  kind: BackupKind | undefined;
  /** Undefined for ABS's RemoveAll layout, which has no time folder: `created` says it. */
  createdMs: number | undefined;
  /** Key of the backup; for a registration, only known once it is read. */
  key: string | undefined;
  registration: boolean;
}

const ABS_META = /^([^/]+)\/(backup|incremental)\/(\d+)\/data\/([^/]+)\/metadata\.yaml$/;
/** ABS with `remove-files: RemoveAll` keeps one full backup without the time level. */
const ABS_SINGLE_META = /^([^/]+)\/backup\/data\/([^/]+)\/metadata\.yaml$/;
const REGISTRATION = /^([^/]+)\/foreign\/(\d+)\/data\/([^/]+)\/registration\.yaml$/;

function classify(entry: StorageEntry): Found | undefined {
  const p = entry.path;
  let m = ABS_META.exec(p);
  if (m) {
    const kind: BackupKind = m[2] === 'backup' ? 'full' : 'incremental';
    return { metaPath: p, entry, routine: m[1]!, namespace: m[4]!, kind, createdMs: Number(m[3]), key: p.slice(0, -'/metadata.yaml'.length), registration: false };
  }
  m = ABS_SINGLE_META.exec(p);
  if (m) return { metaPath: p, entry, routine: m[1]!, namespace: m[2]!, kind: 'full', createdMs: undefined, key: p.slice(0, -'/metadata.yaml'.length), registration: false };
  m = REGISTRATION.exec(p);
  if (m) return { metaPath: p, entry, routine: m[1]!, namespace: m[3]!, kind: undefined, createdMs: Number(m[2]), key: undefined, registration: true };
  return undefined;
}

async function head(storage: BackupStorage, path: string, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = await storage.openRead(path, { start: 0, end: n - 1 });
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** ABS metadata does not say how the files are encoded; the first bytes of the first file do. */
async function sniffCodec(storage: BackupStorage, firstFile: string | undefined): Promise<Pick<CatalogBackup, 'compression' | 'encryption'>> {
  if (!firstFile) return { compression: 'none', encryption: 'none' };
  const layer = guessOuterLayer(await head(storage, firstFile, 64));
  if (layer === 'text') return { compression: 'none', encryption: 'none' };
  if (layer === 'zstd') return { compression: 'zstd', encryption: 'none' };
  return { compression: 'unknown', encryption: layer === 'encrypted' ? 'encrypted' : 'none' };
}

export function describeBackup(
  storageName: string,
  f: { routine: string; namespace: string; kind: BackupKind; createdMs: number; key: string; foreign: boolean },
  meta: BackupMetadata,
  codec: Pick<CatalogBackup, 'compression' | 'encryption'>,
  finishedMs: number | undefined,
): Omit<CatalogBackup, 'verification'> {
  const b: Omit<CatalogBackup, 'verification'> = {
    key: f.key,
    storage: storageName,
    routine: f.routine,
    namespace: f.namespace,
    kind: f.kind,
    created: meta.created,
    timestamp: f.createdMs,
    compression: codec.compression,
    encryption: codec.encryption,
    foreign: f.foreign,
  };
  if (finishedMs !== undefined) {
    b.finished = new Date(finishedMs).toISOString();
    b.duration = Math.max(0, Math.round((finishedMs - f.createdMs) / 1000));
  }
  if (meta.from !== undefined) b.from = meta.from;
  for (const k of ['record-count', 'byte-count', 'file-count', 'secondary-index-count', 'udf-count'] as const) {
    if (meta[k] !== undefined) b[k] = meta[k];
  }
  if (meta.tidemark?.label !== undefined) b.label = meta.tidemark.label;
  return b;
}

async function readOne(storageName: string, storage: BackupStorage, f: Found, firstAsb: Map<string, string>): Promise<IndexedBackup> {
  const text = await readText(storage, f.metaPath);
  const stamp = { metaPath: f.metaPath, metaSize: f.entry.size, metaMtime: f.entry.modified.getTime() };
  if (f.registration) {
    const reg = parseRegistration(text, f.metaPath);
    const tm = reg.tidemark;
    const backup = describeBackup(
      storageName,
      { routine: f.routine, namespace: f.namespace, kind: tm?.type ?? 'full', createdMs: f.createdMs!, key: reg['tidemark-foreign'].path, foreign: true },
      reg,
      { compression: tm?.compression ?? 'unknown', encryption: tm?.encryption ?? 'none' },
      undefined,
    );
    return { backup, ...stamp };
  }
  const meta = parseMetadata(text, f.metaPath);
  const createdMs = f.createdMs ?? Date.parse(meta.created);
  if (Number.isNaN(createdMs)) throw new Error(`${f.metaPath}: created '${meta.created}' is not a time`);
  const tm = meta.tidemark;
  const codec = tm ? { compression: tm.compression, encryption: tm.encryption } : await sniffCodec(storage, firstAsb.get(f.key!));
  const backup = describeBackup(storageName, { routine: f.routine, namespace: f.namespace, kind: tm?.type ?? f.kind!, createdMs, key: f.key!, foreign: false }, meta, codec, f.entry.modified.getTime());
  return { backup, ...stamp };
}

/** Runs `fn` over `items` with at most `n` in flight (reads from S3 are latency-bound). */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

export interface RefreshOptions {
  /** Metadata files read at once (default 8). */
  concurrency?: number;
}

export async function refreshStorage(storageName: string, storage: BackupStorage, index: CatalogIndex, o: RefreshOptions = {}): Promise<RefreshResult> {
  const found: Found[] = [];
  const firstAsb = new Map<string, string>();
  for await (const entry of storage.list('', { recursive: true })) {
    const f = classify(entry);
    if (f) {
      found.push(f);
      continue;
    }
    if (entry.path.endsWith('.asb')) {
      const dir = entry.path.slice(0, entry.path.lastIndexOf('/'));
      // Listings are in byte order, so the first seen is the first file.
      if (!firstAsb.has(dir)) firstAsb.set(dir, entry.path);
    }
  }
  const known = index.stamps(storageName);
  const byMeta = new Map([...known.values()].map((s) => [s.metaPath, s]));
  const result: RefreshResult = { storage: storageName, added: 0, updated: 0, removed: 0, unchanged: 0, 'metadata-read': 0, problems: [] };
  const keep = new Set<string>();
  const toRead: Found[] = [];
  for (const f of found) {
    const s = byMeta.get(f.metaPath);
    if (s && s.metaSize === f.entry.size && s.metaMtime === f.entry.modified.getTime()) {
      keep.add(s.key);
      result.unchanged++;
    } else toRead.push(f);
  }
  const fresh: IndexedBackup[] = [];
  await pool(toRead, o.concurrency ?? 8, async (f) => {
    result['metadata-read']++;
    try {
      fresh.push(await readOne(storageName, storage, f, firstAsb));
    } catch (err) {
      result.problems.push({ path: f.metaPath, message: (err as Error).message });
    }
  });
  for (const item of fresh) {
    if (keep.has(item.backup.key)) {
      // Two metadata files claiming one key (a registration of a folder that is also an ABS backup): the first wins.
      result.problems.push({ path: item.metaPath, message: `backup ${item.backup.key} is already listed from another metadata file` });
      continue;
    }
    keep.add(item.backup.key);
    if (known.has(item.backup.key)) result.updated++;
    else result.added++;
  }
  const accepted = fresh.filter((i) => !result.problems.some((p) => p.path === i.metaPath));
  const gone = [...known.keys()].filter((k) => !keep.has(k));
  result.removed = gone.length;
  index.remove(storageName, gone);
  index.upsert(accepted);
  result.problems.sort((a, b) => a.path.localeCompare(b.path));
  return result;
}
