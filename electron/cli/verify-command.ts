import { Command } from 'commander';
import { BackupIntegrityError, openBackupSource, verifyBackup } from '../core/engine/backup-reader.js';
import { detectCodec } from '../core/engine/codec-detect.js';
import { openStorageArg, splitStoragePath } from '../core/storage/storage-url.js';
import { addS3Options, keyHashFromOptions, s3Overrides, type S3CliOptions } from './storage-options.js';

export function registerVerifyCommand(program: Command): void {
  const cmd = program
    .command('verify')
    .description('Check a backup: every file present, sizes and SHA-256 checksums as recorded, every record decodable')
    .argument('<path>', 'a backup folder (with metadata.yaml), an asbackup folder or one .asb file; local or s3://bucket/…')
    .option('--key-file <file>', 'PEM private key of an encrypted backup')
    .option('--key-env <VAR>', 'environment variable holding the key (as asbackup --encryption-key-env)');
  addS3Options(cmd).action(async (path: string, o: S3CliOptions & { keyFile?: string; keyEnv?: string }) => {
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
  });
}
