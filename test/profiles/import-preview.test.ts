import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyImport, exportProfile, parseProfile, previewImport, ProfileError, type ImportPreview } from '../../electron/core/profiles/index.js';
import type { ConfigInput } from '../../shared/schemas/config.js';
import { richConfig, tempService } from './helpers.js';

const PASSPHRASE = 'correct horse battery staple';
const FAST = { N: 2 ** 14 };

/** "section/name: status" lines, sorted, so a whole preview compares at once. */
function statuses(p: ImportPreview): string[] {
  return p.entries.map((e) => `${e.section}/${e.name}: ${e.status}`).sort();
}

test('partial export carries exactly the chosen routines and what they reference', async () => {
  const a = tempService(richConfig());
  try {
    const exported = await exportProfile(a.service.config, { routines: ['weekly', 'staging'], passphrase: PASSPHRASE, scryptCost: FAST });
    assert.deepEqual(exported.scope, { kind: 'routines', routines: ['weekly', 'staging'] });
    const { config, scope } = JSON.parse(exported.text);
    assert.deepEqual(scope, { kind: 'routines', routines: ['weekly', 'staging'] });
    assert.deepEqual(Object.keys(config).sort(), ['aerospike-clusters', 'backup-policies', 'backup-routines', 'storage']);
    assert.deepEqual(Object.keys(config['backup-routines']).sort(), ['staging', 'weekly']);
    assert.deepEqual(Object.keys(config['aerospike-clusters']).sort(), ['prod', 'staging']);
    assert.deepEqual(Object.keys(config.storage), ['disk']);
    assert.deepEqual(Object.keys(config['backup-policies']).sort(), ['fast', 'keep']);
    // Only the secrets of what was chosen travel: the S3 keys and nightly's webhook header stay behind.
    assert.deepEqual(exported.secrets.included, [['aerospike-clusters', 'prod', 'credentials', 'password']]);

    const parsed = await parseProfile(exported.text, { passphrase: PASSPHRASE });
    const full = a.service.config;
    assert.deepEqual(parsed.config['backup-routines'].weekly, full['backup-routines'].weekly);
    assert.deepEqual(parsed.config['aerospike-clusters'].prod, full['aerospike-clusters'].prod);

    const only = await exportProfile(a.service.config, { routines: ['nightly'] });
    const one = JSON.parse(only.text).config;
    assert.deepEqual([Object.keys(one['aerospike-clusters']), Object.keys(one.storage), Object.keys(one['backup-policies'])], [['prod'], ['s3'], ['fast']]);

    await assert.rejects(exportProfile(a.service.config, { routines: ['nightly', 'nope'] }), (err: unknown) => {
      assert.ok(err instanceof ProfileError);
      assert.equal(err.code, 'not-found');
      assert.deepEqual(err.issues.map((i) => i.path), [['backup-routines', 'nope']]);
      assert.match(err.message, /routine 'nope' is not defined \(defined: nightly, weekly, staging\)/);
      return true;
    });
  } finally {
    a.close();
  }
});

test("a partial profile's scope must match the routines it holds", async () => {
  const a = tempService(richConfig());
  try {
    const doc = JSON.parse((await exportProfile(a.service.config, { routines: ['weekly'] })).text);
    doc.scope.routines = ['weekly', 'nightly'];
    await assert.rejects(parseProfile(JSON.stringify(doc)), (err: unknown) => err instanceof ProfileError && err.code === 'malformed' && /scope\.routines: names nightly, weekly but the config holds the routines weekly/.test(err.message));
  } finally {
    a.close();
  }
});

/** The current config: prod and disk as in the file, fast differs, `old` exists only here. */
function currentConfig(): ConfigInput {
  const c = richConfig();
  c['backup-policies']!.fast = { parallel: 8, sealed: true, compression: { mode: 'ZSTD', level: 3 } };
  c['backup-policies']!.old = { parallel: 2 };
  c['backup-routines'] = {
    legacy: { 'source-cluster': 'staging', storage: 'disk', 'backup-policy': 'old', 'interval-cron': '@daily' },
    weekly: { 'source-cluster': 'prod', storage: 'disk', 'backup-policy': 'keep', 'interval-cron': '@weekly', 'skip-on-battery': true },
  };
  delete c.storage!.s3;
  c.service = { http: { port: 9090 }, logger: { level: 'INFO' } };
  return c;
}

