/** Storage and key options shared by the commands that read or write backups (light: command definitions use it). */
import type { Command } from 'commander';
import type { S3Overrides } from '../core/storage/storage-url.js';

export interface S3CliOptions {
  s3Endpoint?: string;
  s3Region?: string;
  s3Profile?: string;
  s3PathStyle?: boolean;
}

export function addS3Options(cmd: Command): Command {
  return cmd
    .option('--s3-endpoint <url>', 'S3 endpoint override (e.g. a local S3 server)')
    .option('--s3-region <region>', 'S3 region')
    .option('--s3-profile <name>', 'AWS credentials profile')
    .option('--s3-path-style', 'use path-style S3 addressing');
}

export function s3Overrides(o: S3CliOptions): S3Overrides {
  return { endpoint: o.s3Endpoint, region: o.s3Region, profile: o.s3Profile, forcePathStyle: o.s3PathStyle };
}

/** The 32-byte key hash from --key-file or --key-env, or undefined when neither is given. */
export async function keyHashFromOptions(o: { keyFile?: string; keyEnv?: string }): Promise<Buffer | undefined> {
  if (o.keyFile && o.keyEnv) throw new Error('give --key-file or --key-env, not both');
  if (!o.keyFile && !o.keyEnv) return undefined;
  const { keyHashFromEnv, keyHashFromPemFile } = await import('../core/format/encryption-key.js');
  return o.keyFile ? keyHashFromPemFile(o.keyFile) : keyHashFromEnv(o.keyEnv!);
}
