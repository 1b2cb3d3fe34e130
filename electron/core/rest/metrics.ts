/**
 * Prometheus metrics, fed from the service's job events (so jobs started by the scheduler, the
 * CLI in this process or the API all count) and seeded from the history on start (so the last
 * successful backup survives a restart). One registry per server: tests can run several.
 *
 * Labels: `job_type` (backup, restore, …), `routine` ("" when none), `backup_type` (full,
 * incremental, "" for other jobs); finished jobs add `status` (success, failure, canceled, skipped).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Job } from '../../../shared/schemas/job.js';
import type { TidemarkService } from '../service/tidemark-service.js';

const BASE_LABELS = ['job_type', 'routine', 'backup_type'] as const;

function labels(job: Job): Record<(typeof BASE_LABELS)[number], string> {
  return { job_type: job.type, routine: job.routine ?? '', backup_type: job['backup-type'] ?? '' };
}

/** Records a job moved: backups count records and bytes written, restores records read and bytes. */
function volume(job: Job): { records: number; bytes: number } {
  const s = job.stats ?? {};
  if (job.type === 'restore') return { records: s['read-records'] ?? 0, bytes: s['total-bytes'] ?? 0 };
  return { records: s.records ?? 0, bytes: s.bytes ?? 0 };
}

export class RestMetrics {
  readonly registry = new Registry();
  private readonly started: Counter<string>;
  private readonly finished: Counter<string>;
  private readonly inProgress: Gauge<string>;
  private readonly duration: Histogram<string>;
  private readonly records: Counter<string>;
  private readonly bytes: Counter<string>;
  private readonly lastSuccess: Gauge<string>;
  private readonly running = new Set<string>();
  private readonly off: () => void;

  constructor(service: TidemarkService) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'tidemark_' });
    this.started = new Counter({ name: 'tidemark_jobs_started_total', help: 'Jobs that started running', labelNames: BASE_LABELS, registers });
    this.finished = new Counter({ name: 'tidemark_jobs_finished_total', help: 'Jobs that ended, by final status (success, failure, canceled, skipped)', labelNames: [...BASE_LABELS, 'status'], registers });
    this.inProgress = new Gauge({ name: 'tidemark_jobs_in_progress', help: 'Jobs running now', labelNames: BASE_LABELS, registers });
    this.duration = new Histogram({
      name: 'tidemark_job_duration_seconds',
      help: 'Run time of finished jobs',
      labelNames: [...BASE_LABELS, 'status'],
      buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600],
      registers,
    });
    this.records = new Counter({ name: 'tidemark_job_records_total', help: 'Records written by successful backups and read by successful restores', labelNames: BASE_LABELS, registers });
    this.bytes = new Counter({ name: 'tidemark_job_bytes_total', help: 'Bytes written by successful backups and read by successful restores', labelNames: BASE_LABELS, registers });
    this.lastSuccess = new Gauge({ name: 'tidemark_last_successful_backup_timestamp_seconds', help: 'Unix time at which the newest successful backup finished', labelNames: ['routine', 'backup_type'], registers });

    // The newest success per routine and type, from the history (newest first).
    const seen = new Set<string>();
    for (const job of service.listJobs({ type: ['backup'], status: 'success', limit: 10_000 })) {
      const key = { routine: job.routine ?? '', backup_type: job['backup-type'] ?? '' };
      const id = `${key.routine}\u0000${key.backup_type}`;
      if (job['finished-at'] === undefined || seen.has(id)) continue;
      seen.add(id);
      this.lastSuccess.set(key, job['finished-at'] / 1000);
    }
    this.off = service.subscribe((e) => {
      if (!('job' in e)) return;
      if (e.type === 'started') this.onStarted(e.job);
      else if (e.type === 'finished') this.onFinished(e.job);
    });
  }

  private onStarted(job: Job): void {
    this.running.add(job.id);
    this.started.inc(labels(job));
    this.inProgress.inc(labels(job));
  }

  private onFinished(job: Job): void {
    const l = labels(job);
    if (this.running.delete(job.id)) this.inProgress.dec(l);
    this.finished.inc({ ...l, status: job.status });
    if (job['started-at'] !== undefined && job['finished-at'] !== undefined) this.duration.observe({ ...l, status: job.status }, (job['finished-at'] - job['started-at']) / 1000);
    if (job.status !== 'success') return;
    const v = volume(job);
    this.records.inc(l, v.records);
    this.bytes.inc(l, v.bytes);
    if (job.type === 'backup' && job['finished-at'] !== undefined) this.lastSuccess.set({ routine: l.routine, backup_type: l.backup_type }, job['finished-at'] / 1000);
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  close(): void {
    this.off();
    this.registry.clear();
  }
}
