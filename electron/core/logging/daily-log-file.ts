import { appendFileSync, closeSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const FILE_NAME = /^tidemark-(\d{4}-\d{2}-\d{2})\.log$/;

/** `tidemark-YYYY-MM-DD.log` for the local calendar day of `t` (Unix ms). */
export function logFileName(t: number): string {
  return `tidemark-${localDay(t)}.log`;
}

/** YYYY-MM-DD of the local calendar day: users look for "today's log" in their own time zone. */
export function localDay(t: number): string {
  const d = new Date(t);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The local day `days` calendar days before the day of `t` (calendar arithmetic, so DST-safe). */
function dayBefore(t: number, days: number): string {
  const d = new Date(t);
  d.setDate(d.getDate() - days);
  return localDay(d.getTime());
}

export interface DailyLogFileOptions {
  dir: string;
  /** Files of this many most recent days are kept, the current day included. */
  retainDays: number;
  /** Called when the file cannot be written or old files cannot be removed; logging goes on. */
  onError: (err: Error) => void;
}

/**
 * Appends log lines to one file per local day, switching when a line's day differs from the
 * open file's, and removing files older than the retention on every switch.
 *
 * Writes are synchronous: a line handed over is on disk (in the OS cache) before the call
 * returns, so a crash or `process.exit` right after logging loses nothing.
 */
export class DailyLogFile {
  private fd: number | undefined;
  private day: string | undefined;
  private closed = false;
  private failing = false;

  constructor(private readonly opts: DailyLogFileOptions) {
    // Owner-only: even redacted, logs describe clusters, hosts and schedules.
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  }

  /** Path of the file the last line went to. */
  get currentPath(): string | undefined {
    return this.day === undefined ? undefined : join(this.opts.dir, `tidemark-${this.day}.log`);
  }

  /** Writes `line` (already terminated) to the file of the day of `t`. */
  write(line: string, t: number): void {
    try {
      const day = localDay(t);
      const path = join(this.opts.dir, `tidemark-${day}.log`);
      if (this.closed) {
        // A late line (a callback finishing after shutdown) is still kept, at the cost of an
        // open per line.
        appendFileSync(path, line, { mode: 0o600 });
        this.day = day;
      } else {
        if (day !== this.day || this.fd === undefined) this.open(day, t);
        writeFully(this.fd!, Buffer.from(line, 'utf8'));
      }
      this.failing = false;
    } catch (err) {
      // Report the first failure of a run, not one per line of a full disk.
      if (!this.failing) this.opts.onError(asError(err));
      this.failing = true;
    }
  }

  /** Removes `tidemark-YYYY-MM-DD.log` files older than the retention, relative to the day of `t`. */
  prune(t: number): void {
    const oldestKept = dayBefore(t, this.opts.retainDays - 1);
    let names: string[];
    try {
      names = readdirSync(this.opts.dir);
    } catch (err) {
      this.opts.onError(asError(err));
      return;
    }
    for (const name of names) {
      const m = FILE_NAME.exec(name);
      if (!m || m[1]! >= oldestKept) continue;
      try {
        unlinkSync(join(this.opts.dir, name));
      } catch (err) {
        const e = asError(err);
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.onError(e);
      }
    }
  }

  close(): void {
    this.closed = true;
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      try {
        closeSync(fd);
      } catch (err) {
        this.opts.onError(asError(err));
      }
    }
  }

  private open(day: string, t: number): void {
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      closeSync(fd);
    }
    this.fd = openSync(join(this.opts.dir, `tidemark-${day}.log`), 'a', 0o600);
    this.day = day;
    this.prune(t);
  }
}

function writeFully(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
