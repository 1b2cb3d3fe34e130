/**
 * Turns a storage argument as users type it into a storage configuration: a folder (relative or
 * absolute, or a file:// URL) is local storage; s3://bucket/prefix is S3, with the connection
 * details (endpoint, region, path style, profile) given separately, as CLI flags.
 */
import { fileURLToPath } from 'node:url';
import { S3_BUCKET_NAME, type StorageConfig } from '../../../shared/schemas/storage.js';
import { createStorage, type StorageTuning } from './create-storage.js';
import { StorageConfigError, type BackupStorage } from './storage.js';

export interface S3Overrides {
  endpoint?: string | undefined;
  region?: string | undefined;
  profile?: string | undefined;
  forcePathStyle?: boolean | undefined;
}

function fail(arg: string, problem: string): never {
  throw new StorageConfigError(`storage '${arg}': ${problem}`, arg);
}

function parseS3(arg: string, s: string, s3: S3Overrides): StorageConfig {
  const rest = s.slice('s3://'.length);
  if (/[?#]/.test(rest)) fail(arg, 'S3 options (region, endpoint, profile, path style) are given as separate options, not in the URL');
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  if (!bucket) fail(arg, 'no bucket; write s3://bucket or s3://bucket/prefix');
  if (!S3_BUCKET_NAME.test(bucket)) fail(arg, `'${bucket}' is not a valid S3 bucket name (3-63 letters, digits, '.', '-')`);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
  for (const seg of prefix ? prefix.split('/') : []) {
    if (seg === '' || seg === '.' || seg === '..') fail(arg, `the prefix '${prefix}' has an empty, '.' or '..' segment`);
  }
  return {
    's3-storage': {
      bucket,
      ...(prefix ? { path: prefix } : {}),
      ...(s3.region ? { 's3-region': s3.region } : {}),
      ...(s3.endpoint ? { 's3-endpoint-override': s3.endpoint } : {}),
      ...(s3.profile ? { 's3-profile': s3.profile } : {}),
      ...(s3.forcePathStyle !== undefined ? { 's3-force-path-style': s3.forcePathStyle } : {}),
    },
  };
}

/** Parses a --storage argument; S3 overrides only make sense with an s3:// URL. */
export function parseStorageArg(arg: string, s3: S3Overrides = {}): StorageConfig {
  const s = arg.trim();
  if (!s) fail(arg, 'empty; give a folder or s3://bucket/prefix');
  if (/^s3:\/\//i.test(s)) return parseS3(arg, `s3://${s.slice(5)}`, s3);
  if (/^s3:/i.test(s)) fail(arg, 'write S3 locations as s3://bucket/prefix');
  const given = Object.entries(s3)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
  let path = s;
  if (/^file:\/\//i.test(s)) {
    try {
      path = fileURLToPath(s);
    } catch (err) {
      fail(arg, (err as Error).message);
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    fail(arg, `'${s.slice(0, s.indexOf(':'))}://' storage is not supported; give a folder or s3://bucket/prefix`);
  }
  if (given.length > 0) fail(arg, `S3 options (${given.join(', ')}) only apply to s3:// storage, and this is a local folder`);
  return { 'local-storage': { path } };
}

export async function openStorageArg(arg: string, s3: S3Overrides = {}, tuning: StorageTuning = {}): Promise<BackupStorage> {
  return createStorage(parseStorageArg(arg, s3), tuning);
}

/**
 * Splits a path to one backup (folder or file) into the storage holding it and the key inside:
 * `/data/bk/test_00000.asb` → root `/data/bk`, key `test_00000.asb`.
 */
export function splitStoragePath(path: string): { root: string; key: string } {
  const trimmed = path.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  if (/^s3:\/\//i.test(trimmed)) {
    const afterBucket = trimmed.indexOf('/', 5);
    if (afterBucket < 0 || slash <= afterBucket - 1) throw new Error(`'${path}': name an object or folder inside the bucket`);
    return { root: trimmed.slice(0, slash), key: trimmed.slice(slash + 1) };
  }
  if (slash < 0) return { root: '.', key: trimmed };
  return { root: slash === 0 ? '/' : trimmed.slice(0, slash), key: trimmed.slice(slash + 1) };
}
