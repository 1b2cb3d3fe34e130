import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import Aerospike from 'aerospike';
import { errorCode, useTestbed } from './helpers.js';

const { exp, status } = Aerospike;

/** Particle type numbers (wire protocol §6.5) that `exp.binType()` reports. */
const T = { INTEGER: 1, FLOAT: 2, STRING: 3, BLOB: 4, BOOL: 17, HLL: 18, MAP: 19, LIST: 20, GEOJSON: 23 } as const;

/** The HLL from the client's own documentation: index bits 8, minhash bits 0, 4 entries. */
const HLL_BYTES = Buffer.from([
  0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 65, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
]);

const MAX = 9223372036854775807n;
const MIN = -9223372036854775808n;

describe('particle types round-trip through the testbed', () => {
  const env = useTestbed();
  const rp = (e: Aerospike.AerospikeExp): Aerospike.ReadPolicy => new Aerospike.ReadPolicy({ filterExpression: e });

  /** Asserts the stored particle type of `bin` through a server-side binType() filter. */
  async function assertType(key: Aerospike.Key, bin: string, type: number): Promise<void> {
    await env.client.get(key, rp(exp.eq(exp.binType(bin), exp.int(type))));
    assert.equal(await errorCode(env.client.get(key, rp(exp.eq(exp.binType(bin), exp.int(type + 100))))), status.FILTERED_OUT);
  }

  test('integers, including ±(2^63 − 1) and −2^63 as BigInt', async () => {
    const key = new Aerospike.Key('test', 'types', 'int');
    const bins = { zero: 0, one: 1, neg: -1, safe: Number.MAX_SAFE_INTEGER, max: MAX, min: MIN, nmax: -MAX, i32: 2 ** 31, u32: 2 ** 32 + 7 };
    await env.client.put(key, bins);
    const got = (await env.client.get(key)).bins;
    assert.deepEqual(got, bins);
    assert.equal(typeof got.max, 'bigint');
    for (const b of Object.keys(bins)) await assertType(key, b, T.INTEGER);
    await env.client.get(key, rp(exp.and(exp.lt(exp.binInt('min'), exp.binInt('nmax')), exp.gt(exp.binInt('max'), exp.binInt('safe')))));
    await env.client.get(key, rp(exp.eq(exp.binInt('neg'), exp.int(-1))));
  });

  test('doubles: a whole Double(5) is stored as FLOAT, not INTEGER', async () => {
    const key = new Aerospike.Key('test', 'types', 'double');
    await env.client.put(key, { d: new Aerospike.Double(5), f: 1.5, neg: -2.25, big: 1e308, tiny: 5e-324, z: new Aerospike.Double(0) });
    const got = (await env.client.get(key)).bins;
    // The Node client hands whole doubles back as plain numbers.
    assert.deepEqual(got, { d: 5, f: 1.5, neg: -2.25, big: 1e308, tiny: 5e-324, z: 0 });
    for (const b of ['d', 'f', 'neg', 'big', 'tiny', 'z']) await assertType(key, b, T.FLOAT);
    await env.client.get(key, rp(exp.eq(exp.binFloat('d'), exp.float(5))));
    // binInt('d') on a float bin is a type mismatch: filtered out.
    assert.equal(await errorCode(env.client.get(key, rp(exp.eq(exp.binInt('d'), exp.int(5))))), status.FILTERED_OUT);
    // Read it back through operate too, and write it back unchanged: still a float.
    const op = await env.client.operate(key, [Aerospike.operations.read('d')]);
    assert.equal(op.bins.d, 5);
    await env.client.operate(key, [Aerospike.operations.incr('d', new Aerospike.Double(1))]);
    await env.client.get(key, rp(exp.eq(exp.binFloat('d'), exp.float(6))));
  });

  test('strings: UTF-8 (2-, 3- and 4-byte sequences), empty and large', async () => {
    const key = new Aerospike.Key('test', 'types', 'str');
    const bins = { utf8: 'héllo wörld ☃ 日本 😀𝄞', empty: '', ascii: 'plain', big: 'ab€'.repeat(30_000) };
    // (No embedded NUL: the Node client passes strings to C as NUL-terminated and cuts them there.)
    await env.client.put(key, bins);
    assert.deepEqual((await env.client.get(key)).bins, bins);
    for (const b of Object.keys(bins)) await assertType(key, b, T.STRING);
    await env.client.get(key, rp(exp.and(exp.eq(exp.binStr('utf8'), exp.str(bins.utf8)), exp.eq(exp.binStr('empty'), exp.str('')))));
  });

  test('bytes: every byte value, empty, large', async () => {
    const key = new Aerospike.Key('test', 'types', 'bytes');
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const big = randomBytes(200_000);
    await env.client.put(key, { all, one: Buffer.from([0]), big, empty: Buffer.alloc(0) });
    const got = (await env.client.get(key)).bins;
    assert.ok(Buffer.isBuffer(got.all));
    assert.ok(all.equals(got.all as Buffer));
    assert.ok(big.equals(got.big as Buffer));
    assert.deepEqual(got.one, Buffer.from([0]));
    assert.deepEqual(got.empty, Buffer.alloc(0));
    for (const b of ['all', 'one', 'big', 'empty']) await assertType(key, b, T.BLOB);
    await env.client.get(key, rp(exp.eq(exp.binBlob('all'), exp.bytes(all, all.length))));
  });

  test('booleans are BOOL particles', async () => {
    const key = new Aerospike.Key('test', 'types', 'bool');
    await env.client.put(key, { t: true, f: false });
    assert.deepEqual((await env.client.get(key)).bins, { t: true, f: false });
    await assertType(key, 't', T.BOOL);
    await assertType(key, 'f', T.BOOL);
    await env.client.get(key, rp(exp.and(exp.eq(exp.binBool('t'), exp.bool(true)), exp.eq(exp.binBool('f'), exp.bool(false)))));
  });

  test('lists: nested, mixed, empty', async () => {
    const key = new Aerospike.Key('test', 'types', 'list');
    const bins = {
      mixed: [1, -1, 'x', '', 2.5, true, false, null, Buffer.from([1, 2, 3]), MAX, MIN],
      nested: [[1, [2, [3, []]]], { k: ['v', { deep: 1 }] }],
      empty: [],
      strs: Array.from({ length: 1000 }, (_, i) => `item-${i}`),
    };
    await env.client.put(key, bins);
    assert.deepEqual((await env.client.get(key)).bins, bins);
    for (const b of Object.keys(bins)) await assertType(key, b, T.LIST);
  });

  test('maps: nested, non-string keys, empty; client puts write key-ordered maps', async () => {
    const key = new Aerospike.Key('test', 'types', 'map');
    const obj = { b: 1, a: { z: [1, 2], y: { x: 'deep' } }, c: null, d: 1.5, e: Buffer.from('hi') };
    const jsMap = new Map<unknown, unknown>([
      ['z', 1],
      [10, 'ten'],
      [2, 'two'],
    ]);
    await env.client.put(key, { obj, jsMap, empty: {} });
    const got = (await env.client.get(key)).bins;
    assert.deepEqual(got.obj, obj);
    assert.deepEqual(got.empty, {});
    // The client reads maps back as plain objects; integer keys become property names.
    assert.deepEqual(got.jsMap, { 2: 'two', 10: 'ten', z: 1 });
    for (const b of ['obj', 'jsMap', 'empty']) await assertType(key, b, T.MAP);
  });

  test('GeoJSON points and polygons', async () => {
    const key = new Aerospike.Key('test', 'types', 'geo');
    const point = { type: 'Point', coordinates: [103.913, 1.308] };
    const polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [-122.5, 37.7],
          [-122.3, 37.7],
          [-122.3, 37.9],
          [-122.5, 37.9],
          [-122.5, 37.7],
        ],
      ],
    };
    await env.client.put(key, { p: new Aerospike.GeoJSON(point), poly: new Aerospike.GeoJSON(polygon) });
    const got = (await env.client.get(key)).bins;
    // The Node client returns GeoJSON bins as their JSON text.
    assert.deepEqual(JSON.parse(String(got.p)), point);
    assert.deepEqual(JSON.parse(String(got.poly)), polygon);
    await assertType(key, 'p', T.GEOJSON);
    await assertType(key, 'poly', T.GEOJSON);
  });

  test('HLL: a HyperLogLog bin round-trips byte for byte as an HLL particle', async () => {
    const key = new Aerospike.Key('test', 'types', 'hll');
    await env.client.put(key, { h: new Aerospike.HyperLogLog(HLL_BYTES) });
    const plain = (await env.client.get(key)).bins.h;
    assert.ok(Buffer.isBuffer(plain), 'without wrapHLL the client returns the raw bytes');
    assert.ok(HLL_BYTES.equals(plain as Buffer));
    await assertType(key, 'h', T.HLL);
    Aerospike.wrapHLL(true);
    try {
      const wrapped = (await env.client.get(key)).bins.h;
      assert.ok(wrapped instanceof Aerospike.HyperLogLog);
      assert.ok(HLL_BYTES.equals((wrapped as Aerospike.HyperLogLog).buffer));
    } finally {
      Aerospike.wrapHLL(false);
    }
  });

  test('every type in one record survives get, select, operate-read and batch read identically', async () => {
    const key = new Aerospike.Key('test', 'types', 'all');
    const bins = {
      i: MAX,
      d: 2.5,
      s: 'ünïcödé',
      b: Buffer.from([9, 8, 7]),
      t: true,
      l: [1, 'a', [true]],
      m: { k: { n: [1] } },
      g: new Aerospike.GeoJSON({ type: 'Point', coordinates: [1, 2] }),
      h: new Aerospike.HyperLogLog(HLL_BYTES),
    };
    await env.client.put(key, bins);
    const expected = { ...bins, g: '{"type":"Point","coordinates":[1,2]}', h: HLL_BYTES };
    const normalise = (b: Record<string, unknown>): Record<string, unknown> => ({ ...b, g: JSON.stringify(JSON.parse(String(b.g))) });
    assert.deepEqual(normalise((await env.client.get(key)).bins), expected);
    assert.deepEqual(normalise((await env.client.select(key, Object.keys(bins))).bins), expected);
    const readAll = await env.client.operate(key, Object.keys(bins).map((b) => Aerospike.operations.read(b)));
    assert.deepEqual(normalise(readAll.bins), expected);
    const [row] = await env.client.batchGet([key]);
    assert.equal(row!.status, status.OK);
    assert.deepEqual(normalise(row!.record.bins), expected);
  });

  test('CDT map/list operations are not modelled: UNSUPPORTED_FEATURE (16), record untouched', async () => {
    const key = new Aerospike.Key('test', 'types', 'cdt');
    await env.client.put(key, { m: { a: 1 } });
    const ordered = Aerospike.maps.putItems('m', { b: 2 }, { order: Aerospike.maps.order.KEY_ORDERED });
    assert.equal(await errorCode(env.client.operate(key, [ordered])), status.ERR_UNSUPPORTED_FEATURE);
    assert.equal(await errorCode(env.client.operate(key, [Aerospike.lists.append('l', 1)])), status.ERR_UNSUPPORTED_FEATURE);
    const rec = await env.client.get(key);
    assert.deepEqual(rec.bins, { m: { a: 1 } });
    assert.equal(rec.gen, 1);
  });

  test('the client logged no warnings or errors', () => {
    assert.deepEqual(env.clientLog(), []);
  });
});
