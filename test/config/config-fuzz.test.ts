/**
 * Hostile and malformed config documents, generated from a seeded PRNG so any failure reproduces
 * (the seed and case are in every message; FUZZ_SEED picks another run). Each document is fed to
 * ConfigService.validate, replace and put, and to the profile import (as a config file and as a
 * profile, in JSON and YAML); each must be refused with an issue naming the field, and neither the
 * stored config file nor Object.prototype may change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify as stringifyYaml } from 'yaml';
import { ConfigError } from '../../electron/core/config/config-error.js';
import { parseProfile, ProfileError } from '../../electron/core/profiles/index.js';
import { SECTIONS, type ConfigInput, type ConfigIssue, type Section } from '../../shared/schemas/config.js';
import { tempService } from '../profiles/helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x7e57ab1e);
const BASES = 10;
const CASES_PER_BASE = 55;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };
type Path = Array<string | number>;

/** mulberry32: small, fast, and the same sequence everywhere for a seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number): boolean => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

// ---------------------------------------------------------------------------------------------
// Valid base configs

const VALID_CRONS = ['@daily', '@weekly', '0 0 2 * * *', '30 3 * * *', '0 */15 * * * *', '0 0 1 ? * MON'];

function baseConfig(r: Rng): Obj {
  const name = (prefix: string, i: number): string => r.pick([`${prefix}${i}`, `${prefix}-${i}`, `${prefix}.${i}`, `${prefix.toUpperCase()}_${i}`]);
  const clusters: Obj = {};
  const storages: Obj = {};
  const policies: Obj = {};
  const routines: Obj = {};
  const nc = 1 + r.int(3);
  for (let i = 0; i < nc; i++) {
    const c: Obj = { 'seed-nodes': [{ 'host-name': `db${i}.example.com`, port: 3000 + r.int(10) }] };
    if (r.chance(0.5)) c.label = `Cluster ${i}`;
    if (r.chance(0.6)) c.credentials = r.chance(0.5) ? { user: 'backup', password: `pw-${r.int(1e6)}` } : { user: 'ops', 'password-env': 'AS_PASSWORD' };
    if (r.chance(0.5)) c['conn-timeout'] = 1000 + r.int(5000);
    if (r.chance(0.5)) c['max-parallel-scans'] = 1 + r.int(8);
    clusters[name('cluster', i)] = c;
  }
  const ns = 1 + r.int(3);
  for (let i = 0; i < ns; i++) {
    const kind = r.int(3);
    storages[name('store', i)] =
      kind === 0
        ? { 'local-storage': { path: `/var/backups/${i}` } }
        : kind === 1
          ? { 's3-storage': { bucket: `bucket-${i}`, path: `root/${i}`, 's3-region': 'eu-west-1', 's3-profile': 'ops' } }
          : { 's3-storage': { bucket: `keys-${i}`, 's3-region': 'us-east-1', 's3-access-key-id': `AKIA${r.int(1e9)}`, 's3-secret-access-key': `secret-${r.int(1e9)}`, 'min_part_size': 8 * 1024 * 1024 } };
  }
  const np = 1 + r.int(3);
  for (let i = 0; i < np; i++) {
    const p: Obj = { parallel: 1 + r.int(16), sealed: r.chance(0.5), 'socket-timeout': 10_000, 'retry-delay': 500 };
    if (r.chance(0.5)) p.compression = { mode: 'ZSTD', level: 1 + r.int(20) };
    if (r.chance(0.3)) p.encryption = { mode: 'AES256', 'key-env': 'BACKUP_KEY' };
    const cleanup = r.int(4);
    if (cleanup < 2) p.retention = { full: 1 + r.int(10), incremental: r.int(5) };
    else if (cleanup === 2) p['remove-files'] = r.pick(['KeepAll', 'RemoveAll', 'RemoveIncremental']);
    if (r.chance(0.3)) p['max-age'] = r.pick(['30d', '12h', 86_400_000]);
    policies[name('policy', i)] = p;
  }
  const nr = 1 + r.int(4);
  for (let i = 0; i < nr; i++) {
    const rt: Obj = {
      'source-cluster': r.pick(Object.keys(clusters)),
      storage: r.pick(Object.keys(storages)),
      'backup-policy': r.pick(Object.keys(policies)),
      'interval-cron': r.pick(VALID_CRONS),
      namespaces: r.chance(0.5) ? [] : ['test', `ns${i}`],
    };
    if (r.chance(0.5)) rt['incr-interval-cron'] = r.pick(VALID_CRONS);
    if (r.chance(0.3)) rt['set-list'] = ['users', 'orders'];
    if (r.chance(0.3)) rt.timezone = r.pick(['UTC', 'Europe/Berlin']);
    if (r.chance(0.3)) rt.disabled = r.chance(0.5);
    if (r.chance(0.5)) {
      rt.hooks = {
        'on-start': [{ command: ['/usr/bin/notify', '--start'], env: { TEAM: 'storage', LEVEL: '2' }, timeout: 30_000 }],
        'on-failure': [{ webhook: 'https://hooks.example.com/x', headers: { Authorization: `Bearer ${r.int(1e9)}`, 'X-Env': 'prod' }, timeout: 5000 }],
      };
    }
    routines[name('routine', i)] = rt;
  }
  return {
    'aerospike-clusters': clusters,
    storage: storages,
    'backup-policies': policies,
    'backup-routines': routines,
    service: { http: { port: 8000 + r.int(1000), timeout: 30_000 }, logger: { level: 'INFO', 'stdout-writer': true } },
    tidemark: { 'plaintext-secrets': true, 'history-days': 30 },
  };
}

