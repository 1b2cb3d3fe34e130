/** The ABS v2 storage layout (asb-format §9): where a routine's backups live. */

export type BackupKind = 'full' | 'incremental';

const KIND_DIR: Record<BackupKind, string> = { full: 'backup', incremental: 'incremental' };

/** `<routine>/backup/<ms>` or `<routine>/incremental/<ms>`: one backup run. */
export function backupRoot(routine: string, kind: BackupKind, createdMs: number): string {
  return `${routine}/${KIND_DIR[kind]}/${createdMs}`;
}

/** Folder holding one namespace's `.asb` files and its `metadata.yaml`. */
export function namespaceDir(routine: string, kind: BackupKind, createdMs: number, namespace: string): string {
  return `${backupRoot(routine, kind, createdMs)}/data/${namespace}`;
}

export const METADATA_FILE = 'metadata.yaml';

/** Data file names as ABS (backup-go) writes them: `<ns>_<n>.asb`, n from 1. */
export function dataFileName(namespace: string, n: number): string {
  return `${namespace}_${n}.asb`;
}

/** Validates a routine name: it becomes a path segment. */
export function checkRoutineName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) {
    throw new Error(`routine name '${name}' must start with a letter or digit and use only letters, digits, '.', '_' or '-' (at most 128)`);
  }
  return name;
}

/**
 * Registrations of foreign backups (asbackup folders) of a routine:
 * `<routine>/foreign/<ms>/data/<namespace>/registration.yaml`. ABS only reads `backup/` and
 * `incremental/`, and the registered `.asb` files stay where and as they are.
 */
export const FOREIGN_DIR = 'foreign';
export const REGISTRATION_FILE = 'registration.yaml';

export function registrationPath(routine: string, createdMs: number, namespace: string): string {
  return `${routine}/${FOREIGN_DIR}/${createdMs}/data/${namespace}/${REGISTRATION_FILE}`;
}
