import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLocation } from './router.js';

test('routes are the last path segment; what comes before is the mount point', () => {
  assert.deepEqual(parseLocation('/', ''), { base: '/', route: 'dashboard', params: {} });
  assert.deepEqual(parseLocation('/jobs', '?job=abc'), { base: '/', route: 'jobs', params: { job: 'abc' } });
  assert.deepEqual(parseLocation('/ui/restore', ''), { base: '/ui/', route: 'restore', params: {} });
  assert.deepEqual(parseLocation('/ui/', ''), { base: '/ui/', route: 'dashboard', params: {} });
  assert.equal(parseLocation('/app/index.html', '').route, 'dashboard');
});