// ---------------------------------------------------------------------------------------------
// Where things can go wrong in a document

interface Location {
  path: Path;
  kind: 'object' | 'record' | 'array' | 'string' | 'number' | 'boolean';
}

/** Objects whose keys are names (any valid name is accepted), not fixed fields. */
function isRecord(path: Path): boolean {
  if (path.length === 1) return Object.keys(SECTIONS).includes(String(path[0]));
  const last = path[path.length - 1];
  return path[2] === 'hooks' && (last === 'env' || last === 'headers');
}

function locations(doc: Json, path: Path = []): Location[] {
  if (doc === null) return [];
  if (Array.isArray(doc)) return [{ path, kind: 'array' }, ...doc.flatMap((v, i) => locations(v, [...path, i]))];
  if (typeof doc === 'object') {
    const here: Location[] = path.length ? [{ path, kind: isRecord(path) ? 'record' : 'object' }] : [];
    return [...here, ...Object.entries(doc).flatMap(([k, v]) => locations(v, [...path, k]))];
  }
  return [{ path, kind: typeof doc as 'string' | 'number' | 'boolean' }];
}

function get(doc: Json, path: Path): Json {
  let v: Json = doc;
  for (const k of path) v = (v as Record<string | number, Json>)[k]!;
  return v;
}

