import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { S3Storage } from '../../electron/core/storage/s3-storage.js';
import { StorageConfigError } from '../../electron/core/storage/storage.js';
import { MiB, readAll, sha256, storageContract, writeAll } from './contract.js';
import { startS3Harness, type S3Harness } from './s3-harness.js';

async function pendingUploads(s: S3Storage, prefix = ''): Promise<string[]> {
  const r = await s.client.send(new ListMultipartUploadsCommand({ Bucket: s.bucket, Prefix: prefix }));
  return (r.Uploads ?? []).map((u) => u.Key ?? '');
}

function s3For(h: S3Harness, extra: Partial<ConstructorParameters<typeof S3Storage>[0]> = {}): S3Storage {
  return new S3Storage({
    bucket: h.bucket,
    prefix: 'team/tidemark',
    endpoint: h.endpoint,
    forcePathStyle: true,
    credentials: h.credentials,
    partSize: 5 * MiB,
    retry: { baseDelayMs: 5, throttleBaseDelayMs: 5, maxDelayMs: 50 },
    ...extra,
  });
}

storageContract('S3 (s3rver)', async () => {
  const h = await startS3Harness();
  const storage = s3For(h);
  return {
    storage,
    partSize: 5 * MiB,
    listsInByteOrder: false,
    async assertNoLeftovers() {
      assert.deepEqual(await pendingUploads(storage), [], 'ListMultipartUploads shows pending uploads');
      assert.deepEqual(h.uploadsOnDisk(), [], 's3rver still holds upload parts');
    },
    async close() {
      storage.client.destroy();
      await h.close();
    },
  };
});

describe('S3 specifics', () => {
  let h: S3Harness;
  let s: S3Storage;
  before(async () => {
    h = await startS3Harness();
    s = s3For(h, { partConcurrency: 2 });
  });
  after(async () => {
    s?.client.destroy();
    await h?.close();
  });

  test('a large file goes up in 5 MiB parts, at most partConcurrency at once, under the prefix', async () => {
    h.reset();
    // Slow parts make the writer wait for free slots: the backpressure path.
    h.inject = (r) => (r.op === 'UploadPart' ? { delayMs: 150 } : undefined);
    const data = randomBytes(22 * MiB);
    const r = await writeAll(s, 'r/backup/1/data/ns/ns_1.asb', data);
    assert.equal(r.sha256, sha256(data));
    const parts = h.log.filter((x) => x.op === 'UploadPart');
    assert.deepEqual(
      parts.map((p) => p.bytes),
      [5 * MiB, 5 * MiB, 5 * MiB, 5 * MiB, 2 * MiB],
    );
    assert.ok(h.maxPartsInFlight <= 2, `parts in flight: ${h.maxPartsInFlight}`);
    assert.ok(h.maxPartsInFlight >= 2, 'parts are uploaded in parallel');
    assert.deepEqual(
      h.log.filter((x) => x.op !== 'UploadPart').map((x) => x.op),
      ['CreateMultipartUpload', 'CompleteMultipartUpload'],
    );
    assert.ok(h.log.every((x) => x.url.startsWith('/tidemark/team/tidemark/r/backup/1/data/ns/ns_1.asb')));
  });

  test('a file smaller than one part is one PutObject', async () => {
    h.reset();
    await writeAll(s, 'small.yaml', Buffer.from('namespace: test\n'));
    assert.deepEqual(
      h.log.map((x) => x.op),
      ['PutObject'],
    );
    assert.equal((await readAll(s, 'small.yaml')).toString(), 'namespace: test\n');
  });

  test('a file of exactly one part is still a multipart upload with one part', async () => {
    h.reset();
    const data = randomBytes(5 * MiB);
    await writeAll(s, 'exact.bin', data);
    assert.deepEqual(
      h.log.filter((x) => x.op === 'UploadPart').map((x) => x.bytes),
      [5 * MiB],
    );
    assert.ok((await readAll(s, 'exact.bin')).equals(data));
  });

  test('a second storage on the same bucket with another prefix sees only its own files', async () => {
    const other = s3For(h, { prefix: 'elsewhere' });
    try {
      await writeAll(other, 'x', Buffer.from('x'));
      const mine: string[] = [];
      for await (const e of s.list('', { recursive: true })) mine.push(e.path);
      assert.ok(!mine.includes('x'));
      assert.ok(mine.includes('small.yaml'));
      const theirs: string[] = [];
      for await (const e of other.list('', { recursive: true })) theirs.push(e.path);
      assert.deepEqual(theirs, ['x']);
    } finally {
      other.client.destroy();
    }
  });

  test('describe() shows bucket, prefix and endpoint, never credentials', () => {
    const d = s.describe();
    assert.match(d, /^s3:\/\/tidemark\/team\/tidemark \(endpoint http:\/\/127\.0\.0\.1:\d+\)$/);
    assert.ok(!d.includes('S3RVER'));
    const withUser = new S3Storage({ bucket: 'b-1', endpoint: 'http://user:secret@127.0.0.1:9', credentials: h.credentials });
    assert.ok(!withUser.describe().includes('secret'), withUser.describe());
    withUser.client.destroy();
  });

  test('bad options are refused with clear errors', () => {
    assert.throws(() => new S3Storage({ bucket: '' }), /needs a bucket/);
    assert.throws(() => new S3Storage({ bucket: 'a' }), /not a valid S3 bucket name/);
    assert.throws(() => new S3Storage({ bucket: 'ok-bucket', partSize: MiB }), (e: unknown) => e instanceof StorageConfigError && /5 MiB/.test(e.message));
    assert.throws(() => new S3Storage({ bucket: 'ok-bucket', prefix: 'a/../b' }), /'\.\.' segment/);
    assert.throws(() => new S3Storage({ bucket: 'ok-bucket', endpoint: 'not a url' }), /not a URL/);
    assert.throws(() => new S3Storage({ bucket: 'ok-bucket', endpoint: 'ftp://x' }), /http/);
  });

  test('abortStaleUploads cleans up after a writer that never finished (a killed process)', async () => {
    h.reset();
    const w = await s.openWrite('crashed/r/backup/1/data/ns/ns_1.asb');
    // One full part forces the multipart upload to start; then the "process dies".
    await new Promise<void>((resolve, reject) => w.write(randomBytes(5 * MiB + 1), (e) => (e ? reject(e) : resolve())));
    // Let the part land first: s3rver would recreate the upload folder for a part still arriving.
    while (!h.log.some((x) => x.op === 'UploadPart' && x.status === 200)) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(h.uploadsOnDisk().length, 1);
    assert.deepEqual(await s.abortStaleUploads('crashed', new Date(Date.now() - 3_600_000)), [], 'a young upload is left alone');
    assert.deepEqual(await s.abortStaleUploads('elsewhere'), [], 'only under the folder');
    assert.deepEqual(await s.abortStaleUploads('crashed', new Date(Date.now() + 60_000)), ['crashed/r/backup/1/data/ns/ns_1.asb']);
    assert.deepEqual(h.uploadsOnDisk(), []);
    await w.abort(); // the upload is already gone: still fine
  });
});
