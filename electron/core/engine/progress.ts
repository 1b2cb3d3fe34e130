/** Live progress of a job, reported in ABS's RunningJob shape. */
import type { RunningJob } from '../../../shared/schemas/progress.js';

const WINDOW_MS = 5000;

export class ProgressTracker {
  readonly startMs: number;
  done = 0;
  bytes = 0;
  private samples: Array<{ t: number; done: number; bytes: number }> = [];

  constructor(
    public total: number,
    private readonly now: () => number = Date.now,
  ) {
    this.startMs = now();
    this.samples.push({ t: this.startMs, done: 0, bytes: 0 });
  }

  add(records: number, bytes: number): void {
    this.done += records;
    this.bytes += bytes;
  }

  /** Rates over the last few seconds, so a stall shows quickly. */
  snapshot(): RunningJob {
    const t = this.now();
    this.samples.push({ t, done: this.done, bytes: this.bytes });
    while (this.samples.length > 2 && t - this.samples[1]!.t >= WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const secs = Math.max((t - first.t) / 1000, 0.001);
    const rps = (this.done - first.done) / secs;
    const kbps = (this.bytes - first.bytes) / 1024 / secs;
    // The estimate is only an estimate: never report more than 100 % or a total below what is done.
    const total = Math.max(this.total, this.done);
    const pct = total === 0 ? 0 : Math.min(100, Math.floor((this.done / total) * 100));
    const remaining = total - this.done;
    const job: RunningJob = {
      'total-records': total,
      'done-records': this.done,
      'start-time': new Date(this.startMs).toISOString(),
      'percentage-done': pct,
      metrics: { 'records-per-second': Math.round(rps), 'kilobytes-per-second': Math.round(kbps), pipeline: 0 },
    };
    if (rps > 0) job['estimated-end-time'] = new Date(t + (remaining / rps) * 1000).toISOString();
    return job;
  }
}
