import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { createStorage, s3OptionsFromConfig } from '../../electron/core/storage/create-storage.js';
import { LocalStorage } from '../../electron/core/storage/local-storage.js';
import { S3Storage } from '../../electron/core/storage/s3-storage.js';
import { StorageConfigError } from '../../electron/core/storage/storage.js';
import { parseStorageArg } from '../../electron/core/storage/storage-url.js';
import { StorageSchema, type S3StorageConfig } from '../../shared/schemas/storage.js';

describe('parseStorageArg', () => {
  test('folders are local storage', () => {
    assert.deepEqual(parseStorageArg('./backups'), { 'local-storage': { path: './backups' } });
    assert.deepEqual(parseStorageArg('/var/backups/aerospike'), { 'local-storage': { path: '/var/backups/aerospike' } });
    assert.deepEqual(parseStorageArg('  backups  '), { 'local-storage': { path: 'backups' } });
    assert.deepEqual(parseStorageArg('file:///var/backups'), { 'local-storage': { path: '/var/backups' } });
  });

  test('s3:// URLs are S3 storage, options come separately', () => {
    assert.deepEqual(parseStorageArg('s3://my-bucket'), { 's3-storage': { bucket: 'my-bucket' } });
    assert.deepEqual(parseStorageArg('s3://my-bucket/'), { 's3-storage': { bucket: 'my-bucket' } });
    assert.deepEqual(parseStorageArg('S3://my-bucket/team/tidemark/'), { 's3-storage': { bucket: 'my-bucket', path: 'team/tidemark' } });
    assert.deepEqual(parseStorageArg('s3://my.bucket/p', { endpoint: 'http://127.0.0.1:9000', region: 'eu-central-1', profile: 'minio', forcePathStyle: true }), {
      's3-storage': { bucket: 'my.bucket', path: 'p', 's3-endpoint-override': 'http://127.0.0.1:9000', 's3-region': 'eu-central-1', 's3-profile': 'minio', 's3-force-path-style': true },
    });
    // Unset CLI flags arrive as undefined and are not options.
    assert.deepEqual(parseStorageArg('./x', { endpoint: undefined, region: undefined }), { 'local-storage': { path: './x' } });
  });

  test('mistakes are named', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['s3://', /no bucket/],
      ['s3:///prefix', /no bucket/],
      ['s3://a', /not a valid S3 bucket name/],
      ['s3://-bad-', /not a valid S3 bucket name/],
      ['s3://bucket/a/../b', /'\.\.' segment/],
      ['s3://bucket/a//b', /empty, '\.' or '\.\.' segment/],
      ['s3:bucket/x', /write S3 locations as s3:\/\/bucket\/prefix/],
      ['s3://bucket/p?region=eu-west-1', /separate options/],
      ['gs://bucket/x', /'gs:\/\/' storage is not supported/],
    ];
    for (const [arg, re] of cases) {
      assert.throws(
        () => parseStorageArg(arg),
        (e: unknown) => e instanceof StorageConfigError && re.test(e.message) && e.message.startsWith(`storage '${arg}'`),
        arg,
      );
    }
    assert.throws(() => parseStorageArg('./dir', { region: 'eu-west-1' }), /S3 options \(region\) only apply to s3:\/\/ storage/);
  });
});

