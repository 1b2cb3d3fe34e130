import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Aerospike from 'aerospike';
import { errorCode, infoValue, parsePairs, testbedStats, useTestbed } from './helpers.js';

const { status } = Aerospike;
const noRetry = new Aerospike.WritePolicy({ maxRetries: 0 });

describe('fault injection through info commands', () => {
  const env = useTestbed();
  const fault = async (params: string): Promise<Map<string, string>> => parsePairs(infoValue(await env.client.infoAny(`testbed-fault:${params}`)));

  test('testbed-fault without parameters reports the current (default) settings', async () => {
    const f = parsePairs(await env.info('testbed-fault'));
    assert.equal(f.get('fail-write-fraction'), '0');
    assert.equal(f.get('delay-ms'), '0');
  });

  test('fail-write-fraction: some writes fail with the configured code; the count matches testbed-stats', async () => {
    const before = await testbedStats(env.client);
    const set = await fault('fail-write-fraction=0.5;fail-write-code=18');
    assert.equal(set.get('fail-write-fraction'), '0.5');
    assert.equal(set.get('fail-write-code'), '18');

    const N = 80;
    const failed: number[] = [];
    const codes = new Set<number>();
    for (let i = 0; i < N; i++) {
      try {
        await env.client.put(new Aerospike.Key('test', 'faulty', i), { i }, null, noRetry);
      } catch (err) {
        failed.push(i);
        codes.add((err as { code: number }).code);
      }
    }
    assert.deepEqual([...codes], [status.ERR_DEVICE_OVERLOAD], 'every failure carries the configured code');
    assert.ok(failed.length > N * 0.2 && failed.length < N * 0.8, `${failed.length} of ${N} failed`);
    const after = await testbedStats(env.client);
    assert.equal(after.injectedWriteFailures! - before.injectedWriteFailures!, failed.length);
    assert.equal(after.writes! - before.writes!, N - failed.length);

    // Failed writes were not applied; reads are never failed.
    await fault('clear');
    const exists = await env.client.batchExists(Array.from({ length: N }, (_, i) => new Aerospike.Key('test', 'faulty', i)));
    const missing = exists.flatMap((r, i) => (r.status === status.ERR_RECORD_NOT_FOUND ? [i] : []));
    assert.deepEqual(missing, failed);
  });

  test('injected failures hit batch write rows too, reported per row', async () => {
    await fault('fail-write-fraction=1;fail-write-code=14');
    const res = await env.client.batchWrite(
      [0, 1, 2].map((i) => ({ type: Aerospike.batchType.BATCH_WRITE, key: new Aerospike.Key('test', 'faulty-batch', i), ops: [Aerospike.operations.write('i', i)] })),
      new Aerospike.BatchPolicy({ maxRetries: 0 }),
    );
    assert.deepEqual(
      res.map((r) => r.status),
      [status.ERR_RECORD_BUSY, status.ERR_RECORD_BUSY, status.ERR_RECORD_BUSY],
    );
    await fault('clear');
  });

  test('testbed-fault:clear restores normal behaviour', async () => {
    await fault('fail-write-fraction=1;fail-write-code=8');
    assert.equal(await errorCode(env.client.put(new Aerospike.Key('test', 'faulty', 'x'), { a: 1 }, null, noRetry)), status.ERR_SERVER_FULL);
    const cleared = await fault('clear');
    assert.equal(cleared.get('fail-write-fraction'), '0');
    assert.equal(cleared.get('fail-write-code'), '1');
    for (let i = 0; i < 20; i++) await env.client.put(new Aerospike.Key('test', 'faulty', `ok${i}`), { i }, null, noRetry);
  });

  test('delay-ms: a read with a shorter timeout times out; a patient read still succeeds', async () => {
    const key = new Aerospike.Key('test', 'slow', 1);
    await env.client.put(key, { a: 1 });
    await fault('delay-ms=400');
    const impatient = new Aerospike.ReadPolicy({ totalTimeout: 100, socketTimeout: 100, maxRetries: 0 });
    const t0 = Date.now();
    assert.equal(await errorCode(env.client.get(key, impatient)), status.ERR_TIMEOUT);
    assert.ok(Date.now() - t0 < 400, 'the client gave up before the delayed answer');
    const t1 = Date.now();
    const patient = new Aerospike.ReadPolicy({ totalTimeout: 5000, socketTimeout: 5000, maxRetries: 0 });
    assert.deepEqual((await env.client.get(key, patient)).bins, { a: 1 });
    assert.ok(Date.now() - t1 >= 350, 'the answer was delayed');
    await fault('clear');
    assert.deepEqual((await env.client.get(key, impatient)).bins, { a: 1 }, 'no delay after clear');
  });

  test('bad fault parameters are refused with a clear error (code 4) and change nothing', async () => {
    await fault('delay-ms=5');
    const cases: Array<[string, RegExp]> = [
      ['bogus=1', /unknown fault parameter 'bogus'/],
      ['fail-write-fraction=2', /fail-write-fraction.*between 0 and 1/],
      ['delay-ms=abc', /delay-ms.*non-negative number/],
      ['delay-ms=-5', /delay-ms.*non-negative number/],
      // A good pair before a bad one is not applied either.
      ['delay-ms=7;bogus=2', /unknown fault parameter 'bogus'/],
    ];
    for (const [params, message] of cases) {
      try {
        await env.client.infoAny(`testbed-fault:${params}`);
        assert.fail(`testbed-fault:${params} should be refused`);
      } catch (err) {
        assert.equal((err as { code: number }).code, status.ERR_REQUEST_INVALID, params);
        assert.match((err as Error).message, message);
      }
    }
    assert.equal(parsePairs(await env.info('testbed-fault')).get('delay-ms'), '5');
    await fault('clear');
    assert.equal(await errorCode(env.client.infoAny('testbed-clock:advance-ms=soon')), status.ERR_REQUEST_INVALID);
  });
});

describe('faults configured at start-up', () => {
  const env = useTestbed({ faults: { failWriteFraction: 1, failWriteCode: 8 } });

  test('every write fails with the configured code from the first command on', async () => {
    const key = new Aerospike.Key('test', 'startup', 1);
    assert.equal(await errorCode(env.client.put(key, { a: 1 }, null, noRetry)), status.ERR_SERVER_FULL);
    assert.equal(await env.client.exists(key), false);
    assert.equal((await testbedStats(env.client)).injectedWriteFailures, 1);
  });
});