/** Sets an own property, so `__proto__` is data and not the prototype. */
function setOwn(target: Json, key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function setAt(doc: Json, path: Path, value: Json): void {
  setOwn(get(doc, path.slice(0, -1)), path[path.length - 1]!, value);
}

/** JS values JSON cannot hold, written as markers and replaced in the text. */
const INF = '@@inf@@';
const NINF = '@@-inf@@';

interface Case {
  category: string;
  doc: Json;
  /** The field the hostile change is at: a refusal must name it (or a parent, or it in the message). */
  target: Path;
  /** put() can reproduce it: the change lies inside one named entry. */
  putable: boolean;
  /** Numbers JSON cannot carry: the JS document differs from its text. */
  nonFinite?: { path: Path; value: number };
}

const BAD_CRONS = ['* * *', '99 * * * *', '@sometimes', '*/0 * * * *', '1-2-3 * * * *', 'a b c d e', '* * * * * * * * *', '0 0 32 * *', '0 0 30 2 *', '60 * * * * *', '* * * * 8', ' '];
const RESERVED = ['__proto__', 'constructor', 'prototype'];

function nested(r: Rng, depth: number): Json {
  let v: Json = r.pick([1, 'x', true, null]);
  const asArray = r.chance(0.5);
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

function otherTypeThan(r: Rng, v: Json, key: string | number | undefined): Json {
  // Some fields take two types: replace them only with what neither accepts.
  const unions: Record<string, Array<Location['kind'] | 'null'>> = { 'max-age': ['number', 'string'], command: ['array', 'string'] };
  const kindOf = (x: Json): string => (x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x === 'object' ? 'object' : typeof x);
  const taken = new Set<string>([kindOf(v), ...(unions[String(key)] ?? [])]);
  const all: Json[] = ['text', 42, true, null, [], {}, ['a', 1], { x: 1 }];
  const options = all.filter((x) => !taken.has(kindOf(x)));
  return r.pick(options);
}

function makeCase(r: Rng, base: Obj, i: number): Case {
  const doc = structuredClone(base) as Json;
  const locs = locations(doc);
  const where = (kinds: Array<Location['kind']>): Location => r.pick(locs.filter((l) => kinds.includes(l.kind)));
  const inEntry = (p: Path): boolean => p.length >= 2 && Object.keys(SECTIONS).includes(String(p[0]));
  const categories = ['wrong-type', 'unknown-field', 'missing-reference', 'bad-cron', 'huge-string', 'deep-nesting', 'reserved-key', 'out-of-range', 'non-finite', 'array-for-object'];
  const category = categories[i % categories.length]!;
  const routines = Object.keys((doc as Obj)['backup-routines'] as Obj);

  switch (category) {
    case 'wrong-type': {
      const l = where(['object', 'record', 'array', 'string', 'number', 'boolean']);
      setAt(doc, l.path, otherTypeThan(r, get(doc, l.path), l.path[l.path.length - 1]));
      return { category, doc, target: l.path, putable: inEntry(l.path) };
    }
    case 'unknown-field': {
      const strict = locs.filter((l) => l.kind === 'object');
      const atRoot = r.chance(0.1);
      const l = atRoot ? { path: [] as Path } : r.pick(strict);
      const key = r.pick([`x-${r.int(1e6)}`, 'Parallel', 'seed_nodes', 'passwrd', 'interval_cron', 'enabled', 'tls-name2']);
      setOwn(get(doc, l.path), key, r.pick(['x', 1, true, { a: 1 }]));
      return { category, doc, target: [...l.path, key], putable: inEntry([...l.path, key]) };
    }
    case 'missing-reference': {
      const routine = r.pick(routines);
      const field = r.pick(['source-cluster', 'storage', 'backup-policy'] as const);
      const target: Path = ['backup-routines', routine, field];
      if (r.chance(0.5)) {
        setAt(doc, target, r.pick(['nope', 'missing-1', 'Prod', `${String(get(doc, target))}x`]));
        return { category, doc, target, putable: true };
      }
      const section = { 'source-cluster': 'aerospike-clusters', storage: 'storage', 'backup-policy': 'backup-policies' }[field];
      delete (get(doc, [section]) as Obj)[String(get(doc, target))];
      return { category, doc, target, putable: false };
    }
    case 'bad-cron': {
      const routine = r.pick(routines);
      const target: Path = ['backup-routines', routine, r.pick(['interval-cron', 'incr-interval-cron'])];
      setAt(doc, target, r.pick(BAD_CRONS));
      return { category, doc, target, putable: true };
    }
    case 'huge-string': {
      // 1-2.5 million characters: megabytes, yet (even as \u0000 escapes) under the 16 MiB file limit.
      const huge = r.pick(['x', 'é', '\u0000', '/', '*']).repeat(1_000_000 + r.int(1_500_000));
      if (r.chance(0.3)) {
        const section = r.pick(Object.keys(SECTIONS));
        const entries = get(doc, [section]) as Obj;
        const some = Object.values(entries)[0] ?? {};
        setOwn(entries, huge, structuredClone(some));
        return { category, doc, target: [section, huge], putable: true };
      }
      const l = where(['string']);
      setAt(doc, l.path, huge);
      return { category, doc, target: l.path, putable: inEntry(l.path) };
    }
    case 'deep-nesting': {
      const l = where(['object', 'record', 'array', 'string', 'number', 'boolean']);
      setAt(doc, l.path, nested(r, r.pick([17, 20, 40, 65, 200, 2000])));
      return { category, doc, target: l.path, putable: inEntry(l.path) };
    }
    case 'reserved-key': {
      const key = r.pick(RESERVED);
      const value = r.pick<Json>([{ polluted: true }, 'polluted', 1, { 'seed-nodes': [{ 'host-name': 'evil' }] }]);
      const mode = r.int(3);
      if (mode === 0) {
        // As an entry name, with a valid entry as its value.
        const section = r.pick(Object.keys(SECTIONS));
        const entries = get(doc, [section]) as Obj;
        const some = Object.values(entries)[0];
        setOwn(entries, key, some === undefined ? value : structuredClone(some));
        return { category, doc, target: [section, key], putable: true };
      }
      if (mode === 1) {
        // As a field of any object, fixed-field or name-keyed (sections, env, headers).
        const l = r.chance(0.1) ? { path: [] as Path } : where(['object', 'record']);
        setOwn(get(doc, l.path), key, value);
        return { category, doc, target: [...l.path, key], putable: inEntry([...l.path, key]) };
      }
      // As the name a routine refers to.
      const target: Path = ['backup-routines', r.pick(routines), r.pick(['source-cluster', 'storage', 'backup-policy'])];
      setAt(doc, target, key);
      return { category, doc, target, putable: true };
    }
    case 'out-of-range': {
      const l = where(['number']);
      setAt(doc, l.path, r.pick([-1e6, -1, 1e20, 2 ** 53, 2 ** 31, 0.5, 1.5, 1e308]));
      // -1 and 2^31 are fine for some fields (compression level, records per second): keep only what no field takes.
      const v = get(doc, l.path) as number;
      if (v === -1 || v === 2 ** 31) setAt(doc, l.path, -1e6);
      return { category, doc, target: l.path, putable: inEntry(l.path) };
    }
    case 'non-finite': {
      const l = where(['number']);
      const value = r.pick([NaN, Infinity, -Infinity]);
      setAt(doc, l.path, value);
      return { category, doc, target: l.path, putable: inEntry(l.path), nonFinite: { path: l.path, value } };
    }
    default: {
      const l = where(['object', 'record']);
      setAt(doc, l.path, r.chance(0.5) ? [] : [get(doc, l.path)]);
      return { category, doc, target: l.path, putable: inEntry(l.path) };
    }
  }
}

function jsonText(c: Case): string {
  const text = JSON.stringify(c.doc, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? (v === Infinity ? INF : v === -Infinity ? NINF : 'NaN') : v));
  return text.replace(`"${INF}"`, '1e999').replace(`"${NINF}"`, '-1e999');
}

// ---------------------------------------------------------------------------------------------

function related(a: Path, b: Path): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (String(a[i]) !== String(b[i]) && !String(a[i]).endsWith('…')) return false;
  return true;
}