describe('storage configuration schema (ABS dto.Storage)', () => {
  test("the storage section of ABS's example configuration is accepted as it is", () => {
    const abs = parse(readFileSync('/work/shared/abs/config-example.yml', 'utf8')) as { storage: Record<string, unknown> };
    for (const [name, value] of Object.entries(abs.storage)) {
      const r = StorageSchema.safeParse(value);
      assert.ok(r.success, `${name}: ${r.error?.message}`);
    }
    const minio = StorageSchema.parse(abs.storage.minio);
    assert.deepEqual(minio['s3-storage'], { path: 'storage1', bucket: 'as-backup-bucket', 's3-region': 'eu-central-1', 's3-profile': 'minio', 's3-endpoint-override': 'http://localhost:9000' });
  });

  test('ABS snake_case tuning keys and Tidemark extensions map onto S3Storage options', () => {
    const c = StorageSchema.parse({
      's3-storage': {
        bucket: 'b-1',
        path: '/team/x/',
        's3-region': 'eu-west-1',
        min_part_size: 16 * 1024 * 1024,
        max_async_connections: 8,
        's3-access-key-id': 'AKIA',
        's3-secret-access-key': 'secret',
        's3-max-attempts': 5,
        's3-force-path-style': true,
      },
    });
    const o = s3OptionsFromConfig(c['s3-storage'] as S3StorageConfig);
    assert.equal(o.prefix, 'team/x');
    assert.equal(o.partSize, 16 * 1024 * 1024);
    assert.equal(o.maxConcurrentUploads, 8);
    assert.deepEqual(o.credentials, { source: 'static', accessKeyId: 'AKIA', secretAccessKey: 'secret', sessionToken: undefined });
    assert.equal(o.retry?.maxAttempts, 5);
    assert.equal(o.forcePathStyle, true);
    const p = StorageSchema.parse({ 's3-storage': { bucket: 'b-1', 's3-profile': 'prod' } });
    assert.deepEqual(s3OptionsFromConfig(p['s3-storage'] as S3StorageConfig).credentials, { source: 'profile', profile: 'prod' });
    const e = StorageSchema.parse({ 's3-storage': { bucket: 'b-1', 's3-credentials-source': 'env' } });
    assert.deepEqual(s3OptionsFromConfig(e['s3-storage'] as S3StorageConfig).credentials, { source: 'env' });
  });

  test('bad configurations are refused with the offending key named', async () => {
    const bad: [unknown, RegExp][] = [
      [{}, /exactly one of local-storage or s3-storage/],
      [{ 'local-storage': { path: 'a' }, 's3-storage': { bucket: 'b-1' } }, /exactly one/],
      [{ 'gcp-storage': { 'bucket-name': 'x' } }, /gcp-storage: Google Cloud Storage is not supported yet/],
      [{ 'azure-storage': {} }, /azure-storage: Azure Blob Storage is not supported/],
      [{ 'local-storage': { path: '' } }, /local-storage\.path/],
      [{ 's3-storage': { bucket: 'x' } }, /s3-storage\.bucket: not a valid S3 bucket name/],
      [{ 's3-storage': { bucket: 'b-1', min_part_size: 10 } }, /min_part_size: S3 parts must be at least 5 MiB/],
      [{ 's3-storage': { bucket: 'b-1', path: 'a/../b' } }, /s3-storage\.path/],
      [{ 's3-storage': { bucket: 'b-1', 's3-endpoint-override': 'localhost:9000' } }, /s3-endpoint-override/],
      [{ 's3-storage': { bucket: 'b-1', 's3-access-key-id': 'AKIA' } }, /s3-secret-access-key: s3-access-key-id and s3-secret-access-key go together/],
      [{ 's3-storage': { bucket: 'b-1', 's3-credentials-source': 'profile' } }, /s3-profile: s3-credentials-source 'profile' needs s3-profile/],
      [{ 's3-storage': { bucket: 'b-1', 's3-credentials-source': 'env', 's3-access-key-id': 'a', 's3-secret-access-key': 'b' } }, /conflict with s3-credentials-source 'env'/],
    ];
    for (const [config, re] of bad) {
      assert.equal(StorageSchema.safeParse(config).success, false, JSON.stringify(config));
      await assert.rejects(createStorage(config as never), (e: unknown) => e instanceof StorageConfigError && re.test(e.message), `${JSON.stringify(config)} → ${re}`);
    }
  });
});

describe('createStorage', () => {
  test('builds local storage', async () => {
    const s = await createStorage({ 'local-storage': { path: 'backups/here' } });
    assert.ok(s instanceof LocalStorage);
    assert.equal(s.describe(), resolve('backups/here'));
  });

  test('builds S3 storage without contacting it', async () => {
    const s = await createStorage({ 's3-storage': { bucket: 'my-bucket', path: 'x/y', 's3-region': 'eu-central-1' } });
    assert.ok(s instanceof S3Storage);
    assert.equal(s.describe(), 's3://my-bucket/x/y');
    s.client.destroy();
    const e = await createStorage({ 's3-storage': { bucket: 'my-bucket', 's3-endpoint-override': 'http://127.0.0.1:9000' } });
    assert.equal(e.describe(), 's3://my-bucket (endpoint http://127.0.0.1:9000)');
    (e as S3Storage).client.destroy();
  });
});
