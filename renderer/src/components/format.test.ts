import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etaMs, formatBytes, formatCount, formatDuration, formatRelative, plural } from './format.js';

test('numbers for people', () => {
  assert.equal(formatCount(1204331), '1,204,331');
  assert.equal(formatBytes(1_200_000_000), '1.2 GB');
  assert.equal(formatBytes(532), '532 B');
  assert.equal(formatBytes(48_000), '48 KB');
  assert.equal(formatDuration(48_000), '48 s');
  assert.equal(formatDuration(300), '<1 s');
  assert.equal(formatDuration(200_000), '3 min 20 s');
  assert.equal(formatDuration(7_500_000), '2 h 5 min');
  assert.equal(formatDuration(3 * 86_400_000 + 4 * 3_600_000), '3 d 4 h');
  assert.equal(formatRelative(0, 180_000), '3 min ago');
  assert.equal(formatRelative(7_200_000, 0), 'in 2 h');
  assert.equal(formatRelative(1000, 0), 'in a moment');
  assert.equal(etaMs(100, 50, 10), 5000);
  assert.equal(etaMs(100, 100, 10), undefined);
  assert.equal(plural(1, 'routine'), '1 routine');
  assert.equal(plural(1200, 'record'), '1,200 records');
});