/** Some issue names the field: its path leads to or from the target, or its message names it. */
function assertFieldLevel(issues: readonly ConfigIssue[], c: Case, where: string, prefix: Path = []): void {
  assert.ok(issues.length > 0, `${where}: refused without issues`);
  const target = [...prefix, ...c.target];
  const last = String(c.target[c.target.length - 1] ?? '');
  const named = issues.some((i) => (i.path.length > 0 && related(i.path, target)) || (last.length < 200 && i.message.includes(last)));
  assert.ok(named, `${where}: no issue names ${target.join('.').slice(0, 200)}: ${JSON.stringify(issues).slice(0, 600)}`);
}

async function refusedImport(text: string, c: Case, where: string, prefix: Path): Promise<void> {
  let parsed: unknown;
  try {
    parsed = await parseProfile(text);
  } catch (err) {
    assert.ok(err instanceof ProfileError, `${where}: crashed with ${String(err)}`);
    assert.ok(err.code === 'invalid' || err.code === 'malformed', `${where}: ${err.code}`);
    assertFieldLevel(err.issues, c, where, prefix);
    return;
  }
  assert.fail(`${where}: accepted (${JSON.stringify(parsed).slice(0, 200)})`);
}

function envelope(configText: string): string {
  return `{"format":"tidemark-profile","version":1,"exported-at":"2025-01-01T00:00:00.000Z","tool-version":"fuzz","scope":{"kind":"full"},"secrets":{"mode":"none","omitted":[]},"config":${configText}}`;
}

