import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, silentLogger } from '../../electron/core/logging/logger.js';
import { localDay, logFileName } from '../../electron/core/logging/daily-log-file.js';
import { ManualClock } from '../../electron/core/service/clock.js';

const HOUR = 3_600_000;
/** Local times, so the day boundaries are the machine's midnights whatever its time zone. */
const at = (y: number, m: number, d: number, h = 12, min = 0, s = 0, ms = 0): number => new Date(y, m - 1, d, h, min, s, ms).getTime();

interface Line {
  level: number;
  time: number;
  msg: string;
  [k: string]: unknown;
}

function read(path: string): Line[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

let dir: string;
let logs: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tidemark-log-files-'));
  logs = join(dir, 'logs');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('logger files', () => {
  test('lines go to logs/tidemark-YYYY-MM-DD.log as JSON, stamped with the clock, on disk at once', async () => {
    const clock = new ManualClock(at(2024, 3, 9, 8, 30));
    const log = createLogger({ dataDir: dir, secrets: () => [], clock });
    log.logger.info({ routine: 'nightly' }, 'backup started');
    const file = join(logs, 'tidemark-2024-03-09.log');
    assert.equal(log.currentFile(), file);
    // Synchronous: readable before close, so an exit right after logging loses nothing.
    const [line] = read(file);
    assert.equal(line!.msg, 'backup started');
    assert.equal(line!.routine, 'nightly');
    assert.equal(line!.time, at(2024, 3, 9, 8, 30));
    assert.equal(line!.level, 30);
    await log.close();
  });

  test('a line of a new day starts a new file', async () => {
    const clock = new ManualClock(at(2024, 3, 9, 23, 59, 59, 500));
    const log = createLogger({ dataDir: dir, secrets: () => [], clock });
    log.logger.info('before midnight');
    clock.advance(400);
    log.logger.info('still the 9th');
    clock.advance(200);
    log.logger.info('after midnight');
    clock.advance(24 * HOUR);
    log.logger.child({ component: 'scheduler' }).info('the day after');
    await log.close();
    assert.deepEqual(readdirSync(logs).sort(), ['tidemark-2024-03-09.log', 'tidemark-2024-03-10.log', 'tidemark-2024-03-11.log']);
    assert.deepEqual(
      read(join(logs, 'tidemark-2024-03-09.log')).map((l) => l.msg),
      ['before midnight', 'still the 9th'],
    );
    assert.deepEqual(
      read(join(logs, 'tidemark-2024-03-10.log')).map((l) => l.msg),
      ['after midnight'],
    );
    const [last] = read(join(logs, 'tidemark-2024-03-11.log'));
    assert.equal(last!.msg, 'the day after');
    assert.equal(last!.component, 'scheduler');
  });

  test('restarting on the same day appends to that day’s file', async () => {
    const clock = new ManualClock(at(2024, 3, 9));
    const first = createLogger({ dataDir: dir, secrets: () => [], clock });
    first.logger.info('first run');
    await first.close();
    const second = createLogger({ dataDir: dir, secrets: () => [], clock });
    second.logger.info('second run');
    await second.close();
    assert.deepEqual(
      read(join(logs, 'tidemark-2024-03-09.log')).map((l) => l.msg),
      ['first run', 'second run'],
    );
  });

  test('files older than retainDays are removed at startup and at each day switch; other files stay', async () => {
    mkdirSync(logs, { recursive: true });
    const today = at(2024, 3, 31);
    for (let back = 0; back < 20; back++) writeFileSync(join(logs, logFileName(today - back * 24 * HOUR)), 'old\n');
    writeFileSync(join(logs, 'notes.txt'), 'mine');
    writeFileSync(join(logs, 'tidemark-2020-01-01.log.bak'), 'mine too');
    const clock = new ManualClock(today);
    const log = createLogger({ dataDir: dir, secrets: () => [], clock, retainDays: 7 });
    const kept = (): string[] => readdirSync(logs).sort();
    assert.deepEqual(kept(), [
      'notes.txt',
      'tidemark-2020-01-01.log.bak',
      'tidemark-2024-03-25.log',
      'tidemark-2024-03-26.log',
      'tidemark-2024-03-27.log',
      'tidemark-2024-03-28.log',
      'tidemark-2024-03-29.log',
      'tidemark-2024-03-30.log',
      'tidemark-2024-03-31.log',
    ]);
    clock.set(at(2024, 4, 1, 0, 0, 1));
    log.logger.info('new day');
    await log.close();
    assert.deepEqual(kept(), [
      'notes.txt',
      'tidemark-2020-01-01.log.bak',
      'tidemark-2024-03-26.log',
      'tidemark-2024-03-27.log',
      'tidemark-2024-03-28.log',
      'tidemark-2024-03-29.log',
      'tidemark-2024-03-30.log',
      'tidemark-2024-03-31.log',
      'tidemark-2024-04-01.log',
    ]);
  });

  test('levels: lines below the level are dropped, and the level can change while running', async () => {
    const clock = new ManualClock(at(2024, 3, 9));
    const log = createLogger({ dataDir: dir, secrets: () => [], clock, level: 'warn' });
    const engine = log.logger.child({ component: 'engine' });
    engine.trace('t1');
    engine.debug('d1');
    engine.info('i1');
    engine.warn('w1');
    engine.error('e1');
    engine.fatal('f1');
    log.logger.level = 'debug';
    log.logger.debug('d2');
    log.logger.trace('t2');
    log.logger.level = 'silent';
    log.logger.fatal('f2');
    await log.close();
    const lines = read(join(logs, 'tidemark-2024-03-09.log'));
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg]),
      [
        [40, 'w1'],
        [50, 'e1'],
        [60, 'f1'],
        [20, 'd2'],
      ],
    );
  });

  test('lines logged after close are still appended, never lost', async () => {
    const clock = new ManualClock(at(2024, 3, 9));
    const log = createLogger({ dataDir: dir, secrets: () => ['late-secret'], clock });
    log.logger.info('before close');
    await log.close();
    await log.close();
    log.logger.warn('a late callback with late-secret');
    assert.deepEqual(
      read(join(logs, 'tidemark-2024-03-09.log')).map((l) => l.msg),
      ['before close', 'a late callback with [REDACTED]'],
    );
  });

  test('a file that cannot be written is reported once, and logging resumes when it can be', async () => {
    const clock = new ManualClock(at(2024, 3, 9));
    const errors: Error[] = [];
    // A folder where the day's file should be: opening it for append fails.
    mkdirSync(join(logs, 'tidemark-2024-03-09.log'), { recursive: true });
    const log = createLogger({ dataDir: dir, secrets: () => [], clock, onError: (e) => errors.push(e) });
    log.logger.info('lost 1');
    log.logger.info('lost 2');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /tidemark-2024-03-09\.log/);
    rmSync(join(logs, 'tidemark-2024-03-09.log'), { recursive: true });
    log.logger.info('written');
    await log.close();
    assert.deepEqual(
      read(join(logs, 'tidemark-2024-03-09.log')).map((l) => l.msg),
      ['written'],
    );
  });

  test('the log folder is created, and a data folder that cannot hold one is a clear error', () => {
    const log = createLogger({ dataDir: join(dir, 'a', 'b'), secrets: () => [] });
    assert.equal(existsSync(join(dir, 'a', 'b', 'logs')), true);
    assert.equal(log.dir, join(dir, 'a', 'b', 'logs'));
    void log.close();
    writeFileSync(join(dir, 'file'), 'not a folder');
    assert.throws(() => createLogger({ dataDir: join(dir, 'file'), secrets: () => [] }), /^Error: cannot create the log folder .*file\/logs/);
  });

  test('bad options are refused naming the option', () => {
    assert.throws(() => createLogger({ dataDir: dir, secrets: () => [], level: 'verbose' as 'info' }), /^Error: level: 'verbose' is not a log level \(one of fatal, error, warn, info, debug, trace, silent\)$/);
    assert.throws(() => createLogger({ dataDir: dir, secrets: () => [], retainDays: 0 }), /^Error: retainDays: must be a whole number of days from 1 to 3650 \(got 0\)$/);
    assert.throws(() => createLogger({ dataDir: dir, secrets: () => [], retainDays: 1.5 }), /retainDays: .*\(got 1\.5\)/);
  });

  test('localDay names the local calendar day', () => {
    assert.equal(localDay(at(2024, 12, 31, 23, 59, 59, 999)), '2024-12-31');
    assert.equal(localDay(at(2025, 1, 1, 0, 0, 0, 0)), '2025-01-01');
  });

  test('silentLogger logs nothing and accepts everything', () => {
    const l = silentLogger();
    assert.equal(l.isLevelEnabled('fatal'), false);
    l.child({ component: 'x' }).error(new Error('ignored'));
  });
});
