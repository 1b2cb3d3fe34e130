import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeClusterTest, describeStorageTest } from './connection-test-model.js';

test('cluster test: nodes, build, and each namespace with its sets', () => {
  const s = describeClusterTest({ ok: true, build: '8.1.0.0', nodes: 3, 'connect-ms': 12, namespaces: [{ name: 'test', objects: 1500, sets: [{ name: 'people', objects: 1200 }] }, { name: 'bar', objects: 0, sets: [] }] });
  assert.equal(s.ok, true);
  assert.equal(s.title, 'Connected in 12 ms: 3 nodes, Aerospike 8.1.0.0');
  assert.deepEqual(s.lines, ['test: 1,500 records (people 1,200)', 'bar: 0 records (no sets)']);
  assert.deepEqual(describeClusterTest({ ok: false, error: 'could not connect to the cluster: ECONNREFUSED' }), { ok: false, title: 'Could not connect', lines: ['could not connect to the cluster: ECONNREFUSED'] });
});

test('storage test: timings, or the step that failed', () => {
  assert.match(describeStorageTest({ ok: true, 'write-ms': 3, 'read-ms': 1, 'delete-ms': 2, location: 'local folder /x' }).lines[0]!, /write 3 ms · read 1 ms · delete 2 ms/);
  assert.equal(describeStorageTest({ ok: false, step: 'read', error: 'boom' }).title, 'Could not read the test file back');
});
