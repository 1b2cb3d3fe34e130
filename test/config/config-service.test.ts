import { after, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfFileStore } from '../../electron/core/config/config-file.js';
import { ConfigError } from '../../electron/core/config/config-error.js';
import { ConfigService } from '../../electron/core/config/config-service.js';
import type { Keychain } from '../../electron/core/config/keychain.js';
import { MASK } from '../../electron/core/config/secrets.js';
import { KEYCHAIN_PREFIX } from '../../shared/schemas/config.js';

const root = mkdtempSync(join(tmpdir(), 'tidemark-config-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A stand-in for Electron's safeStorage: real AES, key held in memory like the OS keychain. */
function testKeychain(): Keychain {
  const key = randomBytes(32);
  return {
    isAvailable: () => true,
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
    },
    decrypt(b64) {
      const raw = Buffer.from(b64, 'base64');
      const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

let n = 0;
function fresh(keychain?: Keychain): { dir: string; path: string; open: () => ConfigService } {
  const dir = join(root, `c${n++}`);
  const path = join(dir, 'config.json');
  const open = (): ConfigService => {
    const s = new ConfigService({ store: new ConfFileStore(path), lastGood: new ConfFileStore(join(dir, 'config.last-good.json')), ...(keychain ? { keychain } : {}) });
    s.load();
    return s;
  };
  return { dir, path, open };
}

const cluster = { 'seed-nodes': [{ 'host-name': '127.0.0.1', port: 3000 }] };
const storage = { 'local-storage': { path: 'backups' } };
const policy = { parallel: 2, retention: { full: 3, incremental: 1 } };
const routine = { 'source-cluster': 'c1', storage: 's1', 'backup-policy': 'p1', 'interval-cron': '0 0 * * * *', namespaces: ['test'] };

function populate(s: ConfigService): void {
  s.put('aerospike-clusters', 'c1', cluster, 'create');
  s.put('storage', 's1', storage, 'create');
  s.put('backup-policies', 'p1', policy, 'create');
  s.put('backup-routines', 'r1', routine, 'create');
}

function refusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the change to be refused');
}

describe('config service', () => {
  let env: ReturnType<typeof fresh>;
  beforeEach(() => {
    env = fresh();
  });

  test('a missing file is an empty configuration; entries are created, written and read back', () => {
    const s = env.open();
    assert.deepEqual(Object.keys(s.config['backup-routines']), []);
    assert.equal(s.problem, undefined);
    populate(s);
    const again = env.open();
    assert.deepEqual(again.config['backup-routines'].r1?.namespaces, ['test']);
    assert.equal(again.config['backup-policies'].p1?.retention?.full, 3);
    const onDisk = JSON.parse(readFileSync(env.path, 'utf8'));
    assert.equal(onDisk['backup-routines'].r1['interval-cron'], '0 0 * * * *');
    assert.equal(statSync(env.path).mode & 0o777, 0o600, 'the config file is readable by its owner only');
    assert.deepEqual(JSON.parse(readFileSync(join(env.dir, 'config.last-good.json'), 'utf8')), onDisk);
  });

  test('references are checked: a routine naming a missing cluster, storage or policy is refused', () => {
    const s = env.open();
    s.put('aerospike-clusters', 'c1', cluster);
    const err = refusal(() => s.put('backup-routines', 'r1', routine));
    assert.equal(err.code, 'invalid');
    const paths = err.issues.map((i) => i.path.join('.'));
    assert.deepEqual(paths.sort(), ['backup-routines.r1.backup-policy', 'backup-routines.r1.storage']);
    assert.match(err.message, /storage 's1' is not defined \(no storage is defined yet\)/);
    assert.equal(env.open().has('backup-routines', 'r1'), false, 'nothing was written');
  });

  test('deleting a cluster, storage or policy a routine uses is refused; unused ones go', () => {
    const s = env.open();
    populate(s);
    for (const [section, name] of [
      ['aerospike-clusters', 'c1'],
      ['storage', 's1'],
      ['backup-policies', 'p1'],
    ] as const) {
      const err = refusal(() => s.remove(section, name));
      assert.equal(err.code, 'in-use');
      assert.match(err.message, /used by routine 'r1'/);
    }
    s.remove('backup-routines', 'r1');
    s.remove('aerospike-clusters', 'c1');
    assert.equal(env.open().has('aerospike-clusters', 'c1'), false);
    assert.equal(refusal(() => s.remove('storage', 'nope')).code, 'not-found');
  });

  test('create refuses an existing name, update a missing one', () => {
    const s = env.open();
    populate(s);
    assert.equal(refusal(() => s.put('storage', 's1', storage, 'create')).code, 'conflict');
    assert.equal(refusal(() => s.put('storage', 's2', storage, 'update')).code, 'not-found');
  });

  test('errors name the field path and the problem', () => {
    const s = env.open();
    populate(s);
    const err = refusal(() => s.put('backup-routines', 'r1', { ...routine, 'interval-cron': 'every day', nmespaces: ['x'] }));
    const text = err.message;
    assert.match(text, /backup-routines\.r1: Unrecognized key: "nmespaces"/);
    const cron = refusal(() => s.put('backup-routines', 'r1', { ...routine, 'interval-cron': 'every day' }));
    assert.equal(cron.issues[0]!.path.join('.'), 'backup-routines.r1.interval-cron');
    assert.match(cron.issues[0]!.message, /every day/);
  });

  test('a broken file is kept, reported, and the service runs on the last good copy; changes are refused until restored', () => {
    const s = env.open();
    populate(s);
    const handEdited = readFileSync(env.path, 'utf8').replace('"parallel": 2', '"parallel": "two"');
    writeFileSync(env.path, handEdited);
    const broken = env.open();
    assert.ok(broken.problem, 'the problem is reported');
    assert.equal(broken.problem.running, 'last-good');
    assert.match(broken.problem.message, /backup-policies\.p1\.parallel/);
    assert.equal(broken.config['backup-policies'].p1?.parallel, 2, 'runs on the last good copy');
    assert.equal(readFileSync(env.path, 'utf8'), handEdited, 'the broken file is untouched');
    const err = refusal(() => broken.put('storage', 's2', storage));
    assert.equal(err.code, 'broken-file');
    assert.equal(readFileSync(env.path, 'utf8'), handEdited, 'a refused change did not replace it');

    const aside = broken.restoreLastGood();
    assert.ok(aside && readFileSync(aside, 'utf8') === handEdited, 'the broken file is kept beside');
    assert.equal(broken.problem, undefined);
    assert.equal(env.open().config['backup-policies'].p1?.parallel, 2);
  });

  test('a file that is not JSON at all is reported the same way and kept', () => {
    const s = env.open();
    populate(s);
    writeFileSync(env.path, '{ "storage": ');
    const broken = env.open();
    assert.match(broken.problem?.message ?? '', /cannot be read/);
    assert.equal(broken.config['backup-routines'].r1?.storage, 's1');
    assert.equal(readFileSync(env.path, 'utf8'), '{ "storage": ');
  });

  test('a change made by another process meanwhile is kept, not overwritten', () => {
    const a = env.open();
    const b = env.open();
    populate(a);
    b.put('storage', 's2', { 'local-storage': { path: '/tmp/x' } });
    const c = env.open();
    assert.ok(c.has('backup-routines', 'r1') && c.has('storage', 's2'));
  });

  test('plain-text secrets are refused in plain Node unless explicitly allowed; references are fine', () => {
    const s = env.open();
    const withPassword = { ...cluster, credentials: { user: 'admin', password: 'hunter22' } };
    const err = refusal(() => s.put('aerospike-clusters', 'c1', withPassword));
    assert.equal(err.code, 'secret');
    assert.deepEqual(err.issues[0]!.path, ['aerospike-clusters', 'c1', 'credentials', 'password']);
    s.put('aerospike-clusters', 'c1', { ...cluster, credentials: { user: 'admin', 'password-env': 'AS_PASSWORD' } });
    s.replace({ ...s.config, tidemark: { 'plaintext-secrets': true } });
    s.put('aerospike-clusters', 'c2', withPassword);
    assert.match(readFileSync(env.path, 'utf8'), /hunter22/, 'written because the user allowed it');
    assert.equal(s.masked()['aerospike-clusters'].c2?.credentials?.password, MASK);
  });

  test('with a keychain, secrets are stored encrypted and read back in the clear; a masked value keeps the secret', () => {
    const keychain = testKeychain();
    const env2 = fresh(keychain);
    const s = env2.open();
    s.put('aerospike-clusters', 'c1', { ...cluster, credentials: { user: 'admin', password: 'hunter22' } });
    const text = readFileSync(env2.path, 'utf8');
    assert.doesNotMatch(text, /hunter22/);
    assert.match(text, new RegExp(KEYCHAIN_PREFIX));
    const again = env2.open();
    assert.equal(again.config['aerospike-clusters'].c1?.credentials?.password, 'hunter22');
    assert.deepEqual(again.secrets(), ['hunter22']);
    // A UI sends the masked config back with one field changed: the password must survive.
    const masked = again.masked();
    again.put('aerospike-clusters', 'c1', { ...masked['aerospike-clusters'].c1, label: 'prod' });
    const third = env2.open();
    assert.equal(third.config['aerospike-clusters'].c1?.credentials?.password, 'hunter22');
    assert.equal(third.config['aerospike-clusters'].c1?.label, 'prod');
    // Without the keychain (plain Node on the same file) the value stays sealed, never garbage.
    const plain = new ConfigService({ store: new ConfFileStore(env2.path), lastGood: new ConfFileStore(join(env2.dir, 'x.json')) });
    plain.load();
    assert.ok(plain.config['aerospike-clusters'].c1?.credentials?.password?.startsWith(KEYCHAIN_PREFIX));
  });

  test('replace validates the whole document and changes nothing when any part is wrong', () => {
    const s = env.open();
    populate(s);
    const before = readFileSync(env.path, 'utf8');
    const err = refusal(() => s.replace({ ...s.config, 'backup-routines': { r1: { ...routine, storage: 'gone' } } }));
    assert.match(err.message, /backup-routines\.r1\.storage: storage 'gone' is not defined/);
    assert.equal(readFileSync(env.path, 'utf8'), before);
    assert.deepEqual(readdirSync(env.dir).filter((f) => !f.endsWith('.json')), [], 'no temp files are left behind');
  });

  test('routines can be disabled and enabled', () => {
    const s = env.open();
    populate(s);
    s.setRoutineDisabled('r1', true);
    assert.equal(env.open().config['backup-routines'].r1?.disabled, true);
    s.setRoutineDisabled('r1', false);
    assert.equal(env.open().config['backup-routines'].r1?.disabled, undefined);
  });
});
