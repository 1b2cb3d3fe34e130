import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Aerospike from 'aerospike';
import { errorCode, useTestbed } from './helpers.js';

const { batchType, operations: ops, status } = Aerospike;

describe('batch commands', () => {
  const env = useTestbed();
  const key = (k: string | number, set = 'batch'): Aerospike.Key => new Aerospike.Key('test', set, k);
  const present = [key('a'), key('b'), key('c')];
  const missing = [key('missing-1'), key('missing-2')];

  before(async () => {
    await env.client.put(present[0]!, { n: 0, s: 'a', x: true });
    await env.client.put(present[1]!, { n: 1, s: 'b' });
    await env.client.put(present[2]!, { n: 2, s: 'c' }, { ttl: 500 });
  });

  test('batchRead: all bins, selected bins, metadata only, missing keys in between', async () => {
    const res = await env.client.batchRead([
      { key: present[0]!, readAllBins: true },
      { key: missing[0]!, readAllBins: true },
      { key: present[1]!, bins: ['s', 'nope'] },
      { key: present[2]!, readAllBins: false },
      { key: missing[1]!, bins: ['s'] },
    ]);
    assert.deepEqual(
      res.map((r) => r.status),
      [status.OK, status.ERR_RECORD_NOT_FOUND, status.OK, status.OK, status.ERR_RECORD_NOT_FOUND],
    );
    assert.deepEqual(res[0]!.record.bins, { n: 0, s: 'a', x: true });
    assert.deepEqual(res[2]!.record.bins, { s: 'b' });
    assert.deepEqual(res[3]!.record.bins, {}, 'readAllBins false without bins = metadata only');
    assert.equal(res[3]!.record.gen, 1);
    assert.ok(res[3]!.record.ttl > 490 && res[3]!.record.ttl <= 500, `ttl ${res[3]!.record.ttl}`);
    // Rows come back in request order, each with the caller's key.
    assert.deepEqual(
      res.map((r) => r.record.key.key),
      ['a', 'missing-1', 'b', 'c', 'missing-2'],
    );
  });

  test('batchGet / batchExists / batchSelect report missing keys as status 2', async () => {
    const keys = [present[0]!, missing[0]!, present[2]!];
    const got = await env.client.batchGet(keys);
    assert.deepEqual(
      got.map((r) => r.status),
      [status.OK, status.ERR_RECORD_NOT_FOUND, status.OK],
    );
    assert.deepEqual(got[2]!.record.bins, { n: 2, s: 'c' });

    const ex = await env.client.batchExists(keys);
    assert.deepEqual(
      ex.map((r) => r.status),
      [status.OK, status.ERR_RECORD_NOT_FOUND, status.OK],
    );
    assert.equal(ex[0]!.record.gen, 1);

    // (The typings say `bins` sits on the row; at run time it is on `record`, as for batchGet.)
    const sel = (await env.client.batchSelect(keys, ['s'])) as unknown as Aerospike.BatchResult[];
    assert.deepEqual(
      sel.map((r) => r.record.bins ?? null),
      [{ s: 'a' }, null, { s: 'c' }],
    );
  });

  test('batchGet of 3000 keys (several response protos), every third one missing', async () => {
    const rows = [];
    for (let i = 0; i < 3000; i++) {
      if (i % 3 !== 0) rows.push({ type: batchType.BATCH_WRITE, key: key(i, 'many'), ops: [ops.write('i', i), ops.write('pad', 'p'.repeat(100))] });
    }
    const written = await env.client.batchWrite(rows);
    assert.ok(written.every((r) => r.status === status.OK));
    const keys = Array.from({ length: 3000 }, (_, i) => key(i, 'many'));
    const got = await env.client.batchGet(keys);
    assert.equal(got.length, 3000);
    for (let i = 0; i < 3000; i++) {
      const r = got[i]!;
      if (i % 3 === 0) assert.equal(r.status, status.ERR_RECORD_NOT_FOUND, `row ${i}`);
      else {
        assert.equal(r.status, status.OK, `row ${i}`);
        assert.equal(r.record.bins.i, i);
      }
    }
  });

  test('batchWrite: write, remove and read rows in one batch, applied in order', async () => {
    const w = key('bw-write');
    const r = key('bw-remove');
    await env.client.put(r, { doomed: 1 });
    const res = await env.client.batchWrite([
      { type: batchType.BATCH_WRITE, key: w, ops: [ops.write('v', 1), ops.write('s', 'x')] },
      { type: batchType.BATCH_REMOVE, key: r },
      { type: batchType.BATCH_READ, key: w, readAllBins: true },
      { type: batchType.BATCH_READ, key: r, readAllBins: true },
      { type: batchType.BATCH_WRITE, key: w, ops: [ops.incr('v', 10), ops.read('v')] },
    ]);
    assert.deepEqual(
      res.map((x) => x.status),
      [status.OK, status.OK, status.OK, status.ERR_RECORD_NOT_FOUND, status.OK],
    );
    assert.deepEqual(res[2]!.record.bins, { v: 1, s: 'x' }, 'the read row sees the earlier write row');
    assert.equal(res[4]!.record.bins.v, 11, 'operate-style write row returns its read op');
    assert.equal(await env.client.exists(r), false);
    const after = await env.client.get(w);
    assert.deepEqual(after.bins, { v: 11, s: 'x' });
    assert.equal(after.gen, 2);
  });

  test('batchWrite: a row that fails (CREATE on existing, remove of missing) does not stop the others', async () => {
    const existing = present[1]!;
    const fresh = key('bw-fresh');
    const res = await env.client.batchWrite([
      { type: batchType.BATCH_WRITE, key: existing, ops: [ops.write('n', 99)], policy: { exists: Aerospike.policy.exists.CREATE } },
      { type: batchType.BATCH_REMOVE, key: missing[0]! },
      { type: batchType.BATCH_WRITE, key: fresh, ops: [ops.write('n', 7)] },
    ]);
    assert.deepEqual(
      res.map((x) => x.status),
      [status.ERR_RECORD_EXISTS, status.ERR_RECORD_NOT_FOUND, status.OK],
    );
    assert.equal((await env.client.get(existing)).bins.n, 1, 'the failed row wrote nothing');
    assert.equal((await env.client.get(fresh)).bins.n, 7);
  });

  test('batchRemove removes present keys and reports missing ones', async () => {
    const k1 = key('rm-1');
    const k2 = key('rm-2');
    await env.client.put(k1, { a: 1 });
    await env.client.put(k2, { a: 2 });
    const res = await env.client.batchRemove([k1, missing[1]!, k2]);
    assert.deepEqual(
      res.map((x) => x.status),
      [status.OK, status.ERR_RECORD_NOT_FOUND, status.OK],
    );
    assert.equal(await env.client.exists(k1), false);
    assert.equal(await env.client.exists(k2), false);
  });

  test('UDF rows fail clearly: single apply → 100 with the reason, batch UDF rows → status 100', async () => {
    const k = present[0]!;
    const udf = { module: 'mymod', funcname: 'fn', args: [1, 'x'] };
    try {
      await env.client.apply(k, udf);
      assert.fail('apply should fail');
    } catch (err) {
      assert.equal((err as { code: number }).code, status.ERR_UDF);
      assert.match((err as Error).message, /UDF execution is not supported/);
    }
    // batchWrite reports the UDF row as a UDF error and still runs the other rows.
    const res = await env.client.batchWrite([
      { type: batchType.BATCH_APPLY, key: k, udf } as unknown as Aerospike.BatchWriteRecord,
      { type: batchType.BATCH_READ, key: k, readAllBins: true },
    ]);
    assert.deepEqual(
      res.map((x) => x.status),
      [status.ERR_UDF, status.OK],
    );
    // batchApply turns the failed rows into BATCH_FAILED (-16) for the whole call.
    assert.equal(await errorCode(env.client.batchApply([k, present[1]!], udf)), status.BATCH_FAILED);
    assert.deepEqual((await env.client.get(k)).bins, { n: 0, s: 'a', x: true }, 'nothing was changed');
  });

  test('batch across two namespaces', async () => {
    const t = new Aerospike.Key('test', 'ns2', 1);
    const b = new Aerospike.Key('bar', 'ns2', 1);
    await env.client.put(t, { ns: 'test' });
    await env.client.put(b, { ns: 'bar' });
    const res = await env.client.batchGet([t, b, new Aerospike.Key('bar', 'ns2', 2)]);
    assert.deepEqual(
      res.map((r) => r.record.bins?.ns ?? r.status),
      ['test', 'bar', status.ERR_RECORD_NOT_FOUND],
    );
  });

  test('the client logged no warnings or errors (but the batchApply failure provoked above)', () => {
    const lines = env.clientLog();
    const expected = lines.filter((l) => /Client error in BatchApply command: One or more batch sub-commands failed \[-16\]/.test(l));
    assert.equal(expected.length, 1);
    assert.deepEqual(
      lines.filter((l) => !expected.includes(l)),
      [],
    );
  });
});
