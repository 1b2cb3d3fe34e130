import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, JobType } from '../../shared/schemas/job.js';
import { formatDuration, notificationFor } from '../../electron/main/notifications/notification-model.js';

const T0 = Date.UTC(2025, 0, 15, 10, 0, 0);

function job(over: Partial<Job> & Pick<Job, 'type' | 'status'>): Job {
  return { id: `job-${over.type}-${over.status}`, trigger: 'on-demand', routine: 'nightly', 'created-at': T0, 'started-at': T0, 'finished-at': T0 + 200_000, ...over };
}

const TYPES: Array<[JobType, string]> = [
  ['backup', 'Backup'],
  ['restore', 'Restore'],
  ['verify', 'Verification'],
  ['copy', 'Copy'],
  ['merge', 'Merge'],
  ['delete', 'Delete'],
  ['retention', 'Retention'],
];

test('notifications: a failed job of every type is critical, with routine, type and the first error line', () => {
  for (const [type, word] of TYPES) {
    const j = job({ type, status: 'failure', error: `${type} went wrong: disk full\n    at write (file.ts:1)\n    at next` });
    const n = notificationFor({ type: 'finished', job: j }, {});
    assert.ok(n, type);
    assert.equal(n.urgency, 'critical');
    assert.equal(n.kind, 'job-failed');
    assert.equal(n.title, `${word} of nightly failed`);
    assert.equal(n.body, `${type} went wrong: disk full`);
    assert.equal(n.jobId, j.id);
  }
});

test('notifications: a failed backup names full or incremental; a job without routine or error still reads well', () => {
  const incr = notificationFor({ type: 'finished', job: job({ type: 'backup', 'backup-type': 'incremental', status: 'failure', error: 'timeout' }) });
  assert.equal(incr?.title, 'Incremental backup of nightly failed');
  const bare = notificationFor({ type: 'finished', job: job({ type: 'copy', routine: undefined, status: 'failure' }) });
  assert.equal(bare?.title, 'Copy failed');
  assert.equal(bare?.body, 'No error message was recorded.');
});

test('notifications: an interrupted job says so, and long errors are cut', () => {
  const n = notificationFor({
    type: 'finished',
    job: job({ type: 'backup', 'backup-type': 'full', status: 'failure', interrupted: true, error: `interrupted: the process running this job stopped ${'x'.repeat(400)}` }),
  });
  assert.equal(n?.title, 'Full backup of nightly was interrupted');
  assert.equal(n?.urgency, 'critical');
  assert.ok(n && n.body.length <= 200 && n.body.endsWith('…'));
});

test('notifications: a finished restore is normal, with records written and duration', () => {
  const j = job({ type: 'restore', status: 'success', stats: { 'inserted-records': 1_204_331, 'existed-records': 0, 'fresher-records': 0 }, 'finished-at': T0 + 200_000 });
  const n = notificationFor({ type: 'finished', job: j });
  assert.deepEqual(n, { kind: 'restore-finished', title: 'Restore of nightly finished', body: '1,204,331 records written in 3 min 20 s.', urgency: 'normal', jobId: j.id });
  const present = notificationFor({ type: 'finished', job: job({ type: 'restore', status: 'success', stats: { 'inserted-records': 1, 'existed-records': 5, 'fresher-records': 2 }, 'finished-at': T0 + 400 }) });
  assert.equal(present?.body, '1 record written in <1 s (7 already present or newer).');
});

test('notifications: successful jobs other than restores, canceled and skipped jobs do not notify', () => {
  for (const [type] of TYPES) if (type !== 'restore') assert.equal(notificationFor({ type: 'finished', job: job({ type, status: 'success' }) }), undefined, type);
  assert.equal(notificationFor({ type: 'finished', job: job({ type: 'restore', status: 'canceled', error: 'canceled' }) }), undefined);
  assert.equal(notificationFor({ type: 'finished', job: job({ type: 'backup', status: 'skipped', reason: 'busy' }) }), undefined);
});

test('notifications: non-terminal events are ignored, even for a job that carries an error', () => {
  for (const type of ['created', 'started', 'progress'] as const) {
    assert.equal(notificationFor({ type, job: job({ type: 'backup', status: 'failure', error: 'x' }) }), undefined, type);
    assert.equal(notificationFor({ type, job: job({ type: 'restore', status: 'running' }) }), undefined, type);
  }
});

test('notifications: settings switch each kind off on its own; unset means on', () => {
  const failed = { type: 'finished' as const, job: job({ type: 'verify', status: 'failure', error: 'checksum mismatch' }) };
  const restored = { type: 'finished' as const, job: job({ type: 'restore', status: 'success', stats: { 'inserted-records': 3 } }) };
  assert.equal(notificationFor(failed, { 'job-failed': false }), undefined);
  assert.ok(notificationFor(restored, { 'job-failed': false }));
  assert.equal(notificationFor(restored, { 'restore-finished': false }), undefined);
  assert.ok(notificationFor(failed, { 'restore-finished': false }));
  assert.ok(notificationFor(failed, { 'job-failed': true }));
  assert.ok(notificationFor(failed));
  // A failed restore is a failure, governed by the failure switch.
  const failedRestore = { type: 'finished' as const, job: job({ type: 'restore', status: 'failure', error: 'x' }) };
  assert.ok(notificationFor(failedRestore, { 'restore-finished': false }));
  assert.equal(notificationFor(failedRestore, { 'job-failed': false }), undefined);
});

test('notifications: durations read naturally', () => {
  assert.equal(formatDuration(400), '<1 s');
  assert.equal(formatDuration(48_000), '48 s');
  assert.equal(formatDuration(120_000), '2 min');
  assert.equal(formatDuration(2 * 3_600_000 + 5 * 60_000), '2 h 5 min');
});
