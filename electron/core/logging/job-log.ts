/**
 * A job's own log lines, read back from the daily log files: every line the service logged with
 * the job's id (its start and end, engine warnings, hook results, retention). The files are
 * already redacted, so what comes back holds no secret.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobLogLine } from '../../../shared/schemas/job.js';

const LEVELS: Record<number, JobLogLine['level']> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const FILE = /^tidemark-(\d{4}-\d{2}-\d{2})\.log$/;

/** Lines of `jobId` in the log files from the day it was created on, oldest first, at most `limit`. */
export function readJobLog(logDir: string, jobId: string, createdMs: number, limit = 1000): JobLogLine[] {
  if (!existsSync(logDir)) return [];
  const firstDay = new Date(createdMs).toISOString().slice(0, 10);
  const files = readdirSync(logDir)
    .filter((f) => (FILE.exec(f)?.[1] ?? '') >= firstDay)
    .sort();
  const needle = `"job":${JSON.stringify(jobId)}`;
  const out: JobLogLine[] = [];
  for (const f of files) {
    for (const line of readFileSync(join(logDir, f), 'utf8').split('\n')) {
      if (!line.includes(needle)) continue;
      let entry: { level?: unknown; time?: unknown; msg?: unknown; job?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      if (entry.job !== jobId || typeof entry.time !== 'number') continue;
      out.push({ time: entry.time, level: LEVELS[entry.level as number] ?? 'info', message: typeof entry.msg === 'string' ? entry.msg : '' });
      if (out.length >= limit) return out;
    }
  }
  return out;
}
