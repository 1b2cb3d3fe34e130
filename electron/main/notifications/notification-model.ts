/**
 * Which core events become native notifications, and what they say. Pure: the Electron glue
 * (notifier.ts) shows what this returns.
 *
 * - A job of any type (backup, restore, verify, copy, merge, delete, retention) that finished
 *   failed — including one marked interrupted — is `critical`: what ran, for which routine, and
 *   the first line of its error. Canceled jobs were stopped on purpose and skipped ones never ran
 *   (the tray shows both); neither is notified.
 * - A restore that finished successfully is `normal`: records written and how long it took.
 * - Nothing else: created, started and progress events never notify.
 */
import type { Job, JobType } from '../../../shared/schemas/job.js';
import { capitalize, clip, firstLine } from '../short-text.js';

export type NotificationKind = 'job-failed' | 'restore-finished';

/** Each kind is on unless set to `false`. */
export type NotificationSettings = Partial<Record<NotificationKind, boolean>>;

export interface JobNotification {
  kind: NotificationKind;
  title: string;
  body: string;
  urgency: 'normal' | 'critical';
  jobId: string;
}

/** A core job event (`JobEvent` of the job registry). */
export interface NotifiableEvent {
  type: 'created' | 'started' | 'progress' | 'finished';
  job: Job;
}

const BODY_MAX = 200;

const WHAT: Record<JobType, string> = {
  backup: 'Backup',
  restore: 'Restore',
  verify: 'Verification',
  copy: 'Copy',
  merge: 'Merge',
  delete: 'Delete',
  retention: 'Retention',
};

export function notificationFor(event: NotifiableEvent, settings: NotificationSettings = {}): JobNotification | undefined {
  if (event.type !== 'finished') return undefined;
  const job = event.job;
  if (job.status === 'failure') {
    if (settings['job-failed'] === false) return undefined;
    const verb = job.interrupted ? 'was interrupted' : 'failed';
    const error = firstLine(job.error ?? '') || 'No error message was recorded.';
    return { kind: 'job-failed', title: `${what(job)} ${verb}`, body: clip(error, BODY_MAX), urgency: 'critical', jobId: job.id };
  }
  if (job.status === 'success' && job.type === 'restore') {
    if (settings['restore-finished'] === false) return undefined;
    return { kind: 'restore-finished', title: `${what(job)} finished`, body: restoreSummary(job), urgency: 'normal', jobId: job.id };
  }
  return undefined;
}

/** "Full backup of nightly", "Restore of nightly", "Copy". */
function what(job: Job): string {
  const kind = job.type === 'backup' && job['backup-type'] ? `${capitalize(job['backup-type'])} backup` : WHAT[job.type];
  return job.routine ? `${kind} of ${job.routine}` : kind;
}

/** "1,204,331 records written in 3 min 20 s (12 already present or newer)." */
function restoreSummary(job: Job): string {
  const s = job.stats ?? {};
  const written = s['inserted-records'] ?? s.records ?? 0;
  const present = (s['existed-records'] ?? 0) + (s['fresher-records'] ?? 0);
  const start = job['started-at'] ?? job['created-at'];
  const took = job['finished-at'] !== undefined ? ` in ${formatDuration(job['finished-at'] - start)}` : '';
  const extra = present > 0 ? ` (${formatCount(present)} already present or newer)` : '';
  return `${formatCount(written)} ${written === 1 ? 'record' : 'records'} written${took}${extra}.`;
}

const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCount(n: number): string {
  return countFormat.format(n);
}

/** "<1 s", "48 s", "3 min 20 s", "2 h 5 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0 s';
  if (ms < 1000) return '<1 s';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}