test(`config fuzz: ${BASES * CASES_PER_BASE} hostile documents are refused field by field and change nothing (seed ${SEED})`, async () => {
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
  const arrayProtoBefore = Object.getOwnPropertyNames(Array.prototype).sort();
  const r = prng(SEED);
  const seen = new Map<string, number>();
  for (let b = 0; b < BASES; b++) {
    const base = baseConfig(r);
    const t = tempService(base as unknown as ConfigInput);
    try {
      const bytes = t.bytes();
      const inMemory = structuredClone(t.service.config);
      assert.ok(bytes, 'the base config was not written');
      for (let i = 0; i < CASES_PER_BASE; i++) {
        const c = makeCase(r, base, i + b);
        const where = `seed ${SEED} base ${b} case ${i} (${c.category} at ${c.target.join('.').slice(0, 120)})`;
        seen.set(c.category, (seen.get(c.category) ?? 0) + 1);

        const v = t.service.validate(c.doc);
        assert.equal(v.ok, false, `${where}: validate accepted it`);
        if (!v.ok) assertFieldLevel(v.issues, c, `${where} validate`);

        assert.throws(
          () => t.service.replace(c.doc),
          (err: unknown) => {
            assert.ok(err instanceof ConfigError, `${where} replace: crashed with ${String(err)}`);
            assert.equal(err.code, 'invalid', `${where} replace: ${err.message.slice(0, 300)}`);
            assertFieldLevel(err.issues, c, `${where} replace`);
            return true;
          },
        );

        if (c.putable) {
          const [section, name] = c.target as [Section, string];
          const entry = Object.prototype.hasOwnProperty.call(get(c.doc, [section]), name) ? get(c.doc, [section, name]) : undefined;
          assert.throws(
            () => t.service.put(section, name, entry),
            (err: unknown) => {
              assert.ok(err instanceof ConfigError, `${where} put: crashed with ${String(err)}`);
              assertFieldLevel(err.issues, c, `${where} put`);
              return true;
            },
          );
        }

        const text = jsonText(c);
        await refusedImport(text, c, `${where} import config file`, []);
        await refusedImport(envelope(text), c, `${where} import profile`, ['config']);
        if (i % 3 === 0 && c.category !== 'deep-nesting' && !c.nonFinite) {
          await refusedImport(stringifyYaml(c.doc, { aliasDuplicateObjects: false }), c, `${where} import YAML config file`, []);
        }

        assert.deepEqual(t.bytes(), bytes, `${where}: the config file changed`);
      }
      assert.deepEqual(t.service.config, inMemory, `base ${b}: the in-memory config changed`);
    } finally {
      t.close();
    }
  }
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoBefore, 'Object.prototype gained or lost properties');
  assert.deepEqual(Object.getOwnPropertyNames(Array.prototype).sort(), arrayProtoBefore, 'Array.prototype gained or lost properties');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'seed-nodes'), false);
  // Every category ran many times.
  assert.equal(seen.size, 10);
  for (const [category, n] of seen) assert.ok(n >= 50, `${category} ran only ${n} times`);
});

