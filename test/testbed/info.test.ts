import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { errorCode, parsePairs, useTestbed } from './helpers.js';

const { status } = Aerospike;

/** `ns=test:set=a:objects=3:...;ns=...;` → one Map per set. */
function parseSets(text: string): Array<Map<string, string>> {
  return text
    .split(';')
    .filter(Boolean)
    .map((entry) => parsePairs(entry, ':'));
}

describe('info commands', () => {
  const env = useTestbed();
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-udf-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function objects(ns: string): Promise<number> {
    return Number(parsePairs(await env.info(`namespace/${ns}`)).get('objects'));
  }

  test('build has four numeric parts; version names the build', async () => {
    const build = await env.info('build');
    assert.match(build, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(await env.info('version'), `Aerospike Community Edition build ${build}`);
    assert.match(await env.info('edition'), /Aerospike/);
  });

  test('namespaces lists both namespaces without a trailing separator', async () => {
    assert.equal(await env.info('namespaces'), 'test;bar');
  });

  test('namespace/<ns>: key=value pairs with objects counting writes and deletes', async () => {
    const stats = await env.info('namespace/test');
    assert.doesNotMatch(stats, /;$/, 'no trailing ;');
    for (const item of stats.split(';')) assert.match(item, /^[^=;]+=[^;]*$/, `item '${item}' lacks '='`);
    const pairs = parsePairs(stats);
    assert.equal(pairs.get('effective_replication_factor'), '1');
    assert.notEqual(pairs.get('ldt-enabled'), 'true');

    const before = await objects('test');
    const barBefore = await objects('bar');
    for (let i = 0; i < 25; i++) await env.client.put(new Aerospike.Key('test', 'count', i), { i });
    assert.equal(await objects('test'), before + 25);
    await env.client.put(new Aerospike.Key('test', 'count', 0), { i: 'again' });
    assert.equal(await objects('test'), before + 25, 'an update is not a new object');
    await env.client.remove(new Aerospike.Key('test', 'count', 0));
    assert.equal(await objects('test'), before + 24);
    assert.equal(await objects('bar'), barBefore, 'other namespace unchanged');

    assert.equal(await env.info('namespace/nope'), 'type=unknown');
  });

  test('sets/<ns> and sets/<ns>/<set> report per-set object counts', async () => {
    for (let i = 0; i < 3; i++) await env.client.put(new Aerospike.Key('bar', 'alpha', i), { i });
    for (let i = 0; i < 2; i++) await env.client.put(new Aerospike.Key('bar', 'beta', i), { i });
    await env.client.put(new Aerospike.Key('bar', null, 'no-set'), { i: 0 });
    const raw = await env.info('sets/bar');
    assert.match(raw, /;$/, 'every set entry ends with ;');
    const sets = parseSets(raw);
    const byName = new Map(sets.map((s) => [s.get('set'), s]));
    assert.deepEqual([...byName.keys()].sort(), ['alpha', 'beta']);
    assert.equal(byName.get('alpha')!.get('objects'), '3');
    assert.equal(byName.get('beta')!.get('objects'), '2');
    assert.equal(byName.get('alpha')!.get('ns'), 'bar');
    const one = parseSets(await env.info('sets/bar/beta'));
    assert.equal(one.length, 1);
    assert.equal(one[0]!.get('objects'), '2');
    assert.ok(parseSets(await env.info('sets')).some((s) => s.get('ns') === 'test'), 'plain `sets` covers all namespaces');
  });

  test('secondary indexes: create (and wait), list, stat, recreate, remove', async () => {
    const job = await env.client.createIntegerIndex({ ns: 'test', set: 'people', bin: 'age', index: 'idx_age' });
    await job.wait(10);
    await (await env.client.createStringIndex({ ns: 'test', set: 'people', bin: 'name', index: 'idx_name' })).wait(10);
    await (await env.client.createGeo2DSphereIndex({ ns: 'bar', set: 'places', bin: 'loc', index: 'idx_loc' })).wait(10);

    const list = await env.info('sindex-list:namespace=test');
    const entries = parseSets(list);
    const age = entries.find((e) => e.get('indexname') === 'idx_age');
    assert.ok(age, list);
    assert.equal(age.get('ns'), 'test');
    assert.equal(age.get('set'), 'people');
    assert.equal(age.get('bin'), 'age');
    assert.equal(age.get('type')!.toUpperCase(), 'NUMERIC');
    assert.equal(age.get('state'), 'RW');
    assert.equal(entries.find((e) => e.get('indexname') === 'idx_name')!.get('type')!.toUpperCase(), 'STRING');
    assert.ok(!entries.some((e) => e.get('indexname') === 'idx_loc'), 'sindex-list:namespace=test lists only test');
    // The asbackup spelling.
    assert.equal(parseSets(await env.info('sindex-list:ns=bar;b64=true')).length, 1);

    // The per-index stat the Node IndexJob polls.
    assert.equal(parsePairs(await env.info('sindex/test/idx_age')).get('load_pct'), '100');
    assert.equal(await errorCode(env.client.infoAny('sindex/test/no_such_index')), status.ERR_INDEX_NOT_FOUND);

    // Same name and definition: fine; same name, other definition: 200.
    await env.client.createIntegerIndex({ ns: 'test', set: 'people', bin: 'age', index: 'idx_age' });
    assert.equal(
      await errorCode(env.client.createStringIndex({ ns: 'test', set: 'people', bin: 'age', index: 'idx_age' })),
      status.ERR_INDEX_FOUND,
    );

    await env.client.indexRemove('test', 'idx_age');
    assert.ok(!parseSets(await env.info('sindex-list:namespace=test')).some((e) => e.get('indexname') === 'idx_age'));
    // Removing an index that does not exist is not an error (8.1 behaviour).
    await env.client.indexRemove('test', 'idx_age');
    await env.client.indexRemove('test', 'idx_name');
    await env.client.indexRemove('bar', 'idx_loc');
    assert.equal(await env.info('sindex-list:namespace=test'), '');
  });

  test('UDF modules: register (and wait), list, get, remove', async () => {
    const source = '-- tidemark test module\nfunction hello(rec, name)\n  return "hello " .. name\nend\n';
    const file = join(dir, 'tm_hello.lua');
    writeFileSync(file, source);
    const job = await env.client.udfRegister(file);
    await job.wait(10);

    const list = await env.info('udf-list');
    assert.match(list, /;$/, 'every udf-list entry ends with ;');
    const entry = list
      .split(';')
      .filter(Boolean)
      .map((e) => parsePairs(e, ','))
      .find((e) => e.get('filename') === 'tm_hello.lua');
    assert.ok(entry, list);
    assert.equal(entry.get('type'), 'LUA');
    assert.equal(entry.get('hash'), createHash('sha1').update(source).digest('hex'));

    const got = parsePairs(await env.info('udf-get:filename=tm_hello.lua;'));
    assert.equal(got.get('type'), 'LUA');
    assert.equal(Buffer.from(got.get('content')!, 'base64').toString('utf8'), source);

    // Re-registering replaces the content.
    writeFileSync(file, `${source}-- v2\n`);
    await (await env.client.udfRegister(file)).wait(10);
    const v2 = parsePairs(await env.info('udf-get:filename=tm_hello.lua'));
    assert.equal(Buffer.from(v2.get('content')!, 'base64').toString('utf8'), `${source}-- v2\n`);

    await (await env.client.udfRemove('tm_hello.lua')).wait(10);
    assert.doesNotMatch(await env.info('udf-list'), /tm_hello\.lua/);
    // Missing modules answer `error=...`, which the client reports as a UDF error (100).
    assert.equal(await errorCode(env.client.infoAny('udf-get:filename=tm_hello.lua')), status.ERR_UDF);
    assert.equal(await errorCode(env.client.udfRemove('tm_hello.lua')), status.ERR_UDF);
  });

  test('truncate a set (client.truncate) keeps other sets and namespaces', async () => {
    for (let i = 0; i < 5; i++) await env.client.put(new Aerospike.Key('test', 'trunc', i), { i });
    const keep = new Aerospike.Key('test', 'trunc-keep', 1);
    const other = new Aerospike.Key('bar', 'trunc', 1);
    await env.client.put(keep, { k: 1 });
    await env.client.put(other, { k: 1 });
    const before = await objects('test');
    await env.client.truncate('test', 'trunc', 0);
    assert.equal(await env.client.exists(new Aerospike.Key('test', 'trunc', 3)), false);
    assert.equal(await env.client.exists(keep), true);
    assert.equal(await env.client.exists(other), true);
    assert.equal(await objects('test'), before - 5);
    assert.ok(!parseSets(await env.info('sets/test')).some((s) => s.get('set') === 'trunc' && s.get('objects') !== '0'));
    // Writing again after the truncate works.
    await env.client.put(new Aerospike.Key('test', 'trunc', 1), { again: true });
    assert.equal(await env.client.exists(new Aerospike.Key('test', 'trunc', 1)), true);
  });

  test('truncate with a last-update cut-off deletes only older records', async () => {
    const old = new Aerospike.Key('test', 'cutoff', 'old');
    const young = new Aerospike.Key('test', 'cutoff', 'young');
    await env.client.put(old, { a: 1 });
    const t = Number(parsePairs(await env.info('testbed-clock:advance-ms=2000')).get('now-ms'));
    await env.client.put(young, { a: 1 });
    // Cut-off 1 s before the young record's write (nanoseconds since the Unix epoch).
    await env.client.truncate('test', 'cutoff', (t - 1000) * 1e6);
    assert.equal(await env.client.exists(old), false);
    assert.equal(await env.client.exists(young), true);
    // A cut-off in the future is refused.
    assert.equal(await errorCode(env.client.truncate('test', 'cutoff', (t + 3_600_000) * 1e6)), status.ERR_REQUEST_INVALID);
  });

  test('truncate-namespace via info empties one namespace', async () => {
    await env.client.put(new Aerospike.Key('bar', 'tn', 1), { a: 1 });
    await env.client.put(new Aerospike.Key('test', 'tn', 1), { a: 1 });
    assert.ok((await objects('bar')) > 0);
    const testBefore = await objects('test');
    assert.equal(await env.info('truncate-namespace:namespace=bar'), 'ok');
    assert.equal(await objects('bar'), 0);
    assert.equal(await objects('test'), testBefore);
    assert.equal(await env.client.exists(new Aerospike.Key('bar', 'tn', 1)), false);
    assert.equal(await errorCode(env.client.infoAny('truncate-namespace:namespace=nope')), status.ERR_NAMESPACE_NOT_FOUND);
  });

  test('get-config:context=service advertises batch-index-threads (asrestore needs it)', async () => {
    const n = Number(parsePairs(await env.info('get-config:context=service')).get('batch-index-threads'));
    assert.ok(n > 0);
  });

  test('info to a named host and to every node', async () => {
    const host = env.testbed.hosts[0]!;
    const raw = await env.client.info('namespaces', { addr: host.addr, port: host.port });
    assert.equal(raw, 'namespaces\ttest;bar\n');
    const all = await env.client.infoAll('build');
    assert.equal(all.length, 1);
    assert.match(all[0]!.info, /^build\t\d+\.\d+\.\d+\.\d+\n$/);
  });

  test('the client logged no warnings or errors', () => {
    assert.deepEqual(env.clientLog(), []);
  });
});
