import { z } from 'zod';
import { AerospikeClusterSchema, ConfigSchema, NameSchema } from './config.js';
import { JobLogLineSchema, JobSchema, JobTypeSchema, parseStatusFilter } from './job.js';
import { RunningJobSchema } from './progress.js';
import { RecordLookupSchema } from './record-history.js';
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

/** `GET /v1/jobs/{id}/log`. */
export const JobLogSchema = z.object({ lines: z.array(JobLogLineSchema) }).meta({ id: 'JobLog' });
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

// ---- Beyond ABS: record history, copy and merge, profiles, connection tests -------------------

/** A field a refusal or warning concerns, and what about it (the config's issue shape). */
export const IssueSchema = z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() });

/**
 * `POST /v1/catalog/examine`: a record lookup (set + key + key type, or digest, in a routine's
 * backups) and whether to use the backups' record indexes. The lookup's own rules apply as they
 * are (RecordLookupSchema); only unknown fields are refused on top.
 */
export const ExamineRequestSchema = z
  .strictObject({ ...RecordLookupSchema.shape, routine: NameSchema, 'use-index': z.boolean().optional() })
  .superRefine((v, ctx) => {
    const { 'use-index': _useIndex, ...lookup } = v;
    const r = RecordLookupSchema.safeParse(lookup);
    if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message });
  })
  .meta({ id: 'ExamineRequest' });
export type ExamineRequest = z.input<typeof ExamineRequestSchema>;

/** The lookup part of an examine request, as restore-version takes it. */
const LookupSchema = z.strictObject({ ...RecordLookupSchema.shape, routine: NameSchema }).superRefine((v, ctx) => {
  const r = RecordLookupSchema.safeParse(v);
  if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message });
});

/** `POST /v1/catalog/examine/restore`: write one version (as backup `backup` holds it) into a cluster. */
export const RestoreVersionRequestSchema = z
  .strictObject({
    lookup: LookupSchema,
    /** Catalog key of the backup whose version is written (a version's `backup`). */
    backup: z.string().min(1).max(4096),
    /** Configured cluster; default the routine's source cluster. */
    destination: NameSchema.optional(),
    /** Destination namespace; default the version's own. */
    namespace: z.string().min(1).max(31).optional(),
  })
  .meta({ id: 'RestoreVersionRequest' });
export type RestoreVersionRequest = z.input<typeof RestoreVersionRequestSchema>;

/** `POST /v1/catalog/copy`: a backup (a full with its incrementals, or one incremental) to another storage. */
export const CopyRequestSchema = z
  .strictObject({
    storage: NameSchema,
    key: z.string().min(1).max(4096),
    to: NameSchema,
    'with-incrementals': z.boolean().optional(),
  })
  .refine((r) => r.storage !== r.to, { message: 'the backup is already in this storage: choose another', path: ['to'] })
  .meta({ id: 'CopyRequest' });
export type CopyRequest = z.input<typeof CopyRequestSchema>;

/** `POST /v1/catalog/merge`: a routine's full backup and its incrementals up to `upto` folded into a new full backup. */
export const MergeRequestSchema = z
  .strictObject({
    routine: NameSchema,
    /** Unix ms: incrementals that started at or before it are folded in. */
    upto: z.number().int().min(0).max(8.64e15),
    /** Destination storage; default the routine's own. */
    to: NameSchema.optional(),
  })
  .meta({ id: 'MergeRequest' });
export type MergeRequest = z.input<typeof MergeRequestSchema>;

/** Profile text is bounded by the request body limit; this keeps one field from being all of it. */
const PROFILE_TEXT_MAX = 900_000;
const PassphraseSchema = z.string().min(8, 'use at least 8 characters').max(1024);

/** `POST /v1/profiles/export`. */
export const ProfileExportRequestSchema = z
  .strictObject({
    /** Only these routines and the cluster, storage and policy each uses (default: everything). */
    routines: z.array(NameSchema).min(1, 'choose at least one routine, or leave routines out to export everything').max(10_000).optional(),
    /** json or yaml: a Tidemark profile; abs: an ABS v2 config file (YAML, secrets left out). */
    format: z.enum(['json', 'yaml', 'abs']).default('json'),
    /** Include the secrets, encrypted with this passphrase (Tidemark profiles only). */
    passphrase: PassphraseSchema.optional(),
  })
  .refine((r) => !(r.format === 'abs' && r.passphrase !== undefined), { message: 'ABS config files cannot hold encrypted secrets: use format json or yaml', path: ['passphrase'] })
  .meta({ id: 'ProfileExportRequest' });
