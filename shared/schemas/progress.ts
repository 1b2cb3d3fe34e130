import { z } from 'zod';

/** Progress of a running job, shaped like ABS's `dto.RunningJob` (v3, with metrics). */
export const RunningJobSchema = z.object({
  'total-records': z.number().int().nonnegative(),
  'done-records': z.number().int().nonnegative(),
  'start-time': z.string(),
  'percentage-done': z.number().int().min(0).max(100),
  'estimated-end-time': z.string().optional(),
  metrics: z.object({
    'records-per-second': z.number().nonnegative(),
    'kilobytes-per-second': z.number().nonnegative(),
    pipeline: z.number().int().nonnegative(),
  }),
});
export type RunningJob = z.infer<typeof RunningJobSchema>;
