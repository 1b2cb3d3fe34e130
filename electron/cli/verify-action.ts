/** What `tidemark verify` does (verify-command.ts defines its options). */
import { existsSync } from 'node:fs';
import { BackupIntegrityError, openBackupSource, verifyBackup } from '../core/engine/backup-reader.js';
import { detectCodec } from '../core/engine/codec-detect.js';
import { openStorageArg, splitStoragePath } from '../core/storage/storage-url.js';
import type { CatalogBackup } from '../../shared/schemas/catalog.js';
import { openService } from './service-open.js';
import { configPathOf, printJson, type ServiceCliOptions } from './service-options.js';
import { keyHashFromOptions, s3Overrides, type S3CliOptions } from './storage-options.js';

export type VerifyOptions = S3CliOptions & ServiceCliOptions & { keyFile?: string; keyEnv?: string; storage?: string };

/**
 * By catalog key when a config is given or found and one of its storages holds the key: then
 * it runs as a verify job and the result is stored in the catalog. Otherwise the argument is a
 * path (local or s3://) and the backup is checked directly, as before there was a catalog.
 */
export async function verifyCommand(arg: string, o: VerifyOptions): Promise<void> {
  const looksLikePath = arg.startsWith('s3://') || existsSync(arg);
  const explicit = o.config !== undefined || o.storage !== undefined;
  if (explicit || (!looksLikePath && existsSync(configPathOf(o)))) {
    try {
      if (await verifyByKey(arg, o)) return;
    } catch (err) {
      process.stderr.write(`tidemark verify: ${arg}: ${(err as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    if (o.storage !== undefined || !looksLikePath) {
      process.stderr.write(`tidemark verify: ${arg}: no configured storage holds this key, and it is not a path\n`);
      process.exitCode = 1;
      return;
    }
  }
  await verifyPath(arg, o);
}

/** Returns false when no configured storage knows the key. */
async function verifyByKey(key: string, o: VerifyOptions): Promise<boolean> {
  const service = await openService(o);
  try {
    const locate = (): CatalogBackup[] => {
      const all = service.catalog.index.byKey(key.replace(/\/+$/, ''));
      return o.storage !== undefined ? all.filter((b) => b.storage === o.storage) : all;
    };
    let found = locate();
    if (found.length === 0) {
      // Only refresh when the index does not know it yet: verification needs no fresh listing.
      if (o.storage !== undefined) await service.catalog.refresh(o.storage);
      else await service.catalog.refreshAll();
      found = locate();
    }
    if (found.length === 0) return false;
    if (found.length > 1) throw new Error(`the key is on several storages (${found.map((b) => b.storage).join(', ')}): name one with --storage`);
    const b = found[0]!;
    const keyHash = await keyHashFromOptions(o);
    const job = await service.catalog.verify(b.storage, b.key, keyHash ? { keyHash } : {}).done;
    const s = job.stats ?? {};
    if (o.json) printJson({ job, backup: service.catalog.get(b.storage, b.key) });
    if (job.status === 'success') {
      const how = `${b.compression === 'zstd' ? 'zstd' : 'uncompressed'}, ${b.encryption === 'none' ? 'not encrypted' : b.encryption}`;
      if (!o.json) process.stdout.write(`${b.key} (storage '${b.storage}'): OK — ${s.files ?? 0} files (${how}), ${s.records ?? 0} records, ${s.indexes ?? 0} indexes, ${s.udfs ?? 0} UDFs; checksums match (job ${job.id})\n`);
    } else {
      const v = service.catalog.get(b.storage, b.key)?.verification;
      const damaged = v?.ok === false && v['job-id'] === job.id;
      process.stderr.write(`tidemark verify: ${b.key}: ${damaged ? 'damaged' : job.status === 'canceled' ? 'canceled' : 'cannot verify'}: ${job.error ?? ''} (job ${job.id})\n`);
      process.exitCode = 1;
    }
    return true;
  } finally {
    await service.close();
  }
}

async function verifyPath(path: string, o: VerifyOptions): Promise<void> {
  const { root, key } = splitStoragePath(path);
  try {
    const storage = await openStorageArg(root, s3Overrides(o));
    const source = await openBackupSource(storage, key);
    const codec = await detectCodec(storage, source, await keyHashFromOptions(o));
    const r = await verifyBackup(storage, source, codec);
    const how = `${codec.compression === 'zstd' ? 'zstd' : 'uncompressed'}, ${codec.encryption === 'none' ? 'not encrypted' : codec.encryption}`;
    const checked = source.metadata?.tidemark ? 'checksums match' : 'no checksums recorded (not written by Tidemark)';
    process.stdout.write(`${path}: OK — ${r.files} files (${how}), ${r.records} records, ${r.indexes} indexes, ${r.udfs} UDFs; ${checked}\n`);
  } catch (err) {
    const kind = err instanceof BackupIntegrityError ? 'damaged' : 'cannot verify';
    process.stderr.write(`tidemark verify: ${path}: ${kind}: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
