/** Turns a storage argument as users type it (a folder, or s3://bucket/prefix) into storage. */
import { LocalStorage } from './local-storage.js';
import type { BackupStorage } from './storage.js';

export interface S3Overrides {
  endpoint?: string | undefined;
  region?: string | undefined;
  profile?: string | undefined;
  forcePathStyle?: boolean | undefined;
}

export type StorageTarget = { kind: 'local'; path: string } | { kind: 's3'; bucket: string; prefix: string };

export function parseStorageArg(arg: string): StorageTarget {
  const s = arg.trim();
  if (!s) throw new Error('storage: empty; give a folder or s3://bucket/prefix');
  if (/^s3:\/\//i.test(s)) {
    const rest = s.slice(5);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`storage '${arg}': '${bucket}' is not a valid S3 bucket name`);
    return { kind: 's3', bucket, prefix };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) throw new Error(`storage '${arg}': only local folders and s3:// URLs are supported`);
  return { kind: 'local', path: s };
}

export async function openStorageArg(arg: string, s3: S3Overrides = {}): Promise<BackupStorage> {
  const t = parseStorageArg(arg);
  if (t.kind === 'local') return new LocalStorage(t.path);
  const { S3Storage } = await import('./s3-storage.js');
  return new S3Storage({ bucket: t.bucket, prefix: t.prefix, ...s3 });
}