export type ProfileExportRequest = z.input<typeof ProfileExportRequestSchema>;

export const ProfileExportSchema = z
  .object({
    text: z.string(),
    format: z.enum(['json', 'yaml', 'abs']),
    /** A file name to save the text under. */
    filename: z.string(),
    warnings: z.array(IssueSchema),
    /** Secrets in the text (encrypted) and secrets left out, as paths. */
    secrets: z.object({ included: z.array(z.array(z.string())), omitted: z.array(z.array(z.string())) }),
  })
  .meta({ id: 'ProfileExport' });
export type ProfileExport = z.infer<typeof ProfileExportSchema>;

/** `POST /v1/profiles/import/preview` and `/v1/profiles/import`. */
export const ProfileImportRequestSchema = z
  .strictObject({
    /** A Tidemark profile (JSON or YAML), or a config file (ABS's or Tidemark's). */
    text: z.string().min(1, 'paste a profile or choose a file').max(PROFILE_TEXT_MAX),
    mode: z.enum(['merge', 'replace']).default('merge'),
    /** merge: entries that differ take the file's version instead of refusing the import. */
    overwrite: z.boolean().optional(),
    /** Opens a profile's encrypted secrets. */
    passphrase: z.string().min(1).max(1024).optional(),
    /** Import none of the file's secrets (the current ones stay). */
    'skip-secrets': z.boolean().optional(),
    /** Values for secrets the file does not carry (paths as the preview lists them). */
    'secret-values': z.array(z.strictObject({ path: z.array(z.string().min(1).max(256)).min(1).max(16), value: z.string().min(1).max(65_536) })).max(1000).optional(),
    /** Import entries whose secrets are not available, instead of refusing. */
    'allow-missing-secrets': z.boolean().optional(),
    /** Store secrets in the config file in plain text (where there is no OS keychain). */
    'allow-plaintext-secrets': z.boolean().optional(),
  })
  .meta({ id: 'ProfileImportRequest' });
export type ProfileImportRequest = z.input<typeof ProfileImportRequestSchema>;

export const ImportPreviewSchema = z
  .object({
    source: z.enum(['tidemark-profile', 'config-file']),
    mode: z.enum(['merge', 'replace']),
    entries: z.array(
      z.object({
        section: z.enum(['aerospike-clusters', 'storage', 'backup-policies', 'backup-routines', 'settings']),
        name: z.string(),
        status: z.enum(['added', 'changed', 'unchanged', 'conflicting', 'removed']),
        fields: z.array(z.string()).optional(),
      }),
    ),
    secrets: z.array(z.object({ path: z.array(z.string()), status: z.enum(['included', 'provided', 'kept', 'missing']) })),
    warnings: z.array(IssueSchema),
    /** Why the import would be refused as things stand; empty when it would go ahead. */
    blocking: z.array(IssueSchema.extend({ reason: z.enum(['conflict', 'missing-secret']) })),
  })
  .meta({ id: 'ImportPreview' });
export type ImportPreview = z.infer<typeof ImportPreviewSchema>;

/** Import done: what it did and the resulting config (secrets masked). */
export const ImportResultSchema = z.object({ preview: ImportPreviewSchema, config: ConfigSchema }).meta({ id: 'ImportResult' });
export type ImportResult = z.infer<typeof ImportResultSchema>;

/** Cluster and storage tests: `?name=` tests the configured entry; a body tests that entry (masked secrets stand for the named entry's). */
export const ConnectionTestQuerySchema = z.strictObject({ name: NameSchema.optional() });

export const ClusterTestResultSchema = z
  .union([
    z.object({
      ok: z.literal(true),
      /** The server's version (`build`). */
      build: z.string(),
      nodes: z.number().int(),
      'connect-ms': z.number().int(),
      namespaces: z.array(z.object({ name: z.string(), objects: z.number().int(), sets: z.array(z.object({ name: z.string(), objects: z.number().int() })) })),
    }),
    z.object({ ok: z.literal(false), error: z.string() }),
  ])
  .meta({ id: 'ClusterTestResult' });
export type ClusterTestResult = z.infer<typeof ClusterTestResultSchema>;

export const StorageTestResultSchema = z
  .union([
    z.object({ ok: z.literal(true), 'write-ms': z.number().int(), 'read-ms': z.number().int(), 'delete-ms': z.number().int(), location: z.string() }),
    z.object({ ok: z.literal(false), error: z.string(), step: z.enum(['open', 'write', 'read', 'delete']) }),
  ])
  .meta({ id: 'StorageTestResult' });
export type StorageTestResult = z.infer<typeof StorageTestResultSchema>;
