import { z } from 'zod';

/**
 * The backup catalog as every transport shows it (UI timeline, REST backup lists, CLI). One entry
 * is one namespace's backup. The ABS `dto.BackupDetails` fields keep ABS's names and types
 * (`created`/`from`/`finished` as RFC 3339 strings, counts as integers); `storage` is the name of
 * the configured storage rather than ABS's storage object, because the catalog never hands out
 * storage settings. What ABS lacks (routine, kind, label, verification, foreign) sits beside them.
 */
export const BackupKindSchema = z.enum(['full', 'incremental']);

/** The last verification of a backup. A failure names the file and, for a decoding error, the line. */
export const VerificationSchema = z.object({
  /** Unix ms of the verification. */
  at: z.number().int(),
  ok: z.boolean(),
  'job-id': z.string().optional(),
  file: z.string().optional(),
  line: z.number().int().positive().optional(),
  message: z.string().optional(),
  records: z.number().int().nonnegative().optional(),
});
export type Verification = z.infer<typeof VerificationSchema>;

export const CompressionNameSchema = z.enum(['none', 'zstd', 'unknown']);
/** `encrypted`: the files are encrypted but, without the key, AES-128 and AES-256 look alike. */
export const EncryptionNameSchema = z.enum(['none', 'aes128', 'aes256', 'encrypted']);

export const CatalogBackupSchema = z.object({
  key: z.string().min(1),
  storage: z.string().min(1),
  routine: z.string().min(1),
  namespace: z.string().min(1),
  kind: BackupKindSchema,
  /** Backup start, RFC 3339. */
  created: z.string(),
  /** Backup start, Unix ms (the folder name in the ABS layout). */
  timestamp: z.number().int(),
  /** When metadata.yaml (written last) was stored: the backup's end. */
  finished: z.string().optional(),
  /** Seconds from start to end. */
  duration: z.number().int().nonnegative().optional(),
  /** Lower time bound of an incremental, RFC 3339. */
  from: z.string().optional(),
  'record-count': z.number().int().nonnegative().optional(),
  'byte-count': z.number().int().nonnegative().optional(),
  'file-count': z.number().int().nonnegative().optional(),
  'secondary-index-count': z.number().int().nonnegative().optional(),
  'udf-count': z.number().int().nonnegative().optional(),
  compression: CompressionNameSchema,
  encryption: EncryptionNameSchema,
  label: z.string().optional(),
  /** Made by another tool (asbackup output registered under a routine). */
  foreign: z.boolean(),
  verification: VerificationSchema.optional(),
});
export type CatalogBackup = z.infer<typeof CatalogBackupSchema>;

export const CatalogQuerySchema = z.object({
  storage: z.string().optional(),
  routine: z.string().optional(),
  namespace: z.string().optional(),
  kind: BackupKindSchema.optional(),
  /** Unix ms: backups started at or after. */
  from: z.number().int().nonnegative().optional(),
  /** Unix ms: backups started at or before. */
  to: z.number().int().nonnegative().optional(),
  limit: z.number().int().min(1).max(100_000).optional(),
  offset: z.number().int().nonnegative().optional(),
});
export type CatalogQuery = z.infer<typeof CatalogQuerySchema>;

export const CatalogPageSchema = z.object({
  /** Matching backups in all pages. */
  total: z.number().int().nonnegative(),
  /** Newest first. */
  backups: z.array(CatalogBackupSchema),
});
export type CatalogPage = z.infer<typeof CatalogPageSchema>;

export const RefreshResultSchema = z.object({
  storage: z.string(),
  added: z.number().int().nonnegative(),
  updated: z.number().int().nonnegative(),
  removed: z.number().int().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  /** Metadata files read (new or changed ones only). */
  'metadata-read': z.number().int().nonnegative(),
  /** Metadata files that could not be read or parsed: no restore point, reported here. */
  problems: z.array(z.object({ path: z.string(), message: z.string() })),
});
export type RefreshResult = z.infer<typeof RefreshResultSchema>;

export const ChainWarningSchema = z.object({
  code: z.enum(['missing-incremental', 'unverified', 'verification-failed']),
  key: z.string(),
  message: z.string(),
});
export type ChainWarning = z.infer<typeof ChainWarningSchema>;

/** What a restore to `requested` would apply, in order, and what it reads. */
export const ChainPlanSchema = z.object({
  requested: z.number().int(),
  /** Start of the newest backup applied: the state the restore reproduces. */
  effective: z.number().int(),
  steps: z.array(CatalogBackupSchema),
  records: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  warnings: z.array(ChainWarningSchema),
});
export type ChainPlan = z.infer<typeof ChainPlanSchema>;

/** A backup run that left no restore point: failed, canceled or skipped. */
export const TimelineMarkSchema = z.object({
  'job-id': z.string(),
  status: z.enum(['failure', 'canceled', 'skipped']),
  'backup-type': BackupKindSchema.optional(),
  /** Unix ms: when it started (or was skipped). */
  time: z.number().int(),
  trigger: z.string(),
  message: z.string().optional(),
});
export type TimelineMark = z.infer<typeof TimelineMarkSchema>;

export const TimelineSchema = z.object({
  routine: z.string(),
  storage: z.string(),
  namespace: z.string().optional(),
  /** Oldest first. */
  points: z.array(CatalogBackupSchema),
  marks: z.array(TimelineMarkSchema),
  /** Present when a time was asked for and a restore to it is possible. */
  plan: ChainPlanSchema.optional(),
  /** Why no restore to the asked time is possible (e.g. before the first full backup). */
  'plan-error': z.string().optional(),
});
export type Timeline = z.infer<typeof TimelineSchema>;

export const DeletePlanSchema = z.object({
  storage: z.string(),
  key: z.string(),
  /** Everything that goes, the backup asked for first, then its incrementals. */
  backups: z.array(CatalogBackupSchema),
  /** Hash of exactly this list as it is on storage now; `delete` needs it back. */
  confirmation: z.string(),
});
export type DeletePlan = z.infer<typeof DeletePlanSchema>;
