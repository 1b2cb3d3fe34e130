/**
 * Malformed requests across every endpoint — broken and wrongly typed bodies, unknown fields,
 * bad query strings, hostile path parameters, odd headers — generated from a seeded PRNG. None
 * may answer 500; every one aimed at a changing endpoint is refused (4xx); and afterwards the
 * config file is byte for byte what it was and no job was started. Most run in-process
 * (fastify.inject, fast); a sample runs against a real `tidemark serve`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createRestServer } from '../../electron/core/rest/server.js';
import { TidemarkService } from '../../electron/core/service/tidemark-service.js';
import { http, prng, startServe, TOKEN } from './helpers.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Case {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';
  url: string;
  headers: Record<string, string>;
  payload?: string;
  why: string;
}

const BASE_CONFIG = {
  'aerospike-clusters': { tb: { 'seed-nodes': [{ 'host-name': '127.0.0.1', port: 3999 }] } },
  storage: { local: { 'local-storage': { path: 'backups' } } },
  'backup-policies': { p: { parallel: 1 } },
  'backup-routines': { r: { 'source-cluster': 'tb', storage: 'local', 'backup-policy': 'p', 'interval-cron': '@yearly', namespaces: ['test'] } },
};

/** Valid bodies; every case mutates one so that it is certainly invalid. */
const BODIES: Record<string, Json> = {
  cluster: { 'seed-nodes': [{ 'host-name': 'h', port: 3000 }], label: 'x', 'conn-timeout': 1000, 'max-parallel-scans': 4, credentials: { user: 'u', 'password-env': 'PW' } },
  storage: { 's3-storage': { bucket: 'bucket1', path: 'p', 's3-region': 'us-east-1', 's3-endpoint-override': 'http://127.0.0.1:9', min_part_size: 5242880 } },
  policy: { parallel: 2, 'records-per-second': 0, compression: { mode: 'ZSTD', level: 1 }, retention: { full: 2 }, sealed: true },
  routine: { 'source-cluster': 'tb', storage: 'local', 'backup-policy': 'p', 'interval-cron': '@daily', namespaces: ['test'], 'set-list': ['s'] },
  config: BASE_CONFIG as unknown as Json,
  restore: { 'backup-data-path': 'r/backup/1/data/test', source: { 'local-storage': { path: 'backups' } }, 'destination-name': 'tb', policy: { parallel: 1, namespace: { source: 'test', destination: 'bar' } } },
  timestamp: { routine: 'r', time: 1, policy: { parallel: 1, 'no-generation': true, namespace: { source: 'test', destination: 'bar' } } },
  basic: { user: 'ops', password: 'long enough password' },
  ref: { storage: 'local', key: 'r/backup/1/data/test' },
  del: { storage: 'local', key: 'r/backup/1/data/test', confirmation: '0123456789abcdef' },
  copy: { storage: 'local', key: 'r/backup/1/data/test', to: 'local2', 'with-incrementals': true },
  merge: { routine: 'r', upto: 1, to: 'local' },
  version: { lookup: { routine: 'r', set: 's', key: 'k', 'key-type': 'string' }, backup: 'r/backup/1/data/test', destination: 'tb', namespace: 'bar' },
  profile: { text: '{"backup-routines":{}}', mode: 'merge', overwrite: false },
};

/** Where each body goes; only names that exist or could be created are used here. */
const BODY_TARGETS: Array<[Case['method'], string, keyof typeof BODIES]> = [
  ['POST', '/v1/config/clusters/new1', 'cluster'],
  ['PUT', '/v1/config/clusters/tb', 'cluster'],
  ['POST', '/v1/config/storage/new1', 'storage'],
  ['PUT', '/v1/config/storage/local', 'storage'],
  ['POST', '/v1/config/policies/new1', 'policy'],
  ['PUT', '/v1/config/policies/p', 'policy'],
  ['POST', '/v1/config/routines/new1', 'routine'],
  ['PUT', '/v1/config/routines/r', 'routine'],
  ['PUT', '/v1/config', 'config'],
  ['POST', '/v1/restore/full', 'restore'],
  ['POST', '/v1/restore/incremental', 'restore'],
  ['POST', '/v1/restore/timestamp', 'timestamp'],
  ['PUT', '/v1/access/basic', 'basic'],
  ['POST', '/v1/catalog/verify', 'ref'],
  ['POST', '/v1/catalog/delete-plan', 'ref'],
  ['POST', '/v1/catalog/delete', 'del'],
  ['POST', '/v1/catalog/copy', 'copy'],
  ['POST', '/v1/catalog/merge', 'merge'],
  ['POST', '/v1/catalog/examine/restore', 'version'],
  ['POST', '/v1/profiles/import', 'profile'],
];

