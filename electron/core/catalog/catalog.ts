/**
 * The backup catalog of a routine, read from storage as ABS reads it: every `metadata.yaml`
 * under `<routine>/backup` and `<routine>/incremental` is one namespace's backup. A folder
 * without metadata is an unfinished or failed run and is not a backup.
 *
 * Registered foreign backups (asbackup output, see foreign.ts) are listed too when asked for:
 * their registration lives under `<routine>/foreign/`, which ABS never looks at.
 */
import { parse } from 'yaml';
import type { BackupStorage } from '../storage/storage.js';
import { BackupMetadataSchema, type BackupMetadata } from '../../../shared/schemas/backup-metadata.js';
import { describeIssues } from '../../../shared/schemas/backup-request.js';
import { FOREIGN_DIR, METADATA_FILE, REGISTRATION_FILE, type BackupKind } from './layout.js';
import { readRegistration } from './registration.js';
import { readText } from './storage-text.js';

export interface CatalogEntry {
  kind: BackupKind;
  routine: string;
  /** Backup start, Unix ms (the folder name). */
  createdMs: number;
  namespace: string;
  /** Storage path of the namespace folder holding the data files and metadata.yaml. */
  key: string;
  metadata: BackupMetadata;
  /** Set for a registered asbackup folder: where its registration file is. */
  registration?: string;
}

export class CatalogError extends Error {
  override name = 'CatalogError';
}

export { readText };

/** Parses a metadata.yaml text; `path` only names it in errors. */
export function parseMetadata(text: string, path: string): BackupMetadata {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new CatalogError(`${path}: not valid YAML (${(err as Error).message})`);
  }
  const r = BackupMetadataSchema.safeParse(doc);
  if (!r.success) throw new CatalogError(`${path}: ${describeIssues(r.error)}`);
  return r.data;
}

export async function readMetadata(storage: BackupStorage, path: string): Promise<BackupMetadata> {
  return parseMetadata(await readText(storage, path), path);
}

const DIRS: Record<BackupKind, string> = { full: 'backup', incremental: 'incremental' };

export interface ListOptions {
  /** Include registered foreign backups (restore planning does; retention does not touch them). */
  foreign?: boolean;
}

/** Lists a routine's backups, oldest first. Unreadable metadata is an error, never skipped. */
export async function listBackups(storage: BackupStorage, routine: string, kinds: BackupKind[] = ['full', 'incremental'], options: ListOptions = {}): Promise<CatalogEntry[]> {
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
  if (options.foreign) {
    const prefix = `${routine}/${FOREIGN_DIR}/`;
    for await (const item of storage.list(prefix, { recursive: true })) {
      const m = /^(\d+)\/data\/([^/]+)\/registration\.yaml$/.exec(item.path.slice(prefix.length));
      if (!m || !item.path.endsWith(REGISTRATION_FILE)) continue;
      const reg = await readRegistration(storage, item.path);
      const kind = reg.tidemark?.type ?? 'full';
      if (!kinds.includes(kind)) continue;
      out.push({ kind, routine, createdMs: Number(m[1]), namespace: m[2]!, key: reg['tidemark-foreign'].path, metadata: reg, registration: item.path });
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