test('documents that are not objects at all are refused as such, and change nothing', () => {
  const t = tempService({ 'backup-policies': { p: { parallel: 2 } } });
  try {
    const bytes = t.bytes();
    for (const doc of [null, [], 'config', 42, true, [{ storage: {} }]]) {
      const v = t.service.validate(doc);
      assert.equal(v.ok, false);
      if (!v.ok) assert.match(v.issues[0]!.message, /expected object/);
      assert.throws(() => t.service.replace(doc), ConfigError);
    }
    // Values JSON cannot hold, given through the API.
    for (const bad of [() => 1, Symbol('x'), 10n, new Date(0), new Map(), new Uint8Array(2)]) {
      assert.throws(() => t.service.put('backup-policies', 'p', { parallel: 2, sealed: bad }), (err: unknown) => err instanceof ConfigError && err.issues.some((i) => i.path.join('.') === 'backup-policies.p.sealed'));
    }
    assert.deepEqual(t.bytes(), bytes);
  } finally {
    t.close();
  }
});

test('what fuzzing found: inputs that were accepted are now refused, naming the field', () => {
  const t = tempService();
  try {
    const base = { 'backup-policies': { p: { parallel: 2 } } };
    const refusedAt = (doc: unknown, path: string, message: RegExp): void => {
      const v = t.service.validate(doc);
      assert.equal(v.ok, false, `accepted: ${path}`);
      if (!v.ok) assert.ok(v.issues.some((i) => i.path.join('.') === path && message.test(i.message)), `${path}: ${JSON.stringify(v.issues)}`);
    };
    // zod's records dropped an own __proto__ key without a word: the entry vanished, the config was "valid".
    refusedAt(JSON.parse('{"backup-policies": {"__proto__": {"parallel": 2}, "p": {"parallel": 2}}}'), 'backup-policies.__proto__', /reserved/);
    refusedAt(JSON.parse('{"backup-policies": {"constructor": {"parallel": 2}}}'), 'backup-policies.constructor', /reserved/);
    refusedAt(
      JSON.parse('{"aerospike-clusters": {"c": {"seed-nodes": [{"host-name": "h"}]}}, "storage": {"s": {"local-storage": {"path": "/x"}}}, "backup-policies": {"p": {}}, "backup-routines": {"r": {"source-cluster": "c", "storage": "s", "backup-policy": "p", "interval-cron": "@daily", "hooks": {"on-start": [{"command": ["x"], "env": {"__proto__": "y"}}]}}}}'),
      'backup-routines.r.hooks.on-start.0.env.__proto__',
      /reserved/,
    );
    refusedAt({ ...base, 'secret-agent': JSON.parse('{"__proto__": {"address": "x"}}') }, 'secret-agent.__proto__', /reserved/);
    // A name routines refer to.
    refusedAt({ 'backup-routines': { r: { 'source-cluster': 'prototype', storage: 's', 'backup-policy': 'p', 'interval-cron': '@daily' } } }, 'backup-routines.r.source-cluster', /reserved/);
    // Fields without a length limit of their own took megabytes.
    refusedAt({ storage: { s: { 'local-storage': { path: 'x'.repeat(2_000_000) } } } }, 'storage.s.local-storage.path', /too long \(at most 65536\)/);
    refusedAt({ service: { http: { rate: { 'white-list': ['x'.repeat(300)] } } } }, 'service.http.rate.white-list.0', /Too big/);
    // Timeouts beyond what Node's timers take (they would fire at once, not late).
    for (const field of ['socket-timeout', 'total-timeout', 'retry-delay'] as const) {
      refusedAt({ 'backup-policies': { p: { [field]: 2 ** 31 } } }, `backup-policies.p.${field}`, /at most 2147483647 ms/);
      assert.equal(t.service.validate({ 'backup-policies': { p: { [field]: 2 ** 31 - 1 } } }).ok, true);
    }
    refusedAt({ service: { http: { timeout: 2 ** 31 } } }, 'service.http.timeout', /at most 2147483647 ms/);
  } finally {
    t.close();
  }
});

test('put and remove refuse the name __proto__ whatever the value', () => {
  const t = tempService();
  try {
    assert.throws(() => t.service.put('backup-policies', '__proto__', 'x'), ConfigError);
    assert.throws(() => t.service.remove('storage', '__proto__'), ConfigError);
  } finally {
    t.close();
  }
});