test('preview in merge and replace modes; apply follows it and refuses conflicts without touching the file', async () => {
  const source = tempService(richConfig());
  const target = tempService(currentConfig());
  try {
    const parsed = await parseProfile((await exportProfile(source.service.config, { passphrase: PASSPHRASE, scryptCost: FAST })).text, { passphrase: PASSPHRASE });

    const merge = previewImport(target.service.config, parsed, { mode: 'merge' });
    assert.deepEqual(statuses(merge), [
      'aerospike-clusters/prod: unchanged',
      'aerospike-clusters/staging: unchanged',
      'backup-policies/fast: conflicting',
      'backup-policies/keep: unchanged',
      'backup-routines/nightly: added',
      'backup-routines/staging: added',
      'backup-routines/weekly: unchanged',
      'settings/service: conflicting',
      'settings/tidemark: unchanged',
      'storage/disk: unchanged',
      'storage/s3: added',
    ]);
    assert.deepEqual(merge.entries.find((e) => e.name === 'fast')?.fields, ['parallel']);
    assert.deepEqual(merge.entries.find((e) => e.name === 'service')?.fields, ['http.port']);
    assert.deepEqual(
      merge.blocking.map((b) => [b.reason, b.path.join('.')]),
      [
        ['conflict', 'backup-policies.fast'],
        ['conflict', 'service'],
      ],
    );
    assert.match(merge.blocking[0]!.message, /policy 'fast' differs from the current one \(parallel\): import with overwrite/);

    const overwrite = previewImport(target.service.config, parsed, { mode: 'merge', overwrite: true });
    assert.deepEqual(
      overwrite.entries.filter((e) => e.status === 'changed').map((e) => e.name),
      ['fast', 'service'],
    );
    assert.deepEqual(overwrite.blocking, []);

    const replace = previewImport(target.service.config, parsed, { mode: 'replace' });
    assert.deepEqual(
      statuses(replace).filter((s) => !s.endsWith('unchanged')),
      [
        'backup-policies/fast: changed',
        'backup-policies/old: removed',
        'backup-routines/legacy: removed',
        'backup-routines/nightly: added',
        'backup-routines/staging: added',
        'settings/service: changed',
        'storage/s3: added',
      ],
    );

    const before = target.bytes();
    assert.throws(
      () => applyImport(target.service, parsed, { mode: 'merge' }),
      (err: unknown) => err instanceof ProfileError && err.code === 'conflict' && err.issues.length === 2,
    );
    assert.deepEqual(target.bytes(), before, 'a refused import changed the config file');

    // merge + overwrite: the file's versions win, what only the current config has stays.
    const merged = applyImport(target.service, parsed, { mode: 'merge', overwrite: true }).config;
    assert.equal(merged['backup-policies'].fast!.parallel, 16);
    assert.equal(merged.service?.http?.port, 8080);
    assert.deepEqual(Object.keys(merged['backup-routines']).sort(), ['legacy', 'nightly', 'staging', 'weekly']);
    assert.deepEqual(merged['backup-policies'].old, { parallel: 2 });

    // replace: the config becomes the file's.
    const replaced = applyImport(target.service, parsed, { mode: 'replace' }).config;
    assert.deepEqual(replaced, source.service.config);
  } finally {
    source.close();
    target.close();
  }
});

test('replace with a partial profile removes everything else, and says so', async () => {
  const a = tempService(richConfig());
  try {
    const parsed = await parseProfile((await exportProfile(a.service.config, { routines: ['weekly'], passphrase: PASSPHRASE, scryptCost: FAST })).text, { passphrase: PASSPHRASE });
    const p = previewImport(a.service.config, parsed, { mode: 'replace' });
    assert.deepEqual(
      statuses(p).filter((s) => s.endsWith('removed')),
      ['backup-policies/fast: removed', 'backup-routines/nightly: removed', 'backup-routines/staging: removed', 'aerospike-clusters/staging: removed', 'settings/service: removed', 'settings/tidemark: removed', 'storage/s3: removed'].sort(),
    );
    assert.ok(p.warnings.some((w) => /holds only the routines weekly .*replace removes everything else/.test(w.message)));
    const merge = previewImport(a.service.config, parsed, { mode: 'merge' });
    assert.ok(merge.entries.every((e) => e.status === 'unchanged'));
  } finally {
    a.close();
  }
});

test('secrets left out of a conflicting entry keep the current ones when the file version is taken', async () => {
  const a = tempService(richConfig());
  try {
    const doc = JSON.parse((await exportProfile(a.service.config)).text);
    doc.config['aerospike-clusters'].prod['max-parallel-scans'] = 9;
    const parsed = await parseProfile(JSON.stringify(doc));
    const p = previewImport(a.service.config, parsed, { mode: 'merge', overwrite: true });
    assert.deepEqual(p.entries.find((e) => e.name === 'prod' && e.section === 'aerospike-clusters'), { section: 'aerospike-clusters', name: 'prod', status: 'changed', fields: ['max-parallel-scans'] });
    const after = applyImport(a.service, parsed, { mode: 'merge', overwrite: true }).config;
    assert.equal(after['aerospike-clusters'].prod!['max-parallel-scans'], 9);
    assert.equal(after['aerospike-clusters'].prod!.credentials?.password, 'cluster-pa55word');
  } finally {
    a.close();
  }
});

test("secrets: 'skip' drops the file's secrets; where the current config has them they stay", async () => {
  const a = tempService(richConfig());
  try {
    const parsed = await parseProfile((await exportProfile(a.service.config, { passphrase: PASSPHRASE, scryptCost: FAST })).text, { passphrase: PASSPHRASE });
    const p = previewImport(a.service.config, parsed, { mode: 'merge', secrets: 'skip' });
    assert.deepEqual(new Set(p.secrets.map((s) => s.status)), new Set(['kept']));
    assert.equal(p.secrets.length, 4);
  } finally {
    a.close();
  }
});
