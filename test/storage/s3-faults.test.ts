/**
 * S3 under failure: a proxy in front of s3rver answers chosen requests with 503 SlowDown, 429,
 * 500 or 403, or cuts a download short. Writes and reads must get through on retries; when the
 * retries run out the error must say what failed, and nothing may be left behind.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { S3Storage } from '../../electron/core/storage/s3-storage.js';
import { StorageError } from '../../electron/core/storage/storage.js';
import { MiB, listPaths, readAll, sha256, writeAll } from './contract.js';
import { startS3Harness, type S3Harness } from './s3-harness.js';

describe('S3 faults', () => {
  let h: S3Harness;
  let s: S3Storage;
  let patient: S3Storage;
  let impatient: S3Storage;

  function storage(maxAttempts: number): S3Storage {
    return new S3Storage({
      bucket: h.bucket,
      prefix: 'faults',
      endpoint: h.endpoint,
      credentials: h.credentials,
      partSize: 5 * MiB,
      maxAttempts,
      retry: { baseDelayMs: 5, throttleBaseDelayMs: 10, maxDelayMs: 100 },
    });
  }

  async function assertNothingLeft(path: string): Promise<void> {
    assert.equal(await s.exists(path), false, `${path} exists`);
    const r = await s.client.send(new ListMultipartUploadsCommand({ Bucket: h.bucket, Prefix: 'faults/' }));
    assert.deepEqual(r.Uploads ?? [], [], 'pending multipart uploads');
    assert.deepEqual(h.uploadsOnDisk(), [], 'upload parts on the server');
  }

  const injected = (): number => h.log.filter((x) => x.injected).length;

  before(async () => {
    h = await startS3Harness();
    s = storage(10);
    patient = s;
    impatient = storage(3);
  });
  beforeEach(() => h.reset());
  after(async () => {
    patient?.client.destroy();
    impatient?.client.destroy();
    await h?.close();
  });

  test('the first requests answered 503 SlowDown: write and read still succeed', async () => {
    const slowDown = { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };
    h.inject = () => (h.log.length <= 4 ? slowDown : undefined);
    const data = randomBytes(12 * MiB);
    const r = await writeAll(s, 'a/first.asb', data);
    assert.equal(r.sha256, sha256(data));
    assert.equal(injected(), 4);
    h.inject = (r) => (r.op === 'GetObject' && r.nth <= 3 ? slowDown : undefined);
    assert.ok((await readAll(s, 'a/first.asb')).equals(data));
    assert.equal(injected(), 7);
  });

  test('every second part upload answered 500 InternalError: the upload completes intact', async () => {
    h.inject = (r) => (r.op === 'UploadPart' && r.nth % 2 === 0 ? { status: 500, code: 'InternalError', message: 'We encountered an internal error.' } : undefined);
    const data = randomBytes(20 * MiB + 1);
    const r = await writeAll(s, 'a/every-second.asb', data);
    assert.equal(r.size, data.length);
    const parts = h.log.filter((x) => x.op === 'UploadPart');
    assert.ok(parts.filter((x) => x.injected).length >= 2, 'failures were injected');
    assert.equal(parts.filter((x) => !x.injected).length, 5, 'each of the 5 parts went through once');
    h.inject = undefined;
    assert.equal(sha256(await readAll(s, 'a/every-second.asb')), sha256(data));
  });

  test('429 TooManyRequests on listing, stat, delete and small writes is retried too', async () => {
    let n = 0;
    h.inject = () => (n++ % 2 === 0 ? { status: 429, code: 'TooManyRequests' } : undefined);
    await writeAll(s, 'b/one', Buffer.from('one'));
    await writeAll(s, 'b/two', Buffer.from('two'));
    assert.deepEqual(await listPaths(s, 'b', true), ['b/one', 'b/two']);
    assert.equal((await s.stat('b/one'))?.size, 3);
    await s.remove('b/one');
    await s.removeTree('b');
    h.inject = undefined;
    assert.deepEqual(await listPaths(s, 'b', true), []);
    assert.ok(injected() >= 6);
  });

  test('a download cut off mid-body resumes from where it stopped', async () => {
    const data = randomBytes(6 * MiB + 7);
    await writeAll(s, 'c/cut.asb', data);
    h.reset();
    // Every GET breaks after 1 MiB: the read needs seven requests and must splice them exactly.
    h.inject = (r) => (r.op === 'GetObject' ? { cutAfterBytes: MiB } : undefined);
    const back = await readAll(s, 'c/cut.asb');
    assert.equal(back.length, data.length);
    assert.ok(back.equals(data));
    assert.equal(h.log.filter((x) => x.op === 'GetObject').length, 7);
    h.reset();
    h.inject = (r) => (r.op === 'GetObject' ? { cutAfterBytes: 1000 } : undefined);
    assert.ok((await readAll(s, 'c/cut.asb', { start: 5000, end: 9999 })).equals(data.subarray(5000, 10_000)), 'ranged reads resume too');
  });

  test('a download that keeps breaking without progress fails clearly', async () => {
    await writeAll(s, 'c/never.asb', randomBytes(100_000));
    h.inject = (r) => (r.op === 'GetObject' ? { cutAfterBytes: 0 } : undefined);
    await assert.rejects(readAll(impatient, 'c/never.asb'), (err: unknown) => {
      assert.ok(err instanceof StorageError);
      assert.match(err.message, /s3:\/\/tidemark\/faults\/c\/never\.asb/);
      assert.match(err.message, /broke off at byte 0, 4 times in a row/);
      return true;
    });
  });

  test('retries exhausted on part uploads: a clear error, and no object or upload left', async () => {
    h.inject = (r) => (r.op === 'UploadPart' ? { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' } : undefined);
    const w = await impatient.openWrite('d/never.asb');
    const data = randomBytes(11 * MiB);
    for (let off = 0; off < data.length; off += MiB) {
      if (!w.write(data.subarray(off, off + MiB))) await new Promise((resolve) => w.once('drain', resolve));
    }
    await assert.rejects(w.commit(), (err: unknown) => {
      assert.ok(err instanceof StorageError);
      assert.match(err.message, /^cannot write s3:\/\/tidemark\/faults\/d\/never\.asb: UploadPart \(part \d\): HTTP 503 SlowDown after 3 attempts: Please reduce your request rate\.$/);
      return true;
    });
    const part1 = h.log.filter((x) => x.op === 'UploadPart' && x.url.includes('partNumber=1&'));
    assert.equal(part1.length, 3, 'part 1 was tried maxAttempts times');
    h.inject = undefined;
    await assertNothingLeft('d/never.asb');
    assert.ok(h.log.some((x) => x.op === 'AbortMultipartUpload' && x.status === 204));
  });

  test('retries exhausted inside a pipeline: pipeline rejects, abort() cleans up', async () => {
    h.inject = (r) => (r.op === 'UploadPart' ? { status: 500, code: 'InternalError' } : undefined);
    const w = await impatient.openWrite('d/pipe.asb');
    await assert.rejects(pipeline(Readable.from([randomBytes(6 * MiB), randomBytes(6 * MiB)]), w), /UploadPart \(part \d\): HTTP 500 InternalError after 3 attempts/);
    await w.abort();
    h.inject = undefined;
    await assertNothingLeft('d/pipe.asb');
  });

  test('retries exhausted on a small PutObject and on CompleteMultipartUpload: nothing left', async () => {
    h.inject = (r) => (r.op === 'PutObject' ? { status: 503, code: 'SlowDown' } : undefined);
    await assert.rejects(writeAll(impatient, 'e/small.yaml', Buffer.from('x')), /cannot write s3:\/\/tidemark\/faults\/e\/small\.yaml: PutObject: HTTP 503 SlowDown after 3 attempts/);
    h.inject = (r) => (r.op === 'CompleteMultipartUpload' ? { status: 500, code: 'InternalError' } : undefined);
    await assert.rejects(writeAll(impatient, 'e/large.asb', randomBytes(6 * MiB)), /CompleteMultipartUpload: HTTP 500 InternalError after 3 attempts/);
    h.inject = undefined;
    await assertNothingLeft('e/small.yaml');
    await assertNothingLeft('e/large.asb');
  });

  test('a non-retryable answer (403 AccessDenied) fails at once', async () => {
    h.inject = (r) => (r.op === 'PutObject' ? { status: 403, code: 'AccessDenied', message: 'Access Denied' } : undefined);
    await assert.rejects(writeAll(s, 'f/denied', Buffer.from('x')), (err: unknown) => {
      assert.ok(err instanceof StorageError);
      assert.match(err.message, /PutObject: HTTP 403 AccessDenied: Access Denied$/);
      return true;
    });
    assert.equal(h.log.filter((x) => x.op === 'PutObject').length, 1);
  });

  test('retries exhausted on reads and listings: clear errors', async () => {
    await writeAll(s, 'g/file', Buffer.from('data'));
    h.inject = () => ({ status: 500, code: 'InternalError', message: 'We encountered an internal error.' });
    await assert.rejects(impatient.openRead('g/file'), /cannot read s3:\/\/tidemark\/faults\/g\/file: GetObject: HTTP 500 InternalError after 3 attempts/);
    await assert.rejects(listPaths(impatient, 'g', true), /cannot list s3:\/\/tidemark\/faults\/g: ListObjectsV2: HTTP 500 InternalError after 3 attempts/);
    await assert.rejects(impatient.stat('g/file'), /cannot stat .*HeadObject: HTTP 500/);
  });

  test('Retry-After is honoured (within the cap)', async () => {
    h.inject = (r) => (r.op === 'PutObject' && r.nth === 1 ? { status: 503, code: 'SlowDown', retryAfter: 1 } : undefined);
    const t0 = Date.now();
    await writeAll(s, 'h/retry-after', Buffer.from('x'));
    // Capped at maxDelayMs (100 ms here) rather than the full second the server asked for.
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(h.log.filter((x) => x.op === 'PutObject').length, 2);
  });
});
