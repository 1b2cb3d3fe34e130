import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CatalogBackup, TimelineMark } from '../../../../shared/schemas/catalog.js';
import { buildMarks, chainAt, chainFromPlan, effectiveSentence, fittingZoom, pointAtOrBefore, restorePoints, snapTime, stepCursor, ticks, timeToX, xToTime, zoomRange } from './timeline-model.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 5, 1, 0, 0, 0);

function backup(kind: 'full' | 'incremental', hour: number, o: Partial<CatalogBackup> = {}): CatalogBackup {
  const ts = T0 + hour * H;
  return { key: `daily/${kind === 'full' ? 'backup' : 'incremental'}/${ts}/data/${o.namespace ?? 'test'}`, storage: 'disk', routine: 'daily', namespace: 'test', kind, created: new Date(ts).toISOString(), timestamp: ts, 'record-count': kind === 'full' ? 1000 : 10, 'byte-count': kind === 'full' ? 100_000 : 1000, compression: 'none', encryption: 'none', foreign: false, ...o };
}
const failed: TimelineMark = { 'job-id': 'j1', status: 'failure', 'backup-type': 'incremental', time: T0 + 5 * H, trigger: 'schedule', message: 'connection refused' };
const skipped: TimelineMark = { 'job-id': 'j2', status: 'skipped', time: T0 + 7 * H, trigger: 'schedule', message: 'routine busy' };

const points = [backup('full', 0), backup('incremental', 2), backup('incremental', 4), backup('full', 6), backup('incremental', 8), backup('full', 1, { namespace: 'bar' }), backup('incremental', 3, { namespace: 'bar' })];

test('marks: restore points and runs without one, oldest first, filtered by namespace', () => {
  const marks = buildMarks(points, [failed, skipped]);
  assert.deepEqual(
    marks.map((m) => [m.kind, (m.time - T0) / H]),
    [['full', 0], ['full', 1], ['incremental', 2], ['incremental', 3], ['incremental', 4], ['failed', 5], ['full', 6], ['skipped', 7], ['incremental', 8]],
  );
  const test = buildMarks(points, [failed], 'test');
  assert.equal(test.filter((m) => m.namespace === 'bar').length, 0);
  assert.equal(test.find((m) => m.kind === 'failed')?.run?.message, 'connection refused', 'runs stay whatever the namespace');
  assert.deepEqual(restorePoints(marks).map((t) => (t - T0) / H), [0, 1, 2, 3, 4, 6, 8]);
});

test('chain: newest full at or before the time, then its incrementals, per namespace', () => {
  const c = chainAt(points, T0 + 5 * H);
  assert.deepEqual(c.steps.map((b) => `${b.namespace}:${b.kind}@${(b.timestamp - T0) / H}`), ['bar:full@1', 'bar:incremental@3', 'test:full@0', 'test:incremental@2', 'test:incremental@4']);
  assert.equal(c.effective, T0 + 4 * H);
  assert.equal(c.records, 1000 + 10 + 1000 + 10 + 10);
  assert.equal(c.bytes, 100_000 * 2 + 3000);

  const later = chainAt(points, T0 + 9 * H, 'test');
  assert.deepEqual(later.steps.map((b) => (b.timestamp - T0) / H), [6, 8], 'a newer full starts a new chain');
  assert.equal(later.effective, T0 + 8 * H);

  const exact = chainAt(points, T0 + 6 * H, 'test');
  assert.deepEqual(exact.steps.map((b) => b.kind), ['full'], 'a backup at exactly the time is included');
  assert.match(effectiveSentence(exact, (ms) => String((ms - T0) / H)), /as of 6 \(a backup started exactly then\)/);
  assert.equal(effectiveSentence(c, (ms) => String((ms - T0) / H)), 'Restores the state as of 4 (the newest backup at or before 5)');
});

