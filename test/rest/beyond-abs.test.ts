/**
 * Tidemark's endpoints beyond ABS, against a live `tidemark serve` child process: record history
 * and restoring one version, copy and merge as jobs, profile export and import (preview, merge,
 * replace, encrypted secrets), and the cluster and storage tests. Every answer is checked against
 * the served OpenAPI document.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import YAML from 'yaml';
import type { CatalogPage } from '../../shared/schemas/catalog.js';
import type { Config } from '../../shared/schemas/config.js';
import type { Job } from '../../shared/schemas/job.js';
import type { RecordHistory } from '../../shared/schemas/record-history.js';
import type { ApiError, ClusterTestResult, ImportPreview, ImportResult, ProfileExport, StorageTestResult } from '../../shared/schemas/rest.js';
import { http } from './helpers.js';
import { startStack, type Stack } from './stack.js';

let s: Stack;

before(async () => {
  s = await startStack();
});

after(async () => {
  await s?.close();
});

const job = (a: { json: unknown }): Job => a.json as Job;
const issuePaths = (a: { json: unknown }): string[] => (a.json as ApiError).issues.map((i) => i.path.join('.'));
const lookup7 = { routine: 'daily', set: 'people', key: '7', 'key-type': 'integer' } as const;

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

test('the document lists the new endpoints', () => {
  for (const p of ['/v1/catalog/examine', '/v1/catalog/examine/restore', '/v1/catalog/copy', '/v1/catalog/merge', '/v1/profiles/export', '/v1/profiles/import/preview', '/v1/profiles/import', '/v1/config/clusters/{name}/test', '/v1/config/storage/{name}/test']) {
    assert.ok(s.doc.paths[p]?.post, `POST ${p} is documented`);
  }
});

describe('record history, copy and merge', () => {
  let fullKey = '';
  let incKey = '';

  before(async () => {
    const full = await s.call('POST', '/v1/backups/full/daily?wait=true');
    assert.equal(job(full).status, 'success', job(full).error);
    await s.client.put(new Aerospike.Key('test', 'people', 7), { i: 700 });
    const inc = await s.call('POST', '/v1/backups/incremental/daily?wait=true');
    assert.equal(job(inc).status, 'success', job(inc).error);
    const page = (await s.call('GET', '/v1/catalog/backups?routine=daily&storage=local')).json as CatalogPage;
    fullKey = page.backups.find((b) => b.kind === 'full')!.key;
    incKey = page.backups.find((b) => b.kind === 'incremental')!.key;
  });

  test('examine: both versions newest first, with bins and generation; unchanged records name the incremental as absent', async () => {
    const a = await s.call('POST', '/v1/catalog/examine', { body: lookup7 });
    assert.equal(a.status, 200, a.text);
    const h = a.json as RecordHistory;
    assert.deepEqual(h.versions.map((v) => v.backup), [incKey, fullKey]);
    const bin = (v: RecordHistory['versions'][number]) => v.bins.find((b) => b.name === 'i')?.value;
    assert.equal(bin(h.versions[0]!), 700);
    assert.equal(bin(h.versions[1]!), 7);
    assert.ok(h.versions[0]!.generation > h.versions[1]!.generation, 'the rewrite raised the generation');
    assert.deepEqual(h.absent, []);

    const other = (await s.call('POST', '/v1/catalog/examine', { body: { ...lookup7, key: '8', 'use-index': false } })).json as RecordHistory;
    assert.deepEqual(other.versions.map((v) => v.backup), [fullKey]);
    assert.deepEqual(other.absent.map((x) => [x.backup, x.meaning]), [[incKey, 'unchanged-in-incremental']]);
    assert.equal(other.searched.scanned, 2, 'use-index: false scans');

    const byDigest = (await s.call('POST', '/v1/catalog/examine', { body: { routine: 'daily', digest: h.digest } })).json as RecordHistory;
    assert.deepEqual(byDigest.versions.map((v) => v.generation), h.versions.map((v) => v.generation));
  });

  test('examine refuses bad lookups naming the field', async () => {
    const both = await s.call('POST', '/v1/catalog/examine', { body: { ...lookup7, digest: '00'.repeat(20) } });
    assert.equal(both.status, 400);
    assert.deepEqual(issuePaths(both), ['body.digest']);
    const neither = await s.call('POST', '/v1/catalog/examine', { body: { routine: 'daily', set: 'people' } });
    assert.equal(neither.status, 400);
    assert.deepEqual(issuePaths(neither), ['body.key']);
    const notInt = await s.call('POST', '/v1/catalog/examine', { body: { ...lookup7, key: 'seven' } });
    assert.equal(notInt.status, 400, notInt.text);
    assert.deepEqual(issuePaths(notInt), ['body.key']);
    const extra = await s.call('POST', '/v1/catalog/examine', { body: { ...lookup7, sett: 'x' } });
    assert.equal(extra.status, 400);
    assert.equal((await s.call('POST', '/v1/catalog/examine', { body: { ...lookup7, routine: 'ghost' } })).status, 404);
    const noBackups = await s.call('POST', '/v1/catalog/examine', { body: { ...lookup7, routine: 'slow' } });
    assert.equal(noBackups.status, 404, noBackups.text);
    assert.deepEqual(issuePaths(noBackups), ['body.routine']);
  });

  test('restore one version into another namespace, as a job', async () => {
    const a = await s.call('POST', '/v1/catalog/examine/restore?wait=true', { body: { lookup: lookup7, backup: fullKey, namespace: 'bar' } });
    assert.equal(a.status, 200, a.text);
    assert.equal(job(a).type, 'restore');
    assert.equal(job(a).status, 'success', job(a).error);
    const rec = await s.client.get(new Aerospike.Key('bar', 'people', 7));
    assert.equal(rec.bins.i, 7, 'the full backup\'s version, not the current one');
    assert.equal((await s.client.get(new Aerospike.Key('test', 'people', 7))).bins.i, 700, 'the source is untouched');

    const missing = await s.call('POST', '/v1/catalog/examine/restore', { body: { lookup: lookup7, backup: 'daily/backup/1/data/test' } });
    assert.equal(missing.status, 404);
    assert.deepEqual(issuePaths(missing), ['body.backup']);
    const notThere = await s.call('POST', '/v1/catalog/examine/restore', { body: { lookup: { ...lookup7, key: '8' }, backup: incKey } });
    assert.equal(notThere.status, 404, 'the incremental holds no version of record 8');
    assert.deepEqual(issuePaths(notThere), ['body.backup']);
    assert.equal((await s.call('POST', '/v1/catalog/examine/restore', { body: { lookup: lookup7, backup: fullKey, destination: 'ghost' } })).status, 404);
  });

  test('copy a full backup with its incremental to S3 (202, then the job ends), refusing bad targets', async () => {
    const a = await s.call('POST', '/v1/catalog/copy', { body: { storage: 'local', key: fullKey, to: 's3' } });
    assert.equal(a.status, 202, a.text);
    assert.equal(job(a).type, 'copy');
    const final = await s.events.finished(job(a).id);
    assert.equal(final.status, 'success', String(final.error));
    const copied = (await s.call('GET', '/v1/catalog/backups?storage=s3&routine=daily&refresh=true')).json as CatalogPage;
    assert.deepEqual(copied.backups.map((b) => b.key).sort(), [fullKey, incKey].sort());

    const same = await s.call('POST', '/v1/catalog/copy', { body: { storage: 'local', key: fullKey, to: 'local' } });
    assert.equal(same.status, 400);
    assert.deepEqual(issuePaths(same), ['body.to']);
    const unknownKey = await s.call('POST', '/v1/catalog/copy', { body: { storage: 'local', key: 'daily/backup/1/data/test', to: 's3' } });
    assert.equal(unknownKey.status, 404);
    assert.deepEqual(issuePaths(unknownKey), ['key']);
    assert.equal((await s.call('POST', '/v1/catalog/copy', { body: { storage: 'local', key: fullKey, to: 'ghost' } })).status, 404);
  });

  test('merge the full backup and its incremental into a new full backup holding the newest version', async () => {
    const a = await s.call('POST', '/v1/catalog/merge?wait=true', { body: { routine: 'daily', upto: Date.now() } });
    assert.equal(a.status, 200, a.text);
    assert.equal(job(a).type, 'merge');
    assert.equal(job(a).status, 'success', job(a).error);
    const fulls = ((await s.call('GET', '/v1/catalog/backups?storage=local&routine=daily&kind=full')).json as CatalogPage).backups;
    assert.equal(fulls.length, 2);
    const merged = fulls.find((b) => b.key !== fullKey)!;
    const h = (await s.call('POST', '/v1/catalog/examine', { body: lookup7 })).json as RecordHistory;
    const v = h.versions.find((x) => x.backup === merged.key);
    assert.equal(v?.bins.find((b) => b.name === 'i')?.value, 700, 'the merged full holds the incremental\'s version');

    const tooEarly = await s.call('POST', '/v1/catalog/merge', { body: { routine: 'daily', upto: 1000 } });
    assert.equal(tooEarly.status, 404);
    assert.deepEqual(issuePaths(tooEarly), ['body.upto']);
    assert.equal((await s.call('POST', '/v1/catalog/merge', { body: { routine: 'daily', upto: Date.now(), to: 'ghost' } })).status, 404);
    assert.equal((await s.call('POST', '/v1/catalog/merge', { body: { routine: 'daily', upto: 'now' } })).status, 400);
  });
});

describe('profiles', () => {
  const passphrase = 'correct horse battery staple';

  test('export json leaves secrets out, with a passphrase encrypts them, never the API credentials or the passphrase in a log', async () => {
    assert.equal((await s.call('PUT', '/v1/access/basic', { body: { user: 'ops', password: 'basic-pass-123' } })).status, 200);
    const plain = await s.call('POST', '/v1/profiles/export', { body: {} });
    assert.equal(plain.status, 200, plain.text);
    const p = plain.json as ProfileExport;
    assert.equal(p.format, 'json');
    assert.match(p.filename, /\.json$/);
    const doc = JSON.parse(p.text) as { format: string; config: Config };
    assert.deepEqual(Object.keys(doc.config['backup-routines']).sort(), ['cloud', 'daily', 'slow']);
    assert.deepEqual(p.secrets.included, []);
    assert.ok(p.secrets.omitted.some((x) => x.join('.') === 'storage.s3.s3-storage.s3-secret-access-key'));
    assert.ok(!p.text.includes(s.s3.credentials.secretAccessKey));
    assert.ok(!/basic-auth|password-bcrypt|token-sha256/.test(p.text), 'the API\'s access settings stay on this machine');

    const enc = await s.call('POST', '/v1/profiles/export', { body: { routines: ['cloud'], format: 'yaml', passphrase } });
    assert.equal(enc.status, 200, enc.text);
    const e = enc.json as ProfileExport;
    assert.deepEqual(e.secrets.included.map((x) => x.join('.')).sort(), ['storage.s3.s3-storage.s3-access-key-id', 'storage.s3.s3-storage.s3-secret-access-key']);
    const y = YAML.parse(e.text) as { config: Config };
    assert.deepEqual(Object.keys(y.config['backup-routines']), ['cloud']);
    assert.ok(!e.text.includes(s.s3.credentials.secretAccessKey));

    const abs = await s.call('POST', '/v1/profiles/export', { body: { format: 'abs' } });
    assert.equal(abs.status, 200);
    assert.ok(YAML.parse((abs.json as ProfileExport).text)['backup-routines'].daily);

    const absPass = await s.call('POST', '/v1/profiles/export', { body: { format: 'abs', passphrase } });
    assert.equal(absPass.status, 400);
    assert.deepEqual(issuePaths(absPass), ['body.passphrase']);
    const ghost = await s.call('POST', '/v1/profiles/export', { body: { routines: ['ghost'] } });
    assert.equal(ghost.status, 404);
    assert.equal((await s.call('POST', '/v1/profiles/export', { body: { passphrase: 'short' } })).status, 400);

    const logged = filesUnder(s.dir).filter((f) => f.includes('/logs/'));
    assert.ok(logged.length > 0, 'the server writes a log');
    for (const f of logged) assert.ok(!readFileSync(f, 'utf8').includes(passphrase), `${f} does not hold the passphrase`);
  });

  test('import: preview shows added and conflicting, apply refuses the conflict (409, nothing changed), overwrite applies', async () => {
    const exported = JSON.parse(((await s.call('POST', '/v1/profiles/export', { body: {} })).json as ProfileExport).text) as { config: Config };
    exported.config.storage.extra = { 'local-storage': { path: 'extra' } };
    exported.config['backup-policies'].fast = { ...exported.config['backup-policies'].fast, parallel: 3 };
    const text = JSON.stringify(exported);

    const pv = await s.call('POST', '/v1/profiles/import/preview', { body: { text } });
    assert.equal(pv.status, 200, pv.text);
    const preview = pv.json as ImportPreview;
    const status = (section: string, name: string) => preview.entries.find((x) => x.section === section && x.name === name)?.status;
    assert.equal(status('storage', 'extra'), 'added');
    assert.equal(status('backup-policies', 'fast'), 'conflicting');
    assert.equal(status('backup-routines', 'daily'), 'unchanged');
    assert.deepEqual(preview.blocking.map((b) => [b.reason, b.path.join('.')]), [['conflict', 'backup-policies.fast']]);
    assert.ok(preview.secrets.some((x) => x.status === 'kept'), 'left-out secrets keep the current values');

    const before = (await s.call('GET', '/v1/config')).json as Config;
    const refused = await s.call('POST', '/v1/profiles/import', { body: { text } });
    assert.equal(refused.status, 409);
    assert.deepEqual(issuePaths(refused), ['backup-policies.fast']);
    assert.deepEqual((await s.call('GET', '/v1/config')).json, before, 'nothing changed');

    const ok = await s.call('POST', '/v1/profiles/import', { body: { text, overwrite: true } });
    assert.equal(ok.status, 200, ok.text);
    const r = ok.json as ImportResult;
    assert.equal(r.config['backup-policies'].fast!.parallel, 3);
    assert.ok(r.config.storage.extra);
    assert.equal(r.config.storage.s3!['s3-storage']!['s3-secret-access-key'], '********', 'the answer masks secrets');
    const again = await s.call('POST', '/v1/backups/full/cloud?wait=true');
    assert.equal(job(again).status, 'success', 'the kept S3 secret still works');
  });

  test('import of an encrypted profile: the passphrase is asked for and checked; replace keeps the API access', async () => {
    const e = (await s.call('POST', '/v1/profiles/export', { body: { passphrase } })).json as ProfileExport;
    const need = await s.call('POST', '/v1/profiles/import/preview', { body: { text: e.text } });
    assert.equal(need.status, 400);
    assert.deepEqual(issuePaths(need), ['passphrase']);
    const wrong = await s.call('POST', '/v1/profiles/import/preview', { body: { text: e.text, passphrase: 'not the passphrase' } });
    assert.equal(wrong.status, 400);
    assert.deepEqual(issuePaths(wrong), ['passphrase']);
    const tampered = await s.call('POST', '/v1/profiles/import/preview', { body: { text: e.text.replace('"fast"', '"fastr"'), passphrase } });
    assert.equal(tampered.status, 400);
    assert.equal((await s.call('POST', '/v1/profiles/import/preview', { body: { text: '{ not json' } })).status, 400);

    const preview = (await s.call('POST', '/v1/profiles/import/preview', { body: { text: e.text, passphrase, mode: 'replace' } })).json as ImportPreview;
    assert.ok(preview.secrets.some((x) => x.status === 'included'));
    assert.deepEqual(preview.entries.filter((x) => x.status !== 'unchanged'), [], 'the file is the whole config, the API access included');

    const replaced = await s.call('POST', '/v1/profiles/import', { body: { text: e.text, passphrase, mode: 'replace' } });
    assert.equal(replaced.status, 200, replaced.text);
    const basic = await http(s.serve.base, 'GET', '/v1/config', { token: null, headers: { authorization: `Basic ${Buffer.from('ops:basic-pass-123').toString('base64')}` } });
    assert.equal(basic.status, 200, 'basic auth set on this machine survives a replace import');
    const again = await s.call('POST', '/v1/backups/full/cloud?wait=true');
    assert.equal(job(again).status, 'success', 'the decrypted S3 secret works');
  });
});

describe('connection and storage tests', () => {
  test('a configured cluster: namespaces, sets with object counts, build', async () => {
    const a = await s.call('POST', '/v1/config/clusters/tb/test');
    assert.equal(a.status, 200, a.text);
    const r = a.json as Extract<ClusterTestResult, { ok: true }>;
    assert.equal(r.ok, true);
    assert.ok(r.build.length > 0);
    assert.equal(r.nodes, 1);
    assert.deepEqual(r.namespaces.map((n) => n.name), ['bar', 'test']);
    let people = 0;
    await new Promise<void>((resolve, reject) => {
      const stream = s.client.scan('test', 'people').foreach();
      stream.on('data', () => void people++);
      stream.on('error', reject);
      stream.on('end', () => resolve());
    });
    const test = r.namespaces.find((n) => n.name === 'test')!;
    assert.equal(test.sets.find((x) => x.name === 'people')?.objects, people);
    assert.ok(test.objects >= people);
  });

  test('an entry from a form: reachable, unreachable (ok: false), invalid (400), unknown name (404)', async () => {
    const seed = { 'host-name': s.host, port: s.port };
    const good = (await s.call('POST', '/v1/config/clusters/new-one/test', { body: { 'seed-nodes': [seed] } })).json as ClusterTestResult;
    assert.equal(good.ok, true);
    const closed = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const port = (srv.address() as { port: number }).port;
        srv.close(() => resolve(port));
      });
    });
    const bad = await s.call('POST', '/v1/config/clusters/new-one/test', { body: { 'seed-nodes': [{ 'host-name': '127.0.0.1', port: closed }], 'conn-timeout': 1000 } });
    assert.equal(bad.status, 200);
    const br = bad.json as Extract<ClusterTestResult, { ok: false }>;
    assert.equal(br.ok, false);
    assert.match(br.error, /connect/i);
    const invalid = await s.call('POST', '/v1/config/clusters/new-one/test', { body: { 'seed-nodes': [] } });
    assert.equal(invalid.status, 400);
    assert.equal((await s.call('POST', '/v1/config/clusters/ghost/test')).status, 404);
    assert.equal((await s.call('POST', '/v1/config/storage/ghost/test')).status, 404);
  });

  test('storage: local and S3 by name, a masked S3 entry stands for the saved keys, no probe left behind', async () => {
    for (const name of ['local', 's3']) {
      const a = await s.call('POST', `/v1/config/storage/${name}/test`);
      assert.equal(a.status, 200, a.text);
      const r = a.json as StorageTestResult;
      assert.equal(r.ok, true, JSON.stringify(r));
      if (r.ok) assert.ok(r['write-ms'] >= 0 && r['read-ms'] >= 0);
    }
    assert.deepEqual(filesUnder(join(s.dir, 'backups', '.tidemark-probe')), [], 'the local probe is deleted');
    const masked = ((await s.call('GET', '/v1/config/storage/s3')).json) as Record<string, unknown>;
    assert.equal(((await s.call('POST', '/v1/config/storage/s3/test', { body: masked })).json as StorageTestResult).ok, true);
    const maskedNew = (await s.call('POST', '/v1/config/storage/other/test', { body: masked })).json as StorageTestResult;
    assert.equal(maskedNew.ok, false, 'a mask with no saved entry behind it is not a secret');
  });

  test('storage that cannot be written: ok false, naming the step', async () => {
    const file = join(s.dir, 'config.json');
    const r = (await s.call('POST', '/v1/config/storage/new-store/test', { body: { 'local-storage': { path: join(file, 'below-a-file') } } })).json as StorageTestResult;
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.step, 'write');
  });
});

test('every answer matched the served OpenAPI document', () => {
  assert.deepEqual(s.contractErrors, []);
});
