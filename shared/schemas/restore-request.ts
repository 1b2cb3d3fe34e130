import { z } from 'zod';

/** ABS `dto.RetryPolicy`. */
export const RetryPolicySchema = z.object({
  baseTimeout: z.number().int().nonnegative().default(100),
  multiplier: z.number().min(1).default(2),
  maxRetries: z.number().int().nonnegative().default(5),
});

/** ABS `dto.RestorePolicy`, plus the socket timeout and bad-record handling Tidemark adds. */
export const RestorePolicySchema = z
  .object({
    parallel: z.number().int().min(1).max(256).default(4),
    'no-generation': z.boolean().default(false),
    replace: z.boolean().default(false),
    unique: z.boolean().default(false),
    'extra-ttl': z.number().int().default(0),
    /** Records per second across the whole restore. */
    tps: z.number().int().positive().optional(),
    /** Bytes per second read from storage. */
    bandwidth: z.number().int().positive().optional(),
    'batch-size': z.number().int().min(1).max(5000).default(128),
    'max-async-batches': z.number().int().min(1).max(1024).default(8),
    'disable-batch-writes': z.boolean().default(false),
    /** Total timeout of one write command, ms (ABS calls it `timeout`). */
    timeout: z.number().int().nonnegative().default(10000),
    'socket-timeout': z.number().int().nonnegative().default(10000),
    'retry-policy': RetryPolicySchema.default({ baseTimeout: 100, multiplier: 2, maxRetries: 5 }),
    namespace: z.object({ source: z.string().min(1), destination: z.string().min(1) }).optional(),
    'set-list': z.array(z.string().min(1)).default([]),
    'bin-list': z.array(z.string().min(1).max(15)).default([]),
    'no-records': z.boolean().default(false),
    'no-indexes': z.boolean().default(false),
    'no-udfs': z.boolean().default(false),
    /** Skip records that cannot be decoded (counted as skipped) instead of stopping. */
    'skip-bad-records': z.boolean().default(false),
  })
  .refine((p) => !(p.replace && p.unique), { message: 'replace and unique cannot be combined', path: ['unique'] });
export type RestorePolicy = z.infer<typeof RestorePolicySchema>;
export type RestorePolicyInput = z.input<typeof RestorePolicySchema>;

/** What to restore: one backup by key, or a routine up to a point in time. */
export const RestoreSourceSchema = z.union([
  z.object({ key: z.string().min(1) }),
  z.object({ routine: z.string().min(1), time: z.number().int().nonnegative() }),
]);
export type RestoreSource = z.infer<typeof RestoreSourceSchema>;

/** Restore statistics, named as ABS's `dto.RestoreJobStatus`. */
export interface RestoreStats {
  'read-records': number;
  'total-bytes': number;
  'expired-records': number;
  'skipped-records': number;
  'ignored-records': number;
  'inserted-records': number;
  'existed-records': number;
  'fresher-records': number;
  'index-count': number;
  'udf-count': number;
  'errors-in-doubt': number;
}
