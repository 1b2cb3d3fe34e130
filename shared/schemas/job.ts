import { z } from 'zod';
import { RunningJobSchema } from './progress.js';

/**
 * A job: one backup, restore, verify, copy, merge, delete or retention run, as the job registry
 * records it and every transport (IPC, REST, CLI) shows it. Kebab-case, as ABS names things.
 */
export const JobTypeSchema = z.enum(['backup', 'restore', 'verify', 'copy', 'merge', 'delete', 'retention']);
export type JobType = z.infer<typeof JobTypeSchema>;

/** How the job came to run. `catch-up` is a scheduled run missed while the app was closed or asleep. */
export const JobTriggerSchema = z.enum(['schedule', 'on-demand', 'catch-up']);
export type JobTrigger = z.infer<typeof JobTriggerSchema>;

/** `pending` waits for its delay; `skipped` never ran (routine busy, paused, on battery). */
export const JobStatusSchema = z.enum(['pending', 'running', 'success', 'failure', 'canceled', 'skipped']);
export type JobStatus = z.infer<typeof JobStatusSchema>;
export const FINISHED_STATUSES: readonly JobStatus[] = ['success', 'failure', 'canceled', 'skipped'];

export const HookEventSchema = z.enum(['start', 'success', 'failure']);
export type HookEvent = z.infer<typeof HookEventSchema>;

/** What one hook did: recorded on the job, never able to fail it. */
export const HookResultSchema = z.object({
  event: HookEventSchema,
  kind: z.enum(['command', 'webhook']),
  /** The command line or the URL (with any credentials in it removed). */
  target: z.string(),
  ok: z.boolean(),
  'exit-code': z.number().int().optional(),
  'http-status': z.number().int().optional(),
  'timed-out': z.boolean().optional(),
  'duration-ms': z.number().int().nonnegative(),
  /** Error or the tail of the hook's output. */
  message: z.string().optional(),
});
export type HookResult = z.infer<typeof HookResultSchema>;

export const JobSchema = z.object({
  id: z.string().min(1),
  type: JobTypeSchema,
  /** Backups: full or incremental. */
  'backup-type': z.enum(['full', 'incremental']).optional(),
  routine: z.string().optional(),
  trigger: JobTriggerSchema,
  status: JobStatusSchema,
  label: z.string().optional(),
  /** Unix ms. */
  'created-at': z.number().int(),
  'started-at': z.number().int().optional(),
  'finished-at': z.number().int().optional(),
  progress: RunningJobSchema.optional(),
  /** Counters: a backup's records/bytes/files, a restore's ABS statistics, … */
  stats: z.record(z.string(), z.number()).optional(),
  /** Type-specific facts: backup keys written, restore source, backups removed, … */
  details: z.record(z.string(), z.unknown()).optional(),
  error: z.string().optional(),
  /** Set when the process running the job died (kill -9, power loss) before it finished. */
  interrupted: z.boolean().optional(),
  /** Why a skipped job did not run. */
  reason: z.string().optional(),
  hooks: z.array(HookResultSchema).optional(),
});
export type Job = z.infer<typeof JobSchema>;

/**
 * A status filter as ABS takes it: a comma list, a leading `!` excludes the listed ones. Both
 * ABS spellings (`Running, Done, Failed, Canceled`) and Tidemark's own are accepted.
 */
const STATUS_ALIASES: Record<string, JobStatus> = {
  pending: 'pending',
  running: 'running',
  done: 'success',
  success: 'success',
  failed: 'failure',
  failure: 'failure',
  canceled: 'canceled',
  cancelled: 'canceled',
  skipped: 'skipped',
};

export interface StatusFilter {
  statuses: JobStatus[];
  exclude: boolean;
}

export function parseStatusFilter(text: string): StatusFilter {
  let s = text.trim();
  const exclude = s.startsWith('!');
  if (exclude) s = s.slice(1);
  const statuses: JobStatus[] = [];
  for (const part of s.split(',')) {
    const name = part.trim().toLowerCase();
    if (!name) continue;
    const status = STATUS_ALIASES[name];
    if (!status) throw new Error(`status: '${part.trim()}' is not a job status (one of ${Object.keys(STATUS_ALIASES).join(', ')})`);
    if (!statuses.includes(status)) statuses.push(status);
  }
  if (statuses.length === 0) throw new Error('status: give at least one status');
  return { statuses, exclude };
}

export const JobQuerySchema = z.object({
  type: z.array(JobTypeSchema).optional(),
  routine: z.string().optional(),
  status: z.string().optional(),
  /** Unix ms: jobs created at or after. */
  from: z.number().int().nonnegative().optional(),
  /** Unix ms: jobs created at or before. */
  to: z.number().int().nonnegative().optional(),
  limit: z.number().int().min(1).max(100_000).optional(),
});
export type JobQuery = z.infer<typeof JobQuerySchema>;

/** One line of the log that mentions a job (already redacted by the logger). */
export const JobLogLineSchema = z.object({
  /** Unix ms. */
  time: z.number().int(),
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
  message: z.string(),
});
export type JobLogLine = z.infer<typeof JobLogLineSchema>;
