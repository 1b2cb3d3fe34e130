import { z } from 'zod';

const PARTITION_SPEC = /^(\d{1,4})(?:-(\d{1,4}))?$/;

/** "0-4095", "100-199" (inclusive range) or "7" (one id), as users write partition lists. */
export const PartitionSpecSchema = z
  .string()
  .regex(PARTITION_SPEC, 'must be a partition id (0-4095) or an inclusive range like 0-1023')
  .refine((s) => {
    const m = PARTITION_SPEC.exec(s)!;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    return a <= b && b <= 4095;
  }, 'partition ids run from 0 to 4095 and a range must not run backwards');

export const CompressionSchema = z.object({
  mode: z.enum(['none', 'zstd']).default('none'),
  level: z.number().int().min(-7).max(22).optional(),
});

export const EncryptionSchema = z
  .object({
    mode: z.enum(['none', 'aes128', 'aes256']).default('none'),
    'key-file': z.string().min(1).optional(),
    'key-env': z.string().min(1).optional(),
  })
  .refine((e) => e.mode === 'none' || (e['key-file'] === undefined) !== (e['key-env'] === undefined), {
    message: 'encryption needs exactly one of key-file or key-env',
  });

/** One backup run of one or more namespaces; field names follow ABS's backup policy. */
export const BackupRequestSchema = z.object({
  routine: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, ".", "_" or "-", starting with a letter or digit'),
  type: z.enum(['full', 'incremental']).default('full'),
  namespaces: z.array(z.string().min(1).max(31)).min(1, 'name at least one namespace'),
  'set-list': z.array(z.string().min(1).max(63)).default([]),
  'bin-list': z.array(z.string().min(1).max(15)).default([]),
  'partition-list': z.array(PartitionSpecSchema).default([]),
  /** Unix ms; records last updated at or after it. Incrementals default to the previous backup. */
  'modified-after': z.number().int().nonnegative().optional(),
  /** Unix ms; records last updated before it. */
  'modified-before': z.number().int().nonnegative().optional(),
  'no-records': z.boolean().default(false),
  /** Written into metadata.yaml (see BackupMetadata's tidemark.label). */
  label: z.string().min(1).max(256).optional(),
  'no-indexes': z.boolean().default(false),
  'no-udfs': z.boolean().default(false),
  'max-records': z.number().int().positive().optional(),
  parallel: z.number().int().min(1).max(256).default(4),
  'records-per-second': z.number().int().positive().optional(),
  /** Bytes per second written to storage. */
  bandwidth: z.number().int().positive().optional(),
  'socket-timeout': z.number().int().nonnegative().default(30000),
  'total-timeout': z.number().int().nonnegative().default(0),
  'max-retries': z.number().int().nonnegative().default(5),
  'retry-delay': z.number().int().nonnegative().default(100),
  /** Bytes; 0 = one file per worker. ABS's file-limit is in MiB and converted on the way in. */
  'file-limit': z.number().int().nonnegative().default(250 * 1024 * 1024),
  compact: z.boolean().default(false),
  compression: CompressionSchema.default({ mode: 'none' }),
  encryption: EncryptionSchema.default({ mode: 'none' }),
});
export type BackupRequest = z.infer<typeof BackupRequestSchema>;
export type BackupRequestInput = z.input<typeof BackupRequestSchema>;

/** Formats zod issues as "field: problem" lines, naming the field a user has to fix. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`).join('; ');
}
