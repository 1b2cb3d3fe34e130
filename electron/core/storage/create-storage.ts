/**
 * Builds the storage a configuration describes. The S3 module (and with it the AWS SDK) is
 * loaded only when S3 is configured, which keeps local-only runs of the CLI quick to start.
 */
import { StorageSchema, type S3StorageConfig, type StorageConfigInput } from '../../../shared/schemas/storage.js';
import { describeIssues } from '../../../shared/schemas/backup-request.js';
import { LocalStorage } from './local-storage.js';
import type { S3Credentials } from './s3-client.js';
import type { S3StorageOptions } from './s3-storage.js';
import { StorageConfigError, type BackupStorage } from './storage.js';

/** Settings that are not part of the stored configuration (tests, benchmarks). */
export interface StorageTuning {
  /** Per-file part concurrency for S3. */
  partConcurrency?: number;
  retry?: S3StorageOptions['retry'];
}

function credentialsOf(c: S3StorageConfig): S3Credentials {
  const source = c['s3-credentials-source'] ?? (c['s3-access-key-id'] ? 'static' : c['s3-profile'] ? 'profile' : 'default');
  switch (source) {
    case 'static':
      return { source, accessKeyId: c['s3-access-key-id'] ?? '', secretAccessKey: c['s3-secret-access-key'] ?? '', sessionToken: c['s3-session-token'] };
    case 'profile':
      return { source, profile: c['s3-profile'] ?? '' };
    case 'env':
    case 'default':
      return { source };
  }
}

/** Maps the ABS-shaped S3 configuration onto S3Storage's options. */
export function s3OptionsFromConfig(c: S3StorageConfig, tuning: StorageTuning = {}): S3StorageOptions {
  return {
    bucket: c.bucket,
    prefix: c.path,
    region: c['s3-region'],
    endpoint: c['s3-endpoint-override'],
    forcePathStyle: c['s3-force-path-style'],
    // A profile also names the region to use, even when the keys come from elsewhere.
    profile: c['s3-profile'],
    credentials: credentialsOf(c),
    partSize: c.min_part_size,
    maxConcurrentUploads: c.max_async_connections,
    partConcurrency: tuning.partConcurrency,
    retry: { ...tuning.retry, ...(c['s3-max-attempts'] !== undefined ? { maxAttempts: c['s3-max-attempts'] } : {}) },
  };
}

/** Validates a storage configuration (as found in a config file or REST body) and opens it. */
export async function createStorage(config: StorageConfigInput, tuning: StorageTuning = {}): Promise<BackupStorage> {
  const parsed = StorageSchema.safeParse(config);
  if (!parsed.success) throw new StorageConfigError(`storage configuration: ${describeIssues(parsed.error)}`);
  const c = parsed.data;
  if (c['local-storage']) return new LocalStorage(c['local-storage'].path);
  const s3 = c['s3-storage'];
  if (!s3) throw new StorageConfigError('storage configuration: give exactly one of local-storage or s3-storage');
  const { S3Storage } = await import('./s3-storage.js');
  return new S3Storage(s3OptionsFromConfig(s3, tuning));
}
