import { z } from 'zod';
import { AerospikeClusterSchema, NameSchema } from './config.js';
import { JobSchema, JobTypeSchema, parseStatusFilter } from './job.js';
import { RunningJobSchema } from './progress.js';
import { RestorePolicySchema, RetryPolicySchema } from './restore-request.js';
import { StorageSchema } from './storage.js';

/**
 * The REST API's own shapes: ABS v2/v3 DTOs that only the REST transport speaks (kebab-case, as
 * ABS names them) and Tidemark's additions. Everything the config, jobs and progress already
 * define is reused from their own modules.
 */

/** Every error the API answers: what went wrong, and each field it concerns. */
export const ApiErrorSchema = z.object({
  error: z.string(),
  issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

/** Query strings carry text: integers are parsed strictly (no "1e3", no "12abc"). */
const intText = (what: string) =>
  z
    .string()
    .regex(/^\d{1,15}$/, `${what} must be a whole number of milliseconds`)
    .transform(Number);

const boolText = z.enum(['true', 'false', '1', '0', '']).transform((v) => v === 'true' || v === '1' || v === '');

/** ABS `from`/`to`: Unix ms bounds on a backup's start or a job's creation. */
export const TimeRangeQuerySchema = z
  .strictObject({
    from: intText('from').optional(),
    to: intText('to').optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

export const RoutineParamsSchema = z.strictObject({ name: NameSchema });

/** Triggers: ABS's `delay`; Tidemark's `wait` (answer when the backup ends) and `label`. */
export const TriggerQuerySchema = z.strictObject({
  delay: intText('delay')
    .refine((n) => n <= 2_147_483_647, 'delay must be at most 2147483647 ms (about 24.8 days)')
    .optional(),
  wait: boolText.optional(),
  label: z.string().min(1).max(256).optional(),
});

/** ABS `dto.BackupDetails`, plus the start time in ms and the label (Tidemark). */
export const BackupDetailsSchema = z
  .object({
    created: z.string(),
    timestamp: z.number().int(),
    from: z.string().optional(),
    namespace: z.string(),
    'record-count': z.number().int(),
    'byte-count': z.number().int(),
    'file-count': z.number().int(),
    'secondary-index-count': z.number().int(),
    'udf-count': z.number().int(),
    key: z.string(),
    storage: StorageSchema,
    compression: z.enum(['NONE', 'ZSTD']),
    encryption: z.enum(['NONE', 'AES128', 'AES256']),
    label: z.string().optional(),
  })
  .meta({ id: 'BackupDetails' });
export type BackupDetails = z.infer<typeof BackupDetailsSchema>;

export const BackupListSchema = z.array(BackupDetailsSchema);
export const BackupsByRoutineSchema = z.record(z.string(), BackupListSchema);

/** ABS `dto.CurrentBackups`: progress of the routine's running full and incremental backups. */
export const CurrentBackupsSchema = z.object({ full: RunningJobSchema.optional(), incremental: RunningJobSchema.optional() }).meta({ id: 'CurrentBackups' });

/** ABS's restore job states (v3 adds Canceled). */
export const AbsJobStatusSchema = z.enum(['Running', 'Done', 'Failed', 'Canceled']);

/** ABS `dto.RestoreJobStatus`, plus Tidemark's job id and the point in time used. */
export const RestoreJobStatusSchema = z
  .object({
    'read-records': z.number().int(),
    'total-bytes': z.number().int(),
    'expired-records': z.number().int(),
    'skipped-records': z.number().int(),
    'ignored-records': z.number().int(),
    'inserted-records': z.number().int(),
    'existed-records': z.number().int(),
    'fresher-records': z.number().int(),
    'index-count': z.number().int(),
    'udf-count': z.number().int(),
    'errors-in-doubt': z.number().int(),
    'current-job': RunningJobSchema.optional(),
    status: AbsJobStatusSchema,
    error: z.string().optional(),
    'job-id': z.string(),
  })
  .meta({ id: 'RestoreJobStatus' });
export type RestoreJobStatus = z.infer<typeof RestoreJobStatusSchema>;

export const RestoreJobsSchema = z.record(z.string(), RestoreJobStatusSchema);

/** ABS's status filter: a comma list, a leading `!` excludes; checked here so a typo is a 400. */
const StatusFilterSchema = z
  .string()
  .min(1)
  .max(200)
  .superRefine((s, ctx) => {
    try {
      parseStatusFilter(s);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^status: /, '') });
    }
  });

const fromBeforeTo = (q: { from?: number | undefined; to?: number | undefined }): boolean => q.from === undefined || q.to === undefined || q.from <= q.to;

export const RestoreJobsQuerySchema = z
  .strictObject({
    from: intText('from').optional(),
    to: intText('to').optional(),
    status: StatusFilterSchema.optional(),
  })
  .refine(fromBeforeTo, { message: 'from must not be after to', path: ['from'] });

export const JobIdParamsSchema = z.strictObject({ jobId: z.string().regex(/^\d{1,16}$/, 'jobId must be the number a restore request answered').transform(Number) });

/** ABS `dto.RestorePolicy` with the encryption and compression it accepts (compression is read from the backup). */
export const AbsRestorePolicySchema = z
  .strictObject({
    ...RestorePolicySchema.shape,
    // Strict all the way down: an unknown (misspelt) field is refused, never ignored.
    namespace: z.strictObject({ source: z.string().min(1), destination: z.string().min(1) }).optional(),
    'retry-policy': z.strictObject(RetryPolicySchema.shape).optional(),
    compression: z.strictObject({ mode: z.enum(['NONE', 'ZSTD']).optional(), level: z.number().int().optional() }).optional(),
    encryption: z
      .strictObject({
        mode: z.enum(['NONE', 'AES128', 'AES256']).optional(),
        'key-file': z.string().min(1).max(4096).optional(),
        'key-env': z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
      })
      .optional(),
  })
  .refine((p) => !(p.replace && p.unique), { message: 'replace and unique cannot be combined', path: ['unique'] });
export type AbsRestorePolicy = z.infer<typeof AbsRestorePolicySchema>;

/**
 * ABS `dto.RestoreRequest` (full and incremental restore of one backup): where the backup is
 * (`source`, as a backup listing shows it, plus `backup-data-path`) and where it goes. The
 * destination is a configured cluster, named (`destination-name`) or given by its seed nodes.
 */
export const AbsRestoreRequestSchema = z
  .strictObject({
    'backup-data-path': z.string().min(1).max(4096),
    source: StorageSchema,
    destination: AerospikeClusterSchema.optional(),
    'destination-name': NameSchema.optional(),
    policy: AbsRestorePolicySchema.optional(),
    'secret-agent': z.unknown().optional(),
  })
  .superRefine((r, ctx) => {
    if (r['secret-agent'] !== undefined) ctx.addIssue({ code: 'custom', path: ['secret-agent'], message: 'Aerospike Secret Agent is not supported yet' });
    if ((r.destination === undefined) === (r['destination-name'] === undefined)) ctx.addIssue({ code: 'custom', path: ['destination'], message: 'give destination (seed nodes of a configured cluster) or destination-name' });
  })
  .meta({ id: 'RestoreRequest' });
export type AbsRestoreRequest = z.infer<typeof AbsRestoreRequestSchema>;

/** ABS `dto.RestoreTimestampRequest`: a routine to a point in time; destination defaults to its source cluster. */
export const AbsRestoreTimestampRequestSchema = z
  .strictObject({
    routine: NameSchema,
    time: z.number().int().min(0),
    destination: AerospikeClusterSchema.optional(),
    'destination-name': NameSchema.optional(),
    policy: AbsRestorePolicySchema.optional(),
    'disable-reordering': z.boolean().optional(),
    'secret-agent': z.unknown().optional(),
  })
  .superRefine((r, ctx) => {
    if (r['secret-agent'] !== undefined) ctx.addIssue({ code: 'custom', path: ['secret-agent'], message: 'Aerospike Secret Agent is not supported yet' });
    if (r.destination !== undefined && r['destination-name'] !== undefined) ctx.addIssue({ code: 'custom', path: ['destination-name'], message: 'give destination or destination-name, not both' });
  })
  .meta({ id: 'RestoreTimestampRequest' });
export type AbsRestoreTimestampRequest = z.infer<typeof AbsRestoreTimestampRequestSchema>;

/** `GET /version` (ABS v3). */
export const VersionSchema = z.object({ version: z.string(), 'build-time': z.string(), commit: z.string() });

/** Tidemark's jobs listing: Backrest-style selectors over every job type. */
export const JobsQuerySchema = z.strictObject({
  type: z
    .string()
    .max(200)
    .transform((s, ctx) => {
      const types = s.split(',').map((t) => t.trim()).filter(Boolean);
      for (const t of types) {
        if (!JobTypeSchema.safeParse(t).success) ctx.addIssue({ code: 'custom', message: `type: '${t}' is not a job type (one of ${JobTypeSchema.options.join(', ')})` });
      }
      return types as Array<z.infer<typeof JobTypeSchema>>;
    })
    .optional(),
  routine: NameSchema.optional(),
  status: StatusFilterSchema.optional(),
  from: intText('from').optional(),
  to: intText('to').optional(),
  limit: z.string().regex(/^\d{1,6}$/, 'limit must be a whole number').transform(Number).pipe(z.number().int().min(1).max(100_000)).optional(),
}).refine(fromBeforeTo, { message: 'from must not be after to', path: ['from'] });

export const JobParamsSchema = z.strictObject({ id: z.string().uuid('id must be a job id (a UUID)') });
export const JobListSchema = z.array(JobSchema);
export const JobResponseSchema = JobSchema.meta({ id: 'Job' });

export const WaitQuerySchema = z.strictObject({ wait: boolText.optional() });

/** Next scheduled runs per routine (Unix ms), and whether the schedule is paused. */
export const ScheduleSchema = z.array(
  z.object({
    routine: z.string(),
    full: z.number().int().optional(),
    incremental: z.number().int().optional(),
    paused: z.boolean(),
    globallyPaused: z.boolean(),
    disabled: z.boolean(),
  }),
);

export const PauseQuerySchema = z.strictObject({ routine: NameSchema.optional() });

/** A token shown exactly once: after rotation. */
export const TokenSchema = z.object({ token: z.string(), file: z.string() });

export const BasicAuthBodySchema = z.union([
  z.strictObject({ user: z.string().min(1).max(128).regex(/^[^:]+$/, 'a user name cannot contain ":"'), password: z.string().min(8, 'use at least 8 characters').max(256) }),
  z.strictObject({ remove: z.literal(true) }),
]);

export const OkSchema = z.object({ ok: z.boolean() });
