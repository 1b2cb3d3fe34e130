/**
 * Where S3 credentials come from: explicit keys, the AWS_* environment, a named profile in the
 * shared credentials file, or the SDK's default chain. Run against s3rver, which knows one key id
 * (S3RVER) and refuses others; it does not verify V4 signatures, so these tests show which key id
 * each source delivers, not that the secret is right. This file changes process.env; it runs in
 * its own process.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage } from '../../electron/core/storage/create-storage.js';
import { S3Storage } from '../../electron/core/storage/s3-storage.js';
import { openStorageArg } from '../../electron/core/storage/storage-url.js';
import { StorageConfigError, StorageError, type BackupStorage } from '../../electron/core/storage/storage.js';
import { readAll, writeAll } from './contract.js';
import { startS3Harness, type S3Harness } from './s3-harness.js';

const ENV_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_REGION', 'AWS_EC2_METADATA_DISABLED'];

describe('S3 credentials', () => {
  let h: S3Harness;
  let dir: string;
  const saved = new Map<string, string | undefined>();
  const opened: BackupStorage[] = [];

  async function roundTrip(s: BackupStorage, path: string): Promise<void> {
    opened.push(s);
    await writeAll(s, path, Buffer.from(path));
    assert.equal((await readAll(s, path)).toString(), path);
  }

  before(async () => {
    for (const k of ENV_KEYS) saved.set(k, process.env[k]);
    h = await startS3Harness();
    dir = mkdtempSync(join(tmpdir(), 'tidemark-aws-'));
    writeFileSync(join(dir, 'credentials'), '[tidemark-test]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n\n[wrong]\naws_access_key_id = WRONGKEY\naws_secret_access_key = nope\n');
    writeFileSync(join(dir, 'config'), '[profile tidemark-test]\nregion = eu-central-1\n');
  });
  beforeEach(() => {
    for (const k of ENV_KEYS) delete process.env[k];
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    // Keep the default chain from probing an instance metadata service that is not there.
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
  });
  after(async () => {
    for (const s of opened) if (s instanceof S3Storage) s.client.destroy();
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('explicit keys', async () => {
    await roundTrip(await createStorage({ 's3-storage': { bucket: h.bucket, 's3-endpoint-override': h.endpoint, 's3-access-key-id': 'S3RVER', 's3-secret-access-key': 'S3RVER' } }), 'static');
  });

  test('the environment, explicitly and through the default chain', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    await roundTrip(await createStorage({ 's3-storage': { bucket: h.bucket, 's3-endpoint-override': h.endpoint, 's3-credentials-source': 'env' } }), 'env');
    await roundTrip(await openStorageArg(`s3://${h.bucket}/cli`, { endpoint: h.endpoint }), 'default-chain');
  });

  test('a named profile from the shared credentials file', async () => {
    await roundTrip(await openStorageArg(`s3://${h.bucket}/profile`, { endpoint: h.endpoint, profile: 'tidemark-test' }), 'profile');
  });

  test('env credentials that are not set: a clear configuration error', async () => {
    await assert.rejects(
      createStorage({ 's3-storage': { bucket: h.bucket, 's3-endpoint-override': h.endpoint, 's3-credentials-source': 'env' } }),
      (e: unknown) => e instanceof StorageConfigError && /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/.test(e.message),
    );
  });

  test('an unknown key id: the server refuses, once, and the error says so', async () => {
    h.reset();
    const s = await openStorageArg(`s3://${h.bucket}/wrong`, { endpoint: h.endpoint, profile: 'wrong' });
    opened.push(s);
    await assert.rejects(writeAll(s, 'x', Buffer.from('x')), (e: unknown) => e instanceof StorageError && /PutObject: HTTP 403 InvalidAccessKeyId/.test(e.message));
    assert.equal(h.log.length, 1, 'an authentication failure is not retried');
  });

  test('an unknown profile: the SDK error is passed on with the location', async () => {
    const s = await openStorageArg(`s3://${h.bucket}/none`, { endpoint: h.endpoint, profile: 'no-such-profile' });
    opened.push(s);
    await assert.rejects(writeAll(s, 'x', Buffer.from('x')), (e: unknown) => e instanceof StorageError && /s3:\/\/tidemark\/none\/x/.test(e.message) && /no-such-profile|credential/i.test(e.message));
  });
});
