import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Aerospike from 'aerospike';
import { errorCode, infoValue, parsePairs, useTestbed } from './helpers.js';

const { exp, operations: ops, status } = Aerospike;
const policy = Aerospike.policy;

let seq = 0;
/** A fresh key per call so tests do not see each other's records. */
function freshKey(set = 'rec'): Aerospike.Key {
  return new Aerospike.Key('test', set, `k${++seq}`);
}

describe('single-record commands', () => {
  const env = useTestbed();

  test('put / get / exists / remove', async () => {
    const c = env.client;
    const key = freshKey();
    assert.equal(await c.exists(key), false);
    assert.equal(await errorCode(c.get(key)), status.ERR_RECORD_NOT_FOUND);
    await c.put(key, { a: 1, b: 'two' });
    assert.equal(await c.exists(key), true);
    const rec = await c.get(key);
    assert.deepEqual(rec.bins, { a: 1, b: 'two' });
    assert.equal(rec.gen, 1);
    assert.deepEqual((await c.select(key, ['b', 'missing'])).bins, { b: 'two' });
    const meta = await c.existsWithMetadata(key);
    assert.equal(meta.gen, 1);
    await c.remove(key);
    assert.equal(await c.exists(key), false);
    assert.equal(await errorCode(c.remove(key)), status.ERR_RECORD_NOT_FOUND);
  });

  test('writing null deletes a bin; deleting the last bin deletes the record', async () => {
    const key = freshKey();
    await env.client.put(key, { a: 1, b: 2 });
    await env.client.put(key, { a: null });
    assert.deepEqual((await env.client.get(key)).bins, { b: 2 });
    await env.client.put(key, { b: null });
    assert.equal(await env.client.exists(key), false);
    // The same write against a missing record is "not found".
    assert.equal(await errorCode(env.client.put(key, { b: null })), status.ERR_RECORD_NOT_FOUND);
  });

  test('operate: write, incr, append, prepend and read in one command', async () => {
    const key = freshKey();
    await env.client.put(key, { n: 10, s: 'mid' });
    const rec = await env.client.operate(key, [
      ops.incr('n', 5),
      ops.append('s', '>'),
      ops.prepend('s', '<'),
      ops.write('w', 'new'),
      ops.read('n'),
      ops.read('s'),
    ]);
    assert.equal(rec.bins.n, 15);
    assert.equal(rec.bins.s, '<mid>');
    assert.equal(rec.gen, 2);
    assert.deepEqual((await env.client.get(key)).bins, { n: 15, s: '<mid>', w: 'new' });
    // incr creates a missing bin; float incr on a float bin.
    await env.client.operate(key, [ops.incr('m', 7), ops.write('f', 1.5)]);
    await env.client.operate(key, [ops.incr('f', 1.25)]);
    const after = (await env.client.get(key)).bins;
    assert.equal(after.m, 7);
    assert.equal(after.f, 2.75);
  });

  test('operate: incr on a string and append on an integer are BIN_INCOMPATIBLE_TYPE (12)', async () => {
    const key = freshKey();
    await env.client.put(key, { n: 1, s: 'x' });
    assert.equal(await errorCode(env.client.operate(key, [ops.incr('s', 1)])), status.ERR_BIN_INCOMPATIBLE_TYPE);
    assert.equal(await errorCode(env.client.operate(key, [ops.append('n', 'y')])), status.ERR_BIN_INCOMPATIBLE_TYPE);
    assert.deepEqual((await env.client.get(key)).bins, { n: 1, s: 'x' }, 'a failed operate changes nothing');
  });

  test('operate: delete removes the record; touch on a missing record is not found', async () => {
    const key = freshKey();
    await env.client.put(key, { a: 1 });
    await env.client.operate(key, [ops.delete()]);
    assert.equal(await env.client.exists(key), false);
    assert.equal(await errorCode(env.client.operate(key, [ops.touch(10)])), status.ERR_RECORD_NOT_FOUND);
  });

  test('generation: starts at 1, every write and touch increments it', async () => {
    const key = freshKey();
    await env.client.put(key, { a: 1 });
    assert.equal((await env.client.get(key)).gen, 1);
    await env.client.put(key, { a: 2 });
    assert.equal((await env.client.get(key)).gen, 2);
    await env.client.operate(key, [ops.touch(0)]);
    assert.equal((await env.client.get(key)).gen, 3);
    await env.client.operate(key, [ops.incr('a', 1)]);
    const rec = await env.client.get(key);
    assert.equal(rec.gen, 4);
    assert.equal(rec.bins.a, 3);
  });

  test('generation policy EQ and GT', async () => {
    const key = freshKey();
    await env.client.put(key, { a: 1 });
    await env.client.put(key, { a: 2 }); // gen 2
    const eq = new Aerospike.WritePolicy({ gen: policy.gen.EQ });
    assert.equal(await errorCode(env.client.put(key, { a: 3 }, { gen: 1 }, eq)), status.ERR_RECORD_GENERATION);
    assert.equal(status.ERR_RECORD_GENERATION, 3);
    assert.deepEqual((await env.client.get(key)).bins, { a: 2 }, 'a generation failure writes nothing');
    await env.client.put(key, { a: 3 }, { gen: 2 }, eq);
    assert.equal((await env.client.get(key)).gen, 3);

    const gt = new Aerospike.WritePolicy({ gen: policy.gen.GT });
    assert.equal(await errorCode(env.client.put(key, { a: 4 }, { gen: 3 }, gt)), status.ERR_RECORD_GENERATION);
    await env.client.put(key, { a: 4 }, { gen: 10 }, gt);
    assert.equal((await env.client.get(key)).bins.a, 4);
  });

  test('exists policies: CREATE, UPDATE, REPLACE, CREATE_OR_REPLACE', async () => {
    const c = env.client;
    const wp = (exists: number): Aerospike.WritePolicy => new Aerospike.WritePolicy({ exists });
    const key = freshKey();

    await c.put(key, { a: 1, b: 1 }, null, wp(policy.exists.CREATE));
    assert.equal(await errorCode(c.put(key, { a: 2 }, null, wp(policy.exists.CREATE))), status.ERR_RECORD_EXISTS);
    assert.equal(status.ERR_RECORD_EXISTS, 5);

    const missing = freshKey();
    assert.equal(await errorCode(c.put(missing, { a: 1 }, null, wp(policy.exists.UPDATE))), status.ERR_RECORD_NOT_FOUND);
    assert.equal(await errorCode(c.put(missing, { a: 1 }, null, wp(policy.exists.REPLACE))), status.ERR_RECORD_NOT_FOUND);
    assert.equal(await c.exists(missing), false);

    await c.put(key, { c: 1 }, null, wp(policy.exists.UPDATE));
    assert.deepEqual((await c.get(key)).bins, { a: 1, b: 1, c: 1 }, 'UPDATE merges bins');
    await c.put(key, { z: 9 }, null, wp(policy.exists.REPLACE));
    assert.deepEqual((await c.get(key)).bins, { z: 9 }, 'REPLACE drops the other bins');

    await c.put(missing, { x: 1, y: 1 }, null, wp(policy.exists.CREATE_OR_REPLACE));
    assert.deepEqual((await c.get(missing)).bins, { x: 1, y: 1 }, 'CREATE_OR_REPLACE creates');
    await c.put(missing, { y: 2 }, null, wp(policy.exists.CREATE_OR_REPLACE));
    const rec = await c.get(missing);
    assert.deepEqual(rec.bins, { y: 2 }, 'CREATE_OR_REPLACE replaces');
    assert.equal(rec.gen, 2);
  });

  test('send key: the key is stored with the record only when the policy says SEND', async () => {
    const sent = new Aerospike.Key('test', 'rec', 'sent-key');
    const digestOnly = new Aerospike.Key('test', 'rec', 'digest-only');
    const intKey = new Aerospike.Key('test', 'rec', 42);
    const send = new Aerospike.WritePolicy({ key: policy.key.SEND });
    await env.client.put(sent, { a: 1 }, null, send);
    await env.client.put(intKey, { a: 1 }, null, send);
    await env.client.put(digestOnly, { a: 1 });

    const rp = (filterExpression: Aerospike.AerospikeExp): Aerospike.ReadPolicy =>
      new Aerospike.ReadPolicy({ key: policy.key.SEND, filterExpression });
    const got = await env.client.get(sent, rp(exp.keyExist()));
    assert.equal(got.key.key, 'sent-key');
    await env.client.get(sent, rp(exp.eq(exp.keyStr(), exp.str('sent-key'))));
    await env.client.get(intKey, rp(exp.eq(exp.keyInt(), exp.int(42))));
    const blobKey = new Aerospike.Key('test', 'rec', Buffer.from([0, 1, 2, 255]));
    await env.client.put(blobKey, { a: 1 }, null, send);
    await env.client.get(blobKey, rp(exp.eq(exp.keyBlob(), exp.bytes(Buffer.from([0, 1, 2, 255]), 4))));
    assert.equal(await errorCode(env.client.get(sent, rp(exp.eq(exp.keyStr(), exp.str('other'))))), status.FILTERED_OUT);
    assert.equal(await errorCode(env.client.get(digestOnly, rp(exp.keyExist()))), status.FILTERED_OUT);
    await env.client.get(digestOnly, rp(exp.not(exp.keyExist())));
    // An update without the key keeps the stored key.
    await env.client.put(sent, { a: 2 });
    await env.client.get(sent, rp(exp.eq(exp.keyStr(), exp.str('sent-key'))));
  });

  test('TTL: 100 is reported as ~100, -1 never expires, -2 keeps the current expiry, 0 is the namespace default (never)', async () => {
    const key = freshKey();
    await env.client.put(key, { a: 1 }, { ttl: 100 });
    const ttl100 = (await env.client.get(key)).ttl;
    assert.ok(ttl100 >= 99 && ttl100 <= 100, `ttl ${ttl100}`);

    await env.client.put(key, { a: 2 }, { ttl: Aerospike.ttl.DONT_UPDATE });
    const kept = await env.client.get(key);
    assert.ok(kept.ttl >= 98 && kept.ttl <= 100, `ttl after -2: ${kept.ttl}`);
    assert.equal(kept.bins.a, 2);

    // The client reports "never expires" (void time 0) as -1.
    await env.client.put(key, { a: 3 }, { ttl: Aerospike.ttl.NEVER_EXPIRE });
    assert.equal((await env.client.get(key)).ttl, -1);
    await env.client.put(key, { a: 4 }, { ttl: 100 });
    await env.client.put(key, { a: 5 }, { ttl: Aerospike.ttl.NAMESPACE_DEFAULT });
    assert.equal((await env.client.get(key)).ttl, -1, 'namespace default-ttl is 0 = never');

    // -2 on a record that does not exist yet: no expiry.
    const fresh = freshKey();
    await env.client.put(fresh, { a: 1 }, { ttl: Aerospike.ttl.DONT_UPDATE });
    assert.equal((await env.client.get(fresh)).ttl, -1);

    // touch resets the TTL.
    await env.client.operate(key, [ops.touch(300)]);
    const touched = (await env.client.get(key)).ttl;
    assert.ok(touched >= 299 && touched <= 300, `ttl after touch: ${touched}`);
  });

  test('a TTL above 10 years is refused with PARAMETER (4)', async () => {
    const key = freshKey();
    assert.equal(await errorCode(env.client.put(key, { a: 1 }, { ttl: 11 * 365 * 24 * 3600 })), status.ERR_REQUEST_INVALID);
    assert.equal(await env.client.exists(key), false);
  });

  test('unknown namespace is refused by the client before reaching the server (20)', async () => {
    assert.equal(await errorCode(env.client.put(new Aerospike.Key('nope', 's', 1), { a: 1 })), status.ERR_NAMESPACE_NOT_FOUND);
  });

  test('compressed requests (policy compress, type-4 protos) are understood', async () => {
    const key = freshKey();
    const big = 'compressible '.repeat(5_000);
    await env.client.put(key, { big, n: 1 }, null, new Aerospike.WritePolicy({ compress: true }));
    assert.deepEqual((await env.client.get(key, new Aerospike.ReadPolicy({ compress: true }))).bins, { big, n: 1 });
    const [row] = await env.client.batchGet([key], new Aerospike.BatchPolicy({ compress: true }));
    assert.equal(row!.record.bins.big, big);
    const rec = await env.client.operate(key, [ops.append('big', '!'), ops.read('n')], null, new Aerospike.OperatePolicy({ compress: true }));
    assert.equal(rec.bins.n, 1);
    assert.equal((await env.client.get(key)).bins.big, `${big}!`);
  });

  test('a 15-byte bin name is the longest accepted', async () => {
    const key = freshKey();
    await env.client.put(key, { abcdefghijklmno: 1 });
    assert.deepEqual((await env.client.get(key)).bins, { abcdefghijklmno: 1 });
  });

  test('records in namespaces are independent', async () => {
    const t = new Aerospike.Key('test', 'same', 'k');
    const b = new Aerospike.Key('bar', 'same', 'k');
    await env.client.put(t, { ns: 'test' });
    assert.equal(await env.client.exists(b), false);
    await env.client.put(b, { ns: 'bar' });
    assert.equal((await env.client.get(t)).bins.ns, 'test');
    assert.equal((await env.client.get(b)).bins.ns, 'bar');
  });

  test('the client logged no warnings or errors', () => {
    assert.deepEqual(env.clientLog(), []);
  });
});

