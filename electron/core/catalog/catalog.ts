/**
 * The backup catalog of a routine, read from storage as ABS reads it: every `metadata.yaml`
 * under `<routine>/backup` and `<routine>/incremental` is one namespace's backup. A folder
 * without metadata is an unfinished or failed run and is not a backup.
 */
import { parse } from 'yaml';
import type { BackupStorage } from '../storage/storage.js';
import { BackupMetadataSchema, type BackupMetadata } from '../../../shared/schemas/backup-metadata.js';
import { describeIssues } from '../../../shared/schemas/backup-request.js';
import { METADATA_FILE, type BackupKind } from './layout.js';

export interface CatalogEntry {
  kind: BackupKind;
  routine: string;
  /** Backup start, Unix ms (the folder name). */
  createdMs: number;
  namespace: string;
  /** Storage path of the namespace folder holding the data files and metadata.yaml. */
  key: string;
  metadata: BackupMetadata;
}

export class CatalogError extends Error {
  override name = 'CatalogError';
}

async function readText(storage: BackupStorage, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await storage.openRead(path)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function readMetadata(storage: BackupStorage, path: string): Promise<BackupMetadata> {
  let doc: unknown;
  try {
    doc = parse(await readText(storage, path));
  } catch (err) {
    throw new CatalogError(`${path}: not valid YAML (${(err as Error).message})`);
  }
  const r = BackupMetadataSchema.safeParse(doc);
  if (!r.success) throw new CatalogError(`${path}: ${describeIssues(r.error)}`);
  return r.data;
}

const DIRS: Record<BackupKind, string> = { full: 'backup', incremental: 'incremental' };

/** Lists a routine's backups, oldest first. Unreadable metadata is an error, never skipped. */
export async function listBackups(storage: BackupStorage, routine: string, kinds: BackupKind[] = ['full', 'incremental']): Promise<CatalogEntry[]> {
  const out: CatalogEntry[] = [];
  for (const kind of kinds) {
    const prefix = `${routine}/${DIRS[kind]}/`;
    for await (const item of storage.list(prefix, { recursive: true })) {
      const m = /^(\d+)\/data\/([^/]+)\/metadata\.yaml$/.exec(item.path.slice(prefix.length));
      if (!m || !item.path.endsWith(METADATA_FILE)) continue;
      const metadata = await readMetadata(storage, item.path);
      out.push({ kind, routine, createdMs: Number(m[1]), namespace: m[2]!, key: item.path.slice(0, -(METADATA_FILE.length + 1)), metadata });
    }
  }
  return out.sort((a, b) => a.createdMs - b.createdMs || a.namespace.localeCompare(b.namespace));
}

/** Start time of the routine's newest backup of any kind: where the next incremental begins. */
export async function lastBackupStart(storage: BackupStorage, routine: string): Promise<{ fullMs: number; lastMs: number } | undefined> {
  const all = await listBackups(storage, routine);
  const fulls = all.filter((e) => e.kind === 'full');
  if (fulls.length === 0) return undefined;
  return { fullMs: fulls[fulls.length - 1]!.createdMs, lastMs: all[all.length - 1]!.createdMs };
}
