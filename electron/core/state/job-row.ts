import { type Job, JobSchema } from '../../../shared/schemas/job.js';
import { describeIssues } from './state-error.js';

type Kind = 'plain' | 'json' | 'bool';

/** Where each Job field lives. `satisfies` makes a new Job field a compile error until mapped here. */
export const JOB_COLUMNS = {
  id: ['id', 'plain'],
  type: ['type', 'plain'],
  'backup-type': ['backup_type', 'plain'],
  routine: ['routine', 'plain'],
  trigger: ['trigger', 'plain'],
  status: ['status', 'plain'],
  label: ['label', 'plain'],
  'created-at': ['created_at', 'plain'],
  'started-at': ['started_at', 'plain'],
  'finished-at': ['finished_at', 'plain'],
  progress: ['progress', 'json'],
  stats: ['stats', 'json'],
  details: ['details', 'json'],
  error: ['error', 'plain'],
  interrupted: ['interrupted', 'bool'],
  reason: ['reason', 'plain'],
  hooks: ['hooks', 'json'],
} as const satisfies Record<keyof Job, readonly [string, Kind]>;

export type JobField = keyof typeof JOB_COLUMNS;
export const JOB_FIELDS = Object.keys(JOB_COLUMNS) as JobField[];
export const REQUIRED_FIELDS: readonly JobField[] = ['id', 'type', 'trigger', 'status', 'created-at'];

export type SqlValue = string | number | null;
export type JobRow = Record<string, SqlValue>;

export function toColumn(field: JobField, value: unknown): SqlValue {
  if (value === undefined) return null;
  const kind = JOB_COLUMNS[field][1] as Kind;
  if (kind === 'json') return JSON.stringify(value);
  if (kind === 'bool') return value ? 1 : 0;
  return value as string | number;
}

export interface DecodedRow {
  job?: Job;
  /** Fields left out because they could not be read: `field: problem`. */
  problems: string[];
}

/**
 * Reads a row as a Job. An unreadable optional field (bad JSON, a shape an older or newer
 * Tidemark wrote) is left out and reported, so the job still lists; when a required field is
 * unreadable there is no job to show and only the problems come back.
 */
export function decodeJobRow(row: JobRow): DecodedRow {
  const candidate: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const field of JOB_FIELDS) {
    const [column, kind] = JOB_COLUMNS[field];
    const raw = row[column];
    if (raw === null || raw === undefined) continue;
    if (kind === 'json') {
      try {
        candidate[field] = JSON.parse(String(raw));
      } catch {
        problems.push(`${field}: not valid JSON`);
      }
    } else if (kind === 'bool') {
      candidate[field] = raw !== 0;
    } else {
      candidate[field] = raw;
    }
  }
  const first = JobSchema.safeParse(candidate);
  if (first.success) return { job: first.data, problems };
  const bad = new Set(first.error.issues.map((i) => String(i.path[0] ?? '')));
  problems.push(describeIssues(first.error.issues));
  if ([...bad].some((f) => f === '' || REQUIRED_FIELDS.includes(f as JobField))) return { problems };
  for (const f of bad) delete candidate[f];
  const second = JobSchema.safeParse(candidate);
  return second.success ? { job: second.data, problems } : { problems: [...problems, describeIssues(second.error.issues)] };
}
