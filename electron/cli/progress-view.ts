/** Progress on a terminal: a redrawn bar on a TTY, one plain line per update otherwise. */
import type { RunningJob } from '../../shared/schemas/progress.js';

/**
 * A count as toLocaleString('en') writes it (1,234,567) without its first call's cost: that loads
 * ICU's number formatting, ~35 ms — more than a small backup takes. Progress counts and rates are
 * whole numbers; anything else still goes through toLocaleString.
 */
export function grouped(n: number): string {
  return Number.isSafeInteger(n) && !Object.is(n, -0) ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : n.toLocaleString('en');
}

export class ProgressView {
  private lastLine = 0;
  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly label: string,
  ) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  update(job: RunningJob): void {
    const pct = job['percentage-done'];
    const stats = `${grouped(job['done-records'])}/${grouped(job['total-records'])} records, ${grouped(job.metrics['records-per-second'])} rec/s, ${grouped(job.metrics['kilobytes-per-second'])} KB/s`;
    const eta = job['estimated-end-time'] ? `, ETA ${job['estimated-end-time'].slice(11, 19)}` : '';
    if (this.tty) {
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      this.out.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${stats}${eta}\x1b[K`);
      return;
    }
    // Plain output: at most one line every few seconds, so logs stay readable.
    const now = Date.now();
    if (now - this.lastLine < 5000 && pct < 100) return;
    this.lastLine = now;
    this.out.write(`${this.label}: ${pct}% ${stats}${eta}\n`);
  }

  finish(): void {
    if (this.tty) this.out.write('\n');
  }
}
