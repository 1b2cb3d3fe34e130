import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CatalogBackup } from '../../../../shared/schemas/catalog.js';
import type { Job } from '../../../../shared/schemas/job.js';
import type { RoutineConfig } from '../../../../shared/schemas/config.js';
import { cronIntervalMs, routineHealth, summary } from './health.js';

const H = 3_600_000;
const now = Date.UTC(2026, 5, 10, 12, 0, 0);
const routine: RoutineConfig = { 'backup-policy': 'p', 'source-cluster': 'c', storage: 's', 'interval-cron': '0 0 * * * *', namespaces: [] };
const b = (ageH: number): CatalogBackup => ({ key: `k${ageH}`, storage: 's', routine: 'r', namespace: 'test', kind: 'full', created: '', timestamp: now - ageH * H, 'byte-count': 10, compression: 'none', encryption: 'none', foreign: false });
const job = (status: Job['status'], ageH: number, error?: string): Job => ({ id: `j${ageH}`, type: 'backup', routine: 'r', trigger: 'schedule', status, 'created-at': now - ageH * H, 'finished-at': now - ageH * H, ...(error ? { error } : {}) });
const fmt = (ms: number) => `${ms / H}h`;

test('health: protected, stale past twice the interval, failed, never, disabled', () => {
  assert.equal(cronIntervalMs('0 0 * * * *', now), H);
  assert.equal(cronIntervalMs('*/15 * * * *', now), 15 * 60_000);
  assert.equal(cronIntervalMs('nonsense', now), undefined);

  const ok = routineHealth('r', routine, [b(1.5), b(30)], [job('success', 1.5)], now, fmt);
  assert.equal(ok.health, 'ok');
  assert.equal(ok.bytes, 20);
  assert.equal(ok.newest, now - 1.5 * H);

  const stale = routineHealth('r', routine, [b(3)], [], now, fmt);
  assert.equal(stale.health, 'stale');
  assert.equal(stale.reason, 'The newest restore point is 3h old; the schedule runs every 1h');

  const failed = routineHealth('r', routine, [b(0.5)], [job('failure', 0.2, 'connection refused'), job('success', 0.5)], now, fmt);
  assert.equal(failed.health, 'failed');
  assert.match(failed.reason, /connection refused/);
  // A later success clears the failure.
  assert.equal(routineHealth('r', routine, [b(0.1)], [job('failure', 0.5), job('success', 0.1)], now, fmt).health, 'ok');

  assert.equal(routineHealth('r', routine, [], [], now, fmt).health, 'never');
  assert.equal(routineHealth('r', { ...routine, disabled: true }, [b(100)], [], now, fmt).health, 'disabled');
  // Incrementals every 15 minutes make an hour-old restore point stale.
  assert.equal(routineHealth('r', { ...routine, 'incr-interval-cron': '0 */15 * * * *' }, [b(1)], [], now, fmt).health, 'stale');
});

test('summary line', () => {
  const h = (health: 'ok' | 'stale' | 'disabled') => ({ name: 'x', health, reason: '', bytes: 0, backups: 0 });
  assert.deepEqual(summary([h('ok'), h('ok'), h('disabled')]), { ok: true, text: 'All 3 routines protected' });
  assert.deepEqual(summary([h('ok'), h('stale')]), { ok: false, text: '1 routine needs attention' });
  assert.equal(summary([]).ok, false);
});
