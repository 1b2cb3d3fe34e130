import { z } from 'zod';

/**
 * `metadata.yaml` of one namespace's backup. The top-level keys are ABS v2's (all optional
 * there, zero values omitted); what ABS lacks lives under `tidemark`, which ABS's reader ignores.
 */
export const BackupFileEntrySchema = z.object({
  name: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  'record-count': z.number().int().nonnegative(),
  /** Partition ranges whose records this file holds, e.g. ["0-1023"]. */
  partitions: z.array(z.string().regex(/^\d+(-\d+)?$/)),
});
export type BackupFileEntry = z.infer<typeof BackupFileEntrySchema>;

export const TidemarkMetadataSchema = z.object({
  'tool-version': z.string(),
  type: z.enum(['full', 'incremental']),
  /** Upper time bound of the records (Unix ms), when the backup was sealed or bounded. */
  'modified-before': z.number().int().optional(),
  /**
   * The user's label of an on-demand backup. It lives here, under `tidemark`, because ABS and
   * asrestore ignore keys they do not know in metadata.yaml and never read it from the .asb files,
   * so a labelled backup stays byte-for-byte what they expect.
   */
  label: z.string().max(256).optional(),
  compression: z.enum(['none', 'zstd']),
  encryption: z.enum(['none', 'aes128', 'aes256']),
  sets: z.array(z.string()).optional(),
  bins: z.array(z.string()).optional(),
  'partition-ranges': z.array(z.string()),
  files: z.array(BackupFileEntrySchema),
  'expired-records-skipped': z.number().int().nonnegative().optional(),
});

export const BackupMetadataSchema = z.object({
  created: z.string().min(1),
  from: z.string().optional(),
  namespace: z.string().min(1),
  'record-count': z.number().int().nonnegative().optional(),
  'byte-count': z.number().int().nonnegative().optional(),
  'file-count': z.number().int().nonnegative().optional(),
  'secondary-index-count': z.number().int().nonnegative().optional(),
  'udf-count': z.number().int().nonnegative().optional(),
  tidemark: TidemarkMetadataSchema.optional(),
});
export type BackupMetadata = z.infer<typeof BackupMetadataSchema>;