describe('time: expiry, kept TTL and last-update time (testbed clock moved by info)', () => {
  const env = useTestbed();
  const nowMs = async (): Promise<number> => Number(parsePairs(await env.info('testbed-clock')).get('now-ms'));
  const advance = async (ms: number): Promise<number> => Number(parsePairs(infoValue(await env.client.infoAny(`testbed-clock:advance-ms=${ms}`))).get('now-ms'));

  test('advancing the clock past the TTL expires the record (get → 2)', async () => {
    const short = new Aerospike.Key('test', 'time', 'short');
    const forever = new Aerospike.Key('test', 'time', 'forever');
    const longer = new Aerospike.Key('test', 'time', 'longer');
    await env.client.put(short, { a: 1 }, { ttl: 100 });
    await env.client.put(longer, { a: 1 }, { ttl: 1000 });
    await env.client.put(forever, { a: 1 }, { ttl: -1 });
    await advance(50_000);
    assert.equal(await env.client.exists(short), true, 'not expired half-way');
    await advance(51_000);
    assert.equal(await errorCode(env.client.get(short)), status.ERR_RECORD_NOT_FOUND);
    assert.equal(await env.client.exists(short), false);
    assert.equal(await env.client.exists(longer), true);
    assert.equal(await env.client.exists(forever), true);
    // A write to the expired record starts over at generation 1.
    await env.client.put(short, { b: 2 });
    const rec = await env.client.get(short);
    assert.equal(rec.gen, 1);
    assert.deepEqual(rec.bins, { b: 2 });
  });

  test('TTL -2 keeps the void time: server-side ttl() counts down with the testbed clock', async () => {
    const key = new Aerospike.Key('test', 'time', 'keep');
    await env.client.put(key, { a: 1 }, { ttl: 100 });
    await advance(30_000);
    await env.client.put(key, { a: 2 }, { ttl: Aerospike.ttl.DONT_UPDATE });
    // ttl() is computed by the testbed against its own (advanced) clock: 100 - 30 = 70.
    const rp = (e: Aerospike.AerospikeExp): Aerospike.ReadPolicy => new Aerospike.ReadPolicy({ filterExpression: e });
    await env.client.get(key, rp(exp.and(exp.ge(exp.ttl(), exp.int(69)), exp.le(exp.ttl(), exp.int(70)))));
    // Writing with ttl 100 again instead moves the expiry: now ~100.
    await env.client.put(key, { a: 3 }, { ttl: 100 });
    await env.client.get(key, rp(exp.ge(exp.ttl(), exp.int(99))));
    // A record that never expires reports ttl() and voidTime() as -1.
    await env.client.put(key, { a: 4 }, { ttl: -1 });
    await env.client.get(key, rp(exp.and(exp.eq(exp.ttl(), exp.int(-1)), exp.eq(exp.voidTime(), exp.int(-1)))));
  });

  test('last-update time and since-update follow the testbed clock', async () => {
    const key = new Aerospike.Key('test', 'time', 'lut');
    const t0 = await nowMs();
    await env.client.put(key, { a: 1 });
    const t1 = await nowMs();
    const rp = (e: Aerospike.AerospikeExp): Aerospike.ReadPolicy => new Aerospike.ReadPolicy({ filterExpression: e });
    // lastUpdate() is nanoseconds since the Unix epoch; the Node client cannot pass a BigInt literal
    // ("Policy object invalid"), so compare in milliseconds: lastUpdate() / 1e6.
    const lutMs = exp.div(exp.lastUpdate(), exp.int(1_000_000));
    await env.client.get(key, rp(exp.and(exp.ge(lutMs, exp.int(t0)), exp.le(lutMs, exp.int(t1)))));
    assert.equal(await errorCode(env.client.get(key, rp(exp.gt(lutMs, exp.int(t1))))), status.FILTERED_OUT);
    // Millisecond resolution scaled to nanoseconds: the remainder below a millisecond is zero.
    // (Node 6.7.1's exp.mod() emits `{ op: undefined }`, so the MOD node (26) is built by hand.)
    const mod = [{ op: 26, count: 3 }, ...exp.lastUpdate(), ...exp.int(1_000_000)] as unknown as Aerospike.AerospikeExp;
    await env.client.get(key, rp(exp.eq(mod, exp.int(0))));

    await advance(5_000);
    await env.client.get(key, rp(exp.ge(exp.sinceUpdate(), exp.int(5_000))));
    assert.equal(await errorCode(env.client.get(key, rp(exp.lt(exp.sinceUpdate(), exp.int(5_000))))), status.FILTERED_OUT);
    // Reading does not change the last-update time; writing does.
    await env.client.get(key, rp(exp.le(lutMs, exp.int(t1))));
    const t2 = await nowMs();
    await env.client.operate(key, [ops.touch(0)]);
    await env.client.get(key, rp(exp.and(exp.ge(lutMs, exp.int(t2)), exp.lt(exp.sinceUpdate(), exp.int(1_000)))));
  });
});

describe('record too big', () => {
  const env = useTestbed({ maxRecordSize: 1024 });

  test('a record over max-record-size is refused with RECORD_TOO_BIG (13) and nothing is written', async () => {
    const key = freshKey('big');
    await env.client.put(key, { s: 'x'.repeat(500) });
    assert.equal(await errorCode(env.client.put(key, { s: 'y'.repeat(2000) })), status.ERR_RECORD_TOO_BIG);
    assert.equal(status.ERR_RECORD_TOO_BIG, 13);
    const rec = await env.client.get(key);
    assert.equal(rec.bins.s, 'x'.repeat(500));
    assert.equal(rec.gen, 1);
    // Growing an existing record past the limit through append fails the same way.
    assert.equal(await errorCode(env.client.operate(key, [ops.append('s', 'z'.repeat(600))])), status.ERR_RECORD_TOO_BIG);
    const fresh = freshKey('big');
    assert.equal(await errorCode(env.client.put(fresh, { b: Buffer.alloc(4096) })), status.ERR_RECORD_TOO_BIG);
    assert.equal(await env.client.exists(fresh), false);
    assert.match(await env.info('namespace/test'), /(^|;)max-record-size=1024(;|$)/);
  });
});