const BAD_NAMES = ['..', '%2e%2e', '__proto__', 'constructor', 'prototype', 'a'.repeat(300), '%00', 'x%2Fy', '%20', '%F0%9F%92%A5', '$%7Bjndi%7D', "'%20OR%201=1", '-lead', 'ghost', 'missing.routine', '%E2%80%AE', '%C0%AE'];
const BAD_JOB_NUMBERS = ['abc', '-1', '1.5', '99999999999999999999', '0x10', '1e3', '%00', '', ' '];
const BAD_UUIDS = ['not-a-uuid', '00000000-0000-0000-0000-00000000000g', '%00', '1'];
const BAD_QUERIES = ['delay=abc', 'delay=-1', 'delay=1e3', 'delay=99999999999999', 'delay=1&delay=2', 'wait=maybe', 'label=', 'zzz=1', 'from=x', 'to=-5', 'from=9&to=1', `label=${'x'.repeat(300)}`, 'delay=%00'];
const BAD_LIST_QUERIES = ['from=x', 'to=1.5', 'from=10&to=1', 'status=Bogus', 'status=!', 'status=,', 'zzz=1', 'from=1&from=2', 'type=nope', 'limit=0', 'limit=abc', 'routine=__proto__'];
const BROKEN_JSON = ['{', '[', '{"a":}', '{"a" 1}', '\u0000', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[', 'null', '0', '"text"', 'true', '[]', '1e400', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '\ufeff{"a":', '{"a":1,"a":2,"b":'];

/** One certainly-invalid change to a valid document. */
function mutate(doc: Json, rnd: () => number): Json {
  const copy = structuredClone(doc);
  const spots: Array<{ holder: Record<string, Json> | Json[]; key: string | number; value: Json }> = [];
  const objects: Array<Record<string, Json>> = [];
  const walk = (v: Json): void => {
    if (Array.isArray(v)) v.forEach((x, i) => (spots.push({ holder: v, key: i, value: x }), walk(x)));
    else if (v && typeof v === 'object') {
      objects.push(v);
      for (const [k, x] of Object.entries(v)) {
        spots.push({ holder: v, key: k, value: x });
        walk(x);
      }
    }
  };
  walk(copy);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  if (rnd() < 0.25 || spots.length === 0) {
    pick(objects)[`unknown-${Math.floor(rnd() * 1000)}`] = pick<Json>([1, 'x', true, null, {}]);
    return copy;
  }
  const spot = pick(spots);
  const kind = Array.isArray(spot.value) ? 'array' : spot.value === null ? 'null' : typeof spot.value;
  // A value of another JSON type (never one the field could take).
  const others: Json[] = ([
    ['string', 'not-the-type'],
    ['number', -123.5],
    ['boolean', true],
    ['object', { unexpected: 1 }],
    ['array', [[1], { a: 2 }]],
    ['null', null],
  ] as Array<[string, Json]>)
    .filter(([t]) => t !== kind)
    .map(([, v]) => v);
  (spot.holder as Record<string | number, Json>)[spot.key] = pick(others);
  return copy;
}

function cases(seed: number, count: number): Case[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const auth = { authorization: `Bearer ${TOKEN}`, host: '127.0.0.1:8080' };
  const json = { ...auth, 'content-type': 'application/json' };
  const out: Case[] = [];
  const gens: Array<() => Case> = [
    () => {
      const [method, url, body] = pick(BODY_TARGETS);
      return { method, url, headers: json, payload: JSON.stringify(mutate(BODIES[body]!, rnd)), why: `mutated ${body}` };
    },
    () => {
      const [method, url] = pick(BODY_TARGETS);
      return { method, url, headers: json, payload: pick(BROKEN_JSON), why: 'broken JSON' };
    },
    () => {
      const [method, url, body] = pick(BODY_TARGETS);
      const ct = pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-7']);
      return { method, url, headers: { ...auth, 'content-type': ct }, payload: ct.includes('utf-7') ? '+AHsAfQ-' : JSON.stringify(BODIES[body]), why: `content-type ${ct}` };
    },
    () => {
      const [method, url] = pick(BODY_TARGETS);
      return { method, url, headers: json, payload: JSON.stringify({ deep: JSON.parse('['.repeat(200) + ']'.repeat(200)) as Json, [pick(['__proto__', 'constructor', 'a'.repeat(2000)])]: 1 }), why: 'hostile keys' };
    },
    () => {
      const seg = pick(['clusters', 'storage', 'policies', 'routines']);
      const method = pick(['GET', 'POST', 'PUT', 'DELETE'] as const);
      return { method, url: `/v1/config/${seg}/${pick(BAD_NAMES)}`, headers: method === 'POST' || method === 'PUT' ? json : auth, ...(method === 'POST' || method === 'PUT' ? { payload: '{"unknown-field":1}' } : {}), why: 'bad entry name' };
    },
    () => {
      const route = pick(['full', 'incremental', 'schedule', 'cancel', 'currentBackup']);
      const method = route === 'currentBackup' ? 'GET' : 'POST';
      return { method, url: `/v1/backups/${route}/${pick(BAD_NAMES)}`, headers: auth, why: 'bad routine' };
    },
    () => ({ method: 'POST', url: `/v1/backups/${pick(['full', 'incremental', 'schedule'])}/r?${pick(BAD_QUERIES)}`, headers: auth, why: 'bad trigger query' }),
    () => ({ method: 'GET', url: `${pick(['/v1/backups/full', '/v1/backups/incremental', '/v1/backups/full/r', '/v1/restore/jobs', '/v1/jobs', '/v1/catalog/backups', '/v1/catalog/timeline/r'])}?${pick(BAD_LIST_QUERIES)}`, headers: auth, why: 'bad list query' }),
    () => ({ method: pick(['GET', 'POST'] as const), url: `/v1/restore/${pick(['status', 'cancel'])}/${pick(BAD_JOB_NUMBERS)}`, headers: auth, why: 'bad restore job id' }),
    () => ({ method: pick(['GET', 'POST'] as const), url: `/v1/jobs/${pick(BAD_UUIDS)}${rnd() < 0.5 ? '/cancel' : ''}`, headers: auth, why: 'bad job id' }),
    () => ({ method: 'POST', url: `/v1/schedule/${pick(['pause', 'resume'])}?${pick(['routine=__proto__', 'routine=ghost', 'zzz=1', 'routine=', 'routine=a&routine=b'])}`, headers: auth, why: 'bad schedule query' }),
    () => ({ method: 'PUT', url: `/v1/config/routines/${pick(BAD_NAMES)}/${pick(['enable', 'disable'])}`, headers: auth, why: 'bad enable' }),
    () => {
      const [method, url, body] = pick(BODY_TARGETS);
      const headers = pick<Record<string, string>>([
        { host: '127.0.0.1:8080' },
        { host: '127.0.0.1:8080', authorization: 'Bearer' },
        { host: '127.0.0.1:8080', authorization: `Basic ${'%%%'}` },
        { host: '127.0.0.1:8080', authorization: `Bearer ${TOKEN}x` },
        { host: 'evil.example', authorization: `Bearer ${TOKEN}` },
        { host: '127.0.0.1:8080', authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' },
        { host: 'localhost.evil.example', authorization: `Bearer ${TOKEN}` },
      ]);
      return { method, url, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(BODIES[body]), why: 'bad headers' };
    },
    () => ({ method: pick(['PATCH', 'OPTIONS'] as const), url: pick(['/v1/config', '/v1/config/routines/r', '/v1/backups/full/r']), headers: auth, why: 'method not allowed' }),
    () => ({ method: 'GET', url: `/v1/events?${pick(['routine=__proto__', 'job=x', 'zzz=1'])}`, headers: auth, why: 'bad events query' }),
  ];
  while (out.length < count) out.push(pick(gens)());
  return out;
}

describe('fuzz: malformed requests', () => {
  let dir: string;
  let service: TidemarkService;
  let app: FastifyInstance;
  let configText: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-rest-fuzz-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(BASE_CONFIG, null, 2));
    service = await TidemarkService.open({ configPath: join(dir, 'config.json'), logStdout: false });
    ({ app } = await createRestServer(service, { env: { TIDEMARK_API_TOKEN: TOKEN } }));
    configText = readFileSync(join(dir, 'config.json'), 'utf8');
  });

  after(async () => {
    await app?.close();
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('1,500 malformed requests in-process: no 500, every change refused, config and jobs untouched', async () => {
    const before = structuredClone(service.config.config);
    const statuses = new Map<number, number>();
    for (const c of cases(0x7de3a4, 1500)) {
      const r = await app.inject({ method: c.method, url: c.url, headers: c.headers, ...(c.payload !== undefined ? { payload: c.payload } : {}) });
      statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
      assert.ok(r.statusCode < 500, `${c.why}: ${c.method} ${c.url} ${c.payload?.slice(0, 200) ?? ''} → ${r.statusCode} ${r.body.slice(0, 300)}`);
      if (c.method !== 'GET' && c.method !== 'OPTIONS') {
        assert.ok(r.statusCode >= 400, `${c.why}: ${c.method} ${c.url} ${c.payload?.slice(0, 200) ?? ''} was accepted (${r.statusCode})`);
      }
      if (r.statusCode >= 400 && r.statusCode !== 404 && c.method !== 'OPTIONS') {
        const body = r.json() as { error?: unknown; issues?: unknown };
        assert.equal(typeof body.error, 'string', `${c.why}: the error says what is wrong (${r.statusCode} ${r.body.slice(0, 200)})`);
        assert.ok(Array.isArray(body.issues), `${c.why}: ${r.body.slice(0, 200)}`);
      }
    }
    assert.equal(readFileSync(join(dir, 'config.json'), 'utf8'), configText, 'the config file is unchanged');
    assert.deepEqual(service.config.config, before);
    assert.deepEqual(service.listJobs(), [], 'no job was started');
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
    // The mix exercised refusals of every kind.
    for (const code of [400, 401, 403, 404, 415]) assert.ok((statuses.get(code) ?? 0) > 0, `some ${code}s (${JSON.stringify([...statuses])})`);
  });

  test('a field-level error names the field', async () => {
    const r = await app.inject({ method: 'PUT', url: '/v1/config/policies/p', headers: { host: '127.0.0.1', authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, payload: { parallel: 'two' } });
    assert.equal(r.statusCode, 400);
    assert.deepEqual((r.json() as { issues: Array<{ path: unknown[] }> }).issues[0]!.path, ['body', 'parallel']);
    const ref = await app.inject({ method: 'POST', url: '/v1/config/routines/r9', headers: { host: '127.0.0.1', authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, payload: { ...BODIES.routine as object, 'source-cluster': 'ghost' } });
    assert.equal(ref.statusCode, 400);
    assert.deepEqual((ref.json() as { issues: Array<{ path: unknown[] }> }).issues[0]!.path, ['backup-routines', 'r9', 'source-cluster']);
  });
});

describe('fuzz against a live tidemark serve', () => {
  test('a sample of malformed requests: no 500, config unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-rest-fuzz-live-'));
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(BASE_CONFIG, null, 2));
    const serve = await startServe(configPath);
    try {
      const text = readFileSync(configPath, 'utf8');
      for (const c of cases(42, 80)) {
        const r = await http(serve.base, c.method, c.url, { token: null, headers: { ...c.headers, host: c.headers.host === '127.0.0.1:8080' ? `127.0.0.1:${serve.port}` : c.headers.host! }, ...(c.payload !== undefined ? { raw: c.payload } : {}) });
        assert.ok(r.status < 500, `${c.why}: ${c.method} ${c.url} → ${r.status} ${r.text.slice(0, 200)}`);
      }
      assert.equal(readFileSync(configPath, 'utf8'), text);
      assert.deepEqual((await http(serve.base, 'GET', '/v1/jobs')).json, []);
    } finally {
      await serve.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
