import { z } from 'zod';

/**
 * Storage configuration, shaped like ABS v2's `dto.Storage` (one of `local-storage` /
 * `s3-storage`, kebab-case keys, ABS's own snake_case for `min_part_size` and
 * `max_async_connections`), so an ABS config file's storage section is accepted as it is.
 * Keys ABS does not have are Tidemark extensions and are marked as such.
 */

const MIB = 1024 * 1024;

/** S3 bucket names: 3-63 characters; upper case and '_' only occur in legacy us-east-1 buckets. */
export const S3_BUCKET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$/;

/** A key prefix: '/'-separated, no empty, '.' or '..' segments (leading/trailing '/' ignored). */
const S3PrefixSchema = z
  .string()
  .transform((s) => s.replace(/^\/+|\/+$/g, ''))
  .refine((s) => s === '' || s.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..'), {
    message: "must be a '/'-separated key prefix without empty, '.' or '..' segments",
  });

export const LocalStorageSchema = z.strictObject({
  /** Root folder of the backup repository (ABS: `path`). */
  path: z.string().min(1, 'give the folder backups are stored in'),
});

export const S3LogLevelSchema = z.enum(['OFF', 'FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE']);

export const S3StorageSchema = z
  .strictObject({
    bucket: z.string().regex(S3_BUCKET_NAME, 'not a valid S3 bucket name (3-63 letters, digits, ".", "-")'),
    /** Root path inside the bucket; the bucket's root when absent. */
    path: S3PrefixSchema.optional(),
    /**
     * Required by ABS. Optional here: without it the SDK takes the region from AWS_REGION or the
     * profile, and an S3-compatible endpoint gets us-east-1.
     */
    's3-region': z.string().min(1).optional(),
    /** Named profile of ~/.aws/credentials and ~/.aws/config. */
    's3-profile': z.string().min(1).optional(),
    /** e.g. http://127.0.0.1:9000 for MinIO. */
    's3-endpoint-override': z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    /** Accepted for ABS compatibility; Tidemark logs S3 problems through its own errors. */
    's3-log-level': S3LogLevelSchema.optional(),
    /** Multipart part size in bytes. ABS's own key; S3 requires at least 5 MiB. */
    min_part_size: z
      .number()
      .int()
      .min(5 * MIB, 'S3 parts must be at least 5 MiB (5242880 bytes)')
      .max(5 * 1024 * MIB, 'S3 parts may be at most 5 GiB')
      .optional(),
    /** Part uploads in flight at once across the storage. ABS's own key. */
    max_async_connections: z.number().int().min(1).max(1024).optional(),
    /** Tidemark: path-style addressing (bucket in the path); default on with an endpoint override. */
    's3-force-path-style': z.boolean().optional(),
    /**
     * Tidemark: where credentials come from. Inferred when absent: `static` with keys, `profile`
     * with s3-profile, otherwise the SDK's default chain.
     */
    's3-credentials-source': z.enum(['default', 'env', 'profile', 'static']).optional(),
    /** Tidemark: explicit keys. Prefer a profile or the environment over keys in files. */
    's3-access-key-id': z.string().min(1).optional(),
    's3-secret-access-key': z.string().min(1).optional(),
    's3-session-token': z.string().min(1).optional(),
    /** Tidemark: attempts per request, the first included, before an error is reported. */
    's3-max-attempts': z.number().int().min(1).max(100).optional(),
  })
  .superRefine((s, ctx) => {
    const hasId = s['s3-access-key-id'] !== undefined;
    const hasSecret = s['s3-secret-access-key'] !== undefined;
    if (hasId !== hasSecret) ctx.addIssue({ code: 'custom', path: [hasId ? 's3-secret-access-key' : 's3-access-key-id'], message: 's3-access-key-id and s3-secret-access-key go together' });
    const source = s['s3-credentials-source'];
    if (source === 'static' && !hasId) ctx.addIssue({ code: 'custom', path: ['s3-access-key-id'], message: "s3-credentials-source 'static' needs s3-access-key-id and s3-secret-access-key" });
    if (source === 'profile' && s['s3-profile'] === undefined) ctx.addIssue({ code: 'custom', path: ['s3-profile'], message: "s3-credentials-source 'profile' needs s3-profile" });
    if ((source === 'env' || source === 'profile' || source === 'default') && (hasId || s['s3-session-token'] !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['s3-access-key-id'], message: `keys conflict with s3-credentials-source '${source}'` });
    }
  });

export const StorageSchema = z
  .strictObject({
    'local-storage': LocalStorageSchema.optional(),
    's3-storage': S3StorageSchema.optional(),
    /** ABS knows these; Tidemark does not write to them yet, and says so instead of ignoring them. */
    'gcp-storage': z.unknown().optional(),
    'azure-storage': z.unknown().optional(),
  })
  .superRefine((s, ctx) => {
    if (s['gcp-storage'] !== undefined) ctx.addIssue({ code: 'custom', path: ['gcp-storage'], message: 'Google Cloud Storage is not supported yet' });
    if (s['azure-storage'] !== undefined) ctx.addIssue({ code: 'custom', path: ['azure-storage'], message: 'Azure Blob Storage is not supported yet' });
    const n = Number(s['local-storage'] !== undefined) + Number(s['s3-storage'] !== undefined);
    if (n !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of local-storage or s3-storage' });
  });

export type LocalStorageConfig = z.infer<typeof LocalStorageSchema>;
export type S3StorageConfig = z.infer<typeof S3StorageSchema>;
export type StorageConfig = z.infer<typeof StorageSchema>;
export type StorageConfigInput = z.input<typeof StorageSchema>;
