import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterSlots } from '../../electron/core/jobs/cluster-slots.js';

test('max-parallel-scans: grants up to the limit, queues the rest first come first served, per cluster', async () => {
  const slots = new ClusterSlots();
  const a = await slots.acquire('c', 3, 4);
  assert.equal(a.granted, 3);
  const other = await slots.acquire('d', 4, 4);
  assert.equal(other.granted, 4, 'another cluster has its own budget');
  // One scan is left on 'c': a job wanting 2 takes the one rather than wait while nobody queues.
  const b = await slots.acquire('c', 2, 4);
  assert.equal(b.granted, 1);
  const order: string[] = [];
  const c = slots.acquire('c', 2, 4).then((g) => (order.push('c'), g));
  const d = slots.acquire('c', 1, 4).then((g) => (order.push('d'), g));
  a.release();
  const [gc, gd] = await Promise.all([c, d]);
  assert.deepEqual(order, ['c', 'd']);
  assert.equal(gc.granted + gd.granted + b.granted <= 4, true);
  const ac = new AbortController();
  const waiting = slots.acquire('c', 4, 4, ac.signal);
  ac.abort(new Error('canceled'));
  await assert.rejects(waiting, /canceled/);
  b.release();
  gc.release();
  gd.release();
  assert.equal((await slots.acquire('c', 9, 4)).granted, 4, 'everything released');
});
