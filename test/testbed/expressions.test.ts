import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Aerospike from 'aerospike';
import { errorCode, parsePairs, useTestbed } from './helpers.js';

const { exp, status } = Aerospike;
type Exp = Aerospike.AerospikeExp;

/**
 * Node 6.7.1's exp.digestModulo(n) drops its argument and emits `[64]` only. Built by hand, the
 * entry `{ op: DIGEST_MODULO, count: 2 }` followed by the modulus reaches the C encoder intact.
 */
const digestModulo = (n: number): Exp => [{ op: 64, count: 2 }, ...exp.int(n)] as unknown as Exp;

/** What the server computes: digest bytes 16..19 as a little-endian uint32, modulo n. */
const expectedModulo = (digest: Buffer, n: number): number => digest.readUInt32LE(16) % n;

describe('filter expressions', () => {
  const env = useTestbed();
  const rp = (filterExpression: Exp): Aerospike.ReadPolicy => new Aerospike.ReadPolicy({ filterExpression });
  const k = {
    alice: new Aerospike.Key('test', 'people', 'alice'),
    bob: new Aerospike.Key('test', 'people', 'bob'),
    carol: new Aerospike.Key('test', 'staff', 'carol'),
    noset: new Aerospike.Key('test', null, 'noset'),
  };
  let clockAtWrite = 0;

  before(async () => {
    const send = new Aerospike.WritePolicy({ key: Aerospike.policy.key.SEND });
    clockAtWrite = Number(parsePairs(await env.info('testbed-clock')).get('now-ms'));
    await env.client.put(k.alice, { age: 34, name: 'Alice', city: 'Oslo', score: 9.5 }, { ttl: 1000 }, send);
    await env.client.put(k.bob, { age: 17, name: 'Bob', city: 'Bergen' }, { ttl: -1 });
    await env.client.put(k.carol, { age: 51, name: 'Carol' }, { ttl: -1 }, send);
    await env.client.put(k.noset, { age: 1 });
  });

  /** Passes → resolves; filtered out → 27. */
  async function passes(key: Aerospike.Key, e: Exp): Promise<boolean> {
    try {
      await env.client.get(key, rp(e));
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === status.FILTERED_OUT) return false;
      throw err;
    }
  }

  test('integer and string comparisons joined with and / or / not', async () => {
    const adult = exp.ge(exp.binInt('age'), exp.int(18));
    const inOslo = exp.eq(exp.binStr('city'), exp.str('Oslo'));
    assert.equal(await passes(k.alice, adult), true);
    assert.equal(await passes(k.bob, adult), false);
    assert.equal(await passes(k.alice, exp.and(adult, inOslo)), true);
    assert.equal(await passes(k.bob, exp.and(adult, inOslo)), false);
    assert.equal(await passes(k.bob, exp.or(adult, exp.eq(exp.binStr('city'), exp.str('Bergen')))), true);
    assert.equal(await passes(k.bob, exp.not(adult)), true);
    assert.equal(await passes(k.alice, exp.not(adult)), false);
    assert.equal(await passes(k.alice, exp.and(exp.gt(exp.binInt('age'), exp.int(30)), exp.lt(exp.binInt('age'), exp.int(35)), exp.ne(exp.binStr('name'), exp.str('Bob')))), true);
    assert.equal(await passes(k.alice, exp.le(exp.binStr('name'), exp.str('Alicf'))), true, 'strings compare bytewise');
    assert.equal(await passes(k.alice, exp.gt(exp.binFloat('score'), exp.float(9.25))), true);
    assert.equal(await passes(k.alice, exp.eq(exp.add(exp.binInt('age'), exp.int(1)), exp.int(35))), true);
    assert.equal(await passes(k.alice, exp.cmpRegex(0, '^Al.*e$', exp.binStr('name'))), true);
    assert.equal(await passes(k.bob, exp.cmpRegex(0, '^Al', exp.binStr('name'))), false);
  });

  test('filtered out is FILTERED_OUT (27) and carries no record', async () => {
    assert.equal(await errorCode(env.client.get(k.bob, rp(exp.eq(exp.binInt('age'), exp.int(99))))), status.FILTERED_OUT);
    assert.equal(status.FILTERED_OUT, 27);
    assert.equal(await errorCode(env.client.exists(k.bob, rp(exp.eq(exp.binInt('age'), exp.int(99))))), status.FILTERED_OUT);
  });

  test('missing bins and type mismatches are unknown: filtered out, even under not()', async () => {
    const cityOslo = exp.eq(exp.binStr('city'), exp.str('Oslo'));
    assert.equal(await passes(k.carol, cityOslo), false, 'carol has no city');
    assert.equal(await passes(k.carol, exp.not(cityOslo)), false);
    assert.equal(await passes(k.carol, exp.or(cityOslo, exp.eq(exp.binInt('age'), exp.int(51)))), true, 'or(unknown, true) is true');
    assert.equal(await passes(k.alice, exp.eq(exp.binInt('name'), exp.int(1))), false, 'string bin read as int');
    assert.equal(await passes(k.carol, exp.binExists('city')), false);
    assert.equal(await passes(k.alice, exp.binExists('city')), true);
  });

  test('metadata: setName, keyExists', async () => {
    assert.equal(await passes(k.alice, exp.eq(exp.setName(), exp.str('people'))), true);
    assert.equal(await passes(k.carol, exp.eq(exp.setName(), exp.str('people'))), false);
    assert.equal(await passes(k.noset, exp.eq(exp.setName(), exp.str(''))), true);
    assert.equal(await passes(k.carol, exp.or(exp.eq(exp.setName(), exp.str('people')), exp.eq(exp.setName(), exp.str('staff')))), true);
    assert.equal(await passes(k.alice, exp.keyExist()), true, 'alice was written with sendKey');
    assert.equal(await passes(k.bob, exp.keyExist()), false, 'bob was written without');
  });

  test('metadata: ttl and voidTime', async () => {
    assert.equal(await passes(k.alice, exp.and(exp.ge(exp.ttl(), exp.int(995)), exp.le(exp.ttl(), exp.int(1000)))), true);
    assert.equal(await passes(k.bob, exp.eq(exp.ttl(), exp.int(-1))), true, 'never expires → -1');
    assert.equal(await passes(k.bob, exp.eq(exp.voidTime(), exp.int(-1))), true);
    // voidTime() is nanoseconds since the Unix epoch: compare in seconds.
    const voidSeconds = exp.div(exp.voidTime(), exp.int(1e9));
    const writeSeconds = Math.floor(clockAtWrite / 1000);
    assert.equal(await passes(k.alice, exp.and(exp.ge(voidSeconds, exp.int(writeSeconds + 999)), exp.le(voidSeconds, exp.int(writeSeconds + 1001)))), true);
  });

  test('metadata: lastUpdate and sinceUpdate', async () => {
    const lutMs = exp.div(exp.lastUpdate(), exp.int(1e6));
    assert.equal(await passes(k.alice, exp.and(exp.ge(lutMs, exp.int(clockAtWrite)), exp.le(lutMs, exp.int(clockAtWrite + 60_000)))), true);
    assert.equal(await passes(k.alice, exp.lt(lutMs, exp.int(clockAtWrite))), false);
    assert.equal(await passes(k.alice, exp.ge(exp.sinceUpdate(), exp.int(0))), true);
    assert.equal(await passes(k.alice, exp.gt(exp.sinceUpdate(), exp.int(3_600_000))), false);
  });

  test('digestModulo (hand-built, the client helper drops its argument)', async () => {
    const rec = await env.client.get(k.alice);
    const digest = rec.key.digest!;
    for (const n of [2, 3, 7]) {
      const m = expectedModulo(digest, n);
      assert.equal(await passes(k.alice, exp.eq(digestModulo(n), exp.int(m))), true, `digest % ${n} = ${m}`);
      assert.equal(await passes(k.alice, exp.eq(digestModulo(n), exp.int((m + 1) % n))), false);
    }
    // What exp.digestModulo(3) really sends ([64] without a modulus) is a parameter error.
    assert.equal(await errorCode(env.client.get(k.alice, rp(exp.eq(exp.digestModulo(3 as never), exp.int(0))))), status.ERR_REQUEST_INVALID);
  });

  test('filters on writes: false → 27 and nothing written; a missing record ignores the filter', async () => {
    const wp = (filterExpression: Exp): Aerospike.WritePolicy => new Aerospike.WritePolicy({ filterExpression });
    const notAdult = exp.lt(exp.binInt('age'), exp.int(18));
    assert.equal(await errorCode(env.client.put(k.carol, { age: 0 }, null, wp(notAdult))), status.FILTERED_OUT);
    assert.equal((await env.client.get(k.carol)).bins.age, 51);
    assert.equal((await env.client.get(k.carol)).gen, 1);
    assert.equal(await errorCode(env.client.remove(k.carol, new Aerospike.RemovePolicy({ filterExpression: notAdult }))), status.FILTERED_OUT);
    assert.equal(await env.client.exists(k.carol), true);
    const op = new Aerospike.OperatePolicy({ filterExpression: notAdult });
    assert.equal(await errorCode(env.client.operate(k.carol, [Aerospike.operations.incr('age', 1)], null, op)), status.FILTERED_OUT);

    const fresh = new Aerospike.Key('test', 'people', 'fresh');
    await env.client.put(fresh, { age: 5 }, null, wp(exp.eq(exp.binInt('age'), exp.int(1000))));
    assert.equal((await env.client.get(fresh)).bins.age, 5);
  });

  test('batch reads: a batch-level filter and per-row filters give status 27 per row', async () => {
    const adult = exp.ge(exp.binInt('age'), exp.int(18));
    const missing = new Aerospike.Key('test', 'people', 'nobody');
    const policy = new Aerospike.BatchPolicy({ filterExpression: adult });
    const res = await env.client.batchRead([{ key: k.alice, readAllBins: true }, { key: k.bob, readAllBins: true }, { key: missing, readAllBins: true }, { key: k.carol, bins: ['name'] }], policy);
    assert.deepEqual(
      res.map((r) => r.status),
      [status.OK, status.FILTERED_OUT, status.ERR_RECORD_NOT_FOUND, status.OK],
    );
    assert.deepEqual(res[3]!.record.bins, { name: 'Carol' });

    const got = await env.client.batchGet([k.alice, k.bob], policy);
    assert.deepEqual(
      got.map((r) => r.status),
      [status.OK, status.FILTERED_OUT],
    );

    // Per-row filters (BatchReadPolicy) override the batch one, row by row.
    const staff = new Aerospike.BatchReadPolicy({ filterExpression: exp.eq(exp.setName(), exp.str('staff')) });
    const young = new Aerospike.BatchReadPolicy({ filterExpression: exp.lt(exp.binInt('age'), exp.int(18)) });
    const rows = await env.client.batchRead([
      { key: k.alice, readAllBins: true, policy: staff },
      { key: k.carol, readAllBins: true, policy: staff },
      { key: k.bob, readAllBins: true, policy: young },
      { key: k.alice, readAllBins: true, policy: young },
    ]);
    assert.deepEqual(
      rows.map((r) => r.status),
      [status.FILTERED_OUT, status.OK, status.OK, status.FILTERED_OUT],
    );
    assert.equal(rows[2]!.record.bins.name, 'Bob');

    // Metadata filters work in batches too: digestModulo and lastUpdate.
    const digest = (await env.client.get(k.bob)).key.digest!;
    const m = expectedModulo(digest, 5);
    const byDigest = await env.client.batchRead([{ key: k.bob, readAllBins: true }], new Aerospike.BatchPolicy({ filterExpression: exp.eq(digestModulo(5), exp.int(m)) }));
    assert.equal(byDigest[0]!.status, status.OK);
    const notByDigest = await env.client.batchRead([{ key: k.bob, readAllBins: true }], new Aerospike.BatchPolicy({ filterExpression: exp.ne(digestModulo(5), exp.int(m)) }));
    assert.equal(notByDigest[0]!.status, status.FILTERED_OUT);
    const recent = new Aerospike.BatchPolicy({ filterExpression: exp.ge(exp.div(exp.lastUpdate(), exp.int(1e6)), exp.int(clockAtWrite)) });
    const lut = await env.client.batchGet([k.alice, k.bob, k.carol], recent);
    assert.ok(lut.every((r) => r.status === status.OK));
  });

  test('batch writes with a filter: filtered rows are 27 and untouched', async () => {
    const res = await env.client.batchWrite(
      [
        { type: Aerospike.batchType.BATCH_WRITE, key: k.bob, ops: [Aerospike.operations.write('flag', 1)] },
        { type: Aerospike.batchType.BATCH_WRITE, key: k.alice, ops: [Aerospike.operations.write('flag', 1)] },
      ],
      new Aerospike.BatchPolicy({ filterExpression: exp.eq(exp.binStr('city'), exp.str('Bergen')) }),
    );
    assert.deepEqual(
      res.map((r) => r.status),
      [status.OK, status.FILTERED_OUT],
    );
    assert.equal((await env.client.get(k.bob)).bins.flag, 1);
    assert.equal((await env.client.get(k.alice)).bins.flag, undefined);
  });

  test('the client logged no warnings or errors', () => {
    assert.deepEqual(env.clientLog(), []);
  });
});
