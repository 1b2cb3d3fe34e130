import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ManualClock } from '../../electron/core/service/clock.js';
import { openStateDatabase } from '../../electron/core/state/state-db.js';
import { tempFolder } from './helpers.js';

function setup(t: TestContext) {
  const clock = new ManualClock(10_000);
  const db = openStateDatabase(join(tempFolder(t), 'state.db'), clock);
  t.after(() => db.close());
  return { db, clock, events: db.events };
}

test('events: append stamps the clock time and reads back with its JSON data', (t) => {
  const { events, clock } = setup(t);
  const e = events.append({ kind: 'job-finished', routine: 'nightly', jobId: 'j1', message: 'backup done', data: { records: 5, keys: ['a'] } });
  assert.deepEqual(e, { id: e.id, time: 10_000, kind: 'job-finished', routine: 'nightly', jobId: 'j1', message: 'backup done', data: { records: 5, keys: ['a'] } });
  clock.advance(5);
  const plain = events.append({ kind: 'config-changed', message: 'routine added', time: 3 });
  assert.deepEqual(events.list(), [e, plain].sort((x, y) => y.time - x.time));
  assert.equal('data' in plain, false);
});

test('events: list filters by time range, kind and routine, newest first, with a limit', (t) => {
  const { events } = setup(t);
  const add = (time: number, kind: string, routine?: string) =>
    events.append({ time, kind, message: `${kind}@${time}`, ...(routine && { routine }) }).message;
  add(100, 'job-started', 'r1');
  add(200, 'job-finished', 'r1');
  add(200, 'retention', 'r2');
  add(300, 'schedule-changed');
  add(400, 'job-started', 'r2');
  const list = (q: Parameters<typeof events.list>[0]) => events.list(q).map((e) => e.message);
  assert.deepEqual(list({}), ['job-started@400', 'schedule-changed@300', 'retention@200', 'job-finished@200', 'job-started@100']);
  assert.deepEqual(list({ from: 200, to: 300 }), ['schedule-changed@300', 'retention@200', 'job-finished@200']);
  assert.deepEqual(list({ kind: 'job-started' }), ['job-started@400', 'job-started@100']);
  assert.deepEqual(list({ kind: ['job-started', 'job-finished'], routine: 'r1' }), ['job-finished@200', 'job-started@100']);
  assert.deepEqual(list({ routine: 'r2', limit: 1 }), ['job-started@400']);
});

test('events: prune deletes events older than the given age and reports how many', (t) => {
  const { events, clock } = setup(t);
  for (const time of [1_000, 5_000, 9_000, 10_000]) events.append({ time, kind: 'retention', message: String(time) });
  clock.set(11_000);
  assert.equal(events.prune(6_000), 1);
  assert.deepEqual(events.list().map((e) => e.time), [10_000, 9_000, 5_000]);
  assert.equal(events.prune(6_000), 0);
  assert.equal(events.prune(0), 3);
  assert.throws(() => events.prune(-1), /olderThanMs: expected a non-negative whole number/);
});

test('events: bad events and queries are refused naming the field', (t) => {
  const { events } = setup(t);
  assert.throws(() => events.append({ kind: 'Job Finished', message: 'x' }), /event: kind: must be a kebab-case word/);
  assert.throws(() => events.append({ kind: 'retention', message: 'x', routine: '' }), /event: routine: /);
  assert.throws(() => events.append({ kind: 'retention', message: 'x', data: { n: 1n } }), /event data: cannot be stored as JSON/);
  assert.throws(() => events.list({ limit: 0 }), /event query: limit: /);
  assert.throws(() => events.list({ kind: [] }), /event query: kind/);
  assert.deepEqual(events.list(), []);
});

test('events: data that is no longer valid JSON is shown as its text, not dropped', (t) => {
  const { db, events } = setup(t);
  const e = events.append({ kind: 'retention', message: 'x', data: { a: 1 } });
  db.connection.prepare('UPDATE events SET data = ? WHERE id = ?').run('{"a": 1', e.id);
  assert.equal(events.list()[0]?.data, '{"a": 1');
});
