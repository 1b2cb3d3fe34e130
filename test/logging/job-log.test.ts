import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJobLog } from '../../electron/core/logging/job-log.js';
import { createLogger } from '../../electron/core/logging/logger.js';
import { ManualClock } from '../../electron/core/service/clock.js';

test("a job's log lines come back from the daily files, oldest first, only its own, redacted", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-joblog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const day = Date.UTC(2026, 4, 10, 23, 59, 0);
  const clock = new ManualClock(day);
  const { logger, close } = createLogger({ dataDir: dir, secrets: () => ['s3cr3t-value'], clock, stdout: false });
  const job = logger.child({ job: 'job-a' });
  job.info('started');
  logger.child({ job: 'job-b' }).info('another job');
  clock.advance(120_000); // past midnight: the next lines go to the next day's file
  job.warn('password s3cr3t-value rejected, retrying');
  job.info('finished');
  await close();
  const lines = readJobLog(join(dir, 'logs'), 'job-a', day);
  assert.deepEqual(lines.map((l) => [l.level, l.message]), [
    ['info', 'started'],
    ['warn', 'password [REDACTED] rejected, retrying'],
    ['info', 'finished'],
  ]);
  assert.ok(lines[0]!.time < lines[1]!.time);
  assert.deepEqual(readJobLog(join(dir, 'logs'), 'job-a', day + 86_400_000).map((l) => l.message), ['password [REDACTED] rejected, retrying', 'finished'], 'files before the job was created are not read');
  assert.equal(readJobLog(join(dir, 'logs'), 'job-a', day, 1).length, 1, 'limited');
  assert.deepEqual(readJobLog(join(dir, 'nowhere'), 'job-a', day), []);
});