test('chain: before the first full there is nothing to restore, and the message says when it starts', () => {
  const c = chainAt(points, T0 - H, 'test');
  assert.equal(c.effective, undefined);
  assert.match(c.error ?? '', /first one is from 2026-06-01T00:00:00.000Z/);
  assert.match(chainAt([], T0).error ?? '', /no full backup yet/);
  assert.match(effectiveSentence(c, String), /no full backup at or before/);
  // Incrementals without a full at or before the time do not make a chain.
  assert.equal(chainAt([backup('incremental', 1)], T0 + 2 * H).steps.length, 0);
});

test('chain: failed verification and unverified backups are warned about', () => {
  const verified = { at: T0, ok: true };
  const list = [backup('full', 0, { verification: verified }), backup('incremental', 1, { verification: { at: T0, ok: false, message: 'sha256 mismatch in test_1.asb' } }), backup('incremental', 2)];
  const c = chainAt(list, T0 + 3 * H);
  assert.deepEqual(c.warnings.map((w) => w.code), ['verification-failed', 'unverified']);
  assert.match(c.warnings[0]!.message, /sha256 mismatch/);
  assert.match(c.warnings[1]!.message, /1 of 3 backups in this chain has not been verified/);
});

test("the server's plan is used as it is", () => {
  const steps = [backup('full', 0)];
  const c = chainFromPlan({ requested: T0 + H, effective: T0, steps, records: 1000, bytes: 5, warnings: [] });
  assert.equal(c.effective, T0);
  assert.equal(c.bytes, 5);
});

test('keyboard stepping between restore points', () => {
  const p = [T0, T0 + 2 * H, T0 + 4 * H];
  assert.equal(stepCursor(p, T0 + 3 * H, 'prev'), T0 + 2 * H);
  assert.equal(stepCursor(p, T0 + 2 * H, 'prev'), T0);
  assert.equal(stepCursor(p, T0, 'prev'), T0, 'stays on the first');
  assert.equal(stepCursor(p, T0 + 3 * H, 'next'), T0 + 4 * H);
  assert.equal(stepCursor(p, T0 + 4 * H, 'next'), T0 + 4 * H, 'stays on the last');
  assert.equal(stepCursor(p, T0 + 3 * H, 'first'), T0);
  assert.equal(stepCursor(p, T0, 'last'), T0 + 4 * H);
  assert.equal(stepCursor([], 42, 'next'), 42);
  assert.equal(pointAtOrBefore(p, T0 + 3 * H), T0 + 2 * H);
  assert.equal(pointAtOrBefore(p, T0 - 1), undefined);
});

test('zoom ranges, pixel mapping, snapping and ticks', () => {
  const marks = buildMarks(points, []);
  const now = T0 + 10 * H;
  const all = zoomRange('all', marks, now);
  assert.ok(all.from < T0 && all.to > now);
  const day = zoomRange('1d', marks, now);
  assert.equal(day.from, now - 24 * H);
  const centred = zoomRange('6h', marks, now, T0 - 30 * H);
  assert.equal(centred.from, T0 - 33 * H, 'a cursor off-screen is centred');
  assert.equal(fittingZoom(marks, now), '1d');
  assert.equal(fittingZoom([], now), '15m');

  const r = { from: T0, to: T0 + 10 * H };
  assert.equal(timeToX(T0 + 5 * H, r, 1000), 500);
  assert.equal(xToTime(500, r, 1000), T0 + 5 * H);
  assert.equal(xToTime(-20, r, 1000), T0, 'clamped to the axis');
  assert.equal(snapTime(T0 + 5 * H + 60_000, [T0 + 5 * H], r, 1000), T0 + 5 * H, '1.7 px away snaps');
  assert.equal(snapTime(T0 + 6 * H, [T0 + 5 * H], r, 1000), T0 + 6 * H, '100 px away does not');

  const t = ticks(r);
  assert.ok(t.length >= 3 && t.length <= 10, `${t.length} ticks`);
  assert.ok(t.every((x, i) => i === 0 || x > t[i - 1]!));
  assert.ok(t.every((x) => x >= r.from && x <= r.to));
});
