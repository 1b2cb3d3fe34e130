import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import Aerospike from 'aerospike';
import { errorCode, infoValue, testbedStats, useTestbed } from './helpers.js';

// The C client refuses a tender interval below 250 ms ("Invalid tend interval: 20. min value: 250"),
// so four clients tend in parallel to reach ~100 tends in a few seconds.
const TEND_MS = 250;
const TENDS = 100;
const CLIENTS = 4;

describe('connect and tend', () => {
  const env = useTestbed({}, { tenderInterval: TEND_MS });

  test(`${CLIENTS} clients tend ${TENDS} times at ${TEND_MS} ms without logging a warning`, async () => {
    const clients = [env.client];
    for (let i = 1; i < CLIENTS; i++) clients.push(await env.connect());
    const start = (await testbedStats(env.client)).tends!;
    assert.ok(start >= 0, 'testbed-stats reports a tends counter');
    // Poll the testbed's own counter of tend requests (node + peers-generation + partition-generation).
    const deadline = Date.now() + 30_000;
    let tends = start;
    while (tends - start < TENDS) {
      assert.ok(Date.now() < deadline, `only ${tends - start} tends in 30 s`);
      await delay(TEND_MS);
      tends = (await testbedStats(env.client)).tends!;
    }
    assert.deepEqual(env.clientLog(), [], 'client logged warnings/errors while tending');
    for (const c of clients) {
      assert.equal(c.isConnected(), true);
      assert.equal(c.isConnected(true), true, 'tender reports errors');
      const stats = c.stats();
      assert.equal(stats.nodes.length, 1);
      assert.equal(stats.nodes[0]!.errorCount, 0);
      assert.equal(stats.nodes[0]!.timeoutCount, 0);
    }
    // The clients still work after all that tending.
    const key = new Aerospike.Key('test', 'tend', 1);
    await clients[CLIENTS - 1]!.put(key, { n: 1 });
    assert.deepEqual((await env.client.get(key)).bins, { n: 1 });
  });

  test('node, build, features, replicas and peers answer in the real formats', async () => {
    const raw = await env.client.infoAny('node');
    assert.match(raw, /^node\t[^\t\n]+\n$/, 'answer echoes the command, a tab, the value and a newline');
    const node = infoValue(raw);
    assert.match(node, /^[0-9A-F]{1,19}$/);
    assert.equal(env.client.stats().nodes[0]!.name, node, 'the node name the client tends is the one `node` reports');

    assert.match(await env.info('build'), /^\d+\.\d+\.\d+\.\d+$/);

    const features = (await env.info('features')).split(';');
    for (const f of ['pscans', 'pquery', 'batch-any', 'query-show', 'peers', 'replicas']) assert.ok(features.includes(f), `features lacks ${f}`);

    const replicas = await env.info('replicas');
    const groups = replicas.split(';');
    assert.deepEqual(
      groups.map((g) => g.split(':')[0]),
      ['test', 'bar'],
    );
    for (const g of groups) {
      const [regime, rf, ...maps] = g.split(':')[1]!.split(',');
      assert.equal(regime, '0');
      assert.equal(rf, '1');
      assert.equal(maps.length, 1);
      assert.equal(maps[0]!.length, 684);
      const bits = Buffer.from(maps[0]!, 'base64');
      assert.equal(bits.length, 512);
      assert.ok(bits.every((b) => b === 0xff), 'a single node masters all 4096 partitions');
    }

    assert.match(await env.info('peers-clear-std'), /^\d+,\d*,\[\]$/);
    assert.match(await env.info('partition-generation'), /^\d+$/);
    assert.match(await env.info('peers-generation'), /^\d+$/);
  });

  test('several commands in one request are answered in order', async () => {
    const raw = await env.client.infoAny('namespaces\nbuild\n');
    const lines = raw.split('\n');
    assert.equal(lines[0], 'namespaces\ttest;bar');
    assert.match(lines[1]!, /^build\t\d+\.\d+\.\d+\.\d+$/);
  });

  test('an unknown info command is an error, not a hang', async () => {
    assert.equal(await errorCode(env.client.infoAny('no-such-command')), Aerospike.status.ERR_REQUEST_INVALID);
  });
});
