/**
 * The behaviour every BackupStorage must show, run against each implementation (local-*.test.ts,
 * s3-*.test.ts), so the engines can rely on it whatever the user picked.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StorageNotFoundError, StoragePathError, comparePaths, type BackupStorage, type CommitResult, type StorageWriter } from '../../electron/core/storage/storage.js';

export interface ContractTarget {
  storage: BackupStorage;
  /** Fails if any unfinished write left something behind (temp files, pending uploads). */
  assertNoLeftovers(): Promise<void>;
  /** Multipart-sized writes use this part size (local: irrelevant). */
  partSize: number;
  /**
   * False for servers that do not list keys in byte order as S3 does (s3rver lists a recursive
   * listing folder by folder); the listing test then compares the sets only.
   */
  listsInByteOrder: boolean;
  close(): Promise<void>;
}

export const MiB = 1024 * 1024;

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

export async function readAll(storage: BackupStorage, path: string, range?: { start?: number; end?: number }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await storage.openRead(path, range)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Streams `data` in uneven chunks through pipeline(), i.e. honouring backpressure. */
export async function writeAll(storage: BackupStorage, path: string, data: Buffer): Promise<CommitResult> {
  const w = await storage.openWrite(path);
  async function* chunks(): AsyncGenerator<Buffer> {
    let off = 0;
    let i = 0;
    while (off < data.length) {
      const n = [1, 7_000, 65_536, 300_001, 1_048_576][i++ % 5]!;
      yield data.subarray(off, off + n);
      off += n;
    }
  }
  await pipeline(Readable.from(chunks()), w);
  return w.commit();
}

export async function listPaths(storage: BackupStorage, prefix: string, recursive: boolean): Promise<string[]> {
  const out: string[] = [];
  for await (const e of storage.list(prefix, { recursive })) out.push(e.path);
  return out;
}

export function storageContract(name: string, open: () => Promise<ContractTarget>): void {
  describe(`BackupStorage contract: ${name}`, () => {
    let t: ContractTarget;
    let s: BackupStorage;
    before(async () => {
      t = await open();
      s = t.storage;
    });
    after(async () => {
      await t?.close();
    });

    test('write, commit and read back: size and sha256 match what was written', async () => {
      const data = randomBytes(300_000);
      const r = await writeAll(s, 'rt/backup/1700000000000/data/test/test_1.asb', data);
      assert.deepEqual(r, { size: data.length, sha256: sha256(data) });
      const back = await readAll(s, 'rt/backup/1700000000000/data/test/test_1.asb');
      assert.equal(sha256(back), r.sha256);
      const st = await s.stat('rt/backup/1700000000000/data/test/test_1.asb');
      assert.equal(st?.size, data.length);
      assert.equal(st?.path, 'rt/backup/1700000000000/data/test/test_1.asb');
      assert.ok(st.modified instanceof Date && st.modified.getTime() > 0);
      assert.equal(await s.exists('rt/backup/1700000000000/data/test/test_1.asb'), true);
      assert.equal(await s.exists('rt/backup/1700000000000/data/test/nope.asb'), false);
      assert.equal(await s.stat('rt/backup/1700000000000/data/test'), undefined, 'a folder is not a file');
    });

    test('an empty file commits and reads back empty', async () => {
      const w = await s.openWrite('empty/zero.asb');
      const r = await w.commit();
      assert.deepEqual(r, { size: 0, sha256: sha256(Buffer.alloc(0)) });
      assert.equal((await readAll(s, 'empty/zero.asb')).length, 0);
      assert.equal((await s.stat('empty/zero.asb'))?.size, 0);
    });

    test('writing an existing path replaces it whole', async () => {
      await writeAll(s, 'over/f', Buffer.from('first version, longer'));
      await writeAll(s, 'over/f', Buffer.from('second'));
      assert.equal((await readAll(s, 'over/f')).toString(), 'second');
    });

    test('a multi-part upload (20 MiB + a bit) round-trips', async () => {
      const data = randomBytes(20 * MiB + 12_345);
      const r = await writeAll(s, 'big/data.asb', data);
      assert.equal(r.size, data.length);
      assert.equal(r.sha256, sha256(data));
      assert.equal((await s.stat('big/data.asb'))?.size, data.length);
      const back = await readAll(s, 'big/data.asb');
      assert.equal(back.length, data.length);
      assert.ok(back.equals(data));
      await t.assertNoLeftovers();
    });

    test('ranged reads', async () => {
      const data = randomBytes(100_000);
      await writeAll(s, 'range/f.bin', data);
      assert.ok((await readAll(s, 'range/f.bin', { start: 1000 })).equals(data.subarray(1000)));
      assert.ok((await readAll(s, 'range/f.bin', { start: 10, end: 19 })).equals(data.subarray(10, 20)), 'end is inclusive');
      assert.ok((await readAll(s, 'range/f.bin', { start: 0, end: 63 })).equals(data.subarray(0, 64)));
      assert.ok((await readAll(s, 'range/f.bin', { end: 0 })).equals(data.subarray(0, 1)));
      assert.ok((await readAll(s, 'range/f.bin', { start: 99_999 })).equals(data.subarray(99_999)));
      assert.equal((await readAll(s, 'range/f.bin', { start: 100_000 })).length, 0, 'a start at the end reads nothing');
      assert.equal((await readAll(s, 'range/f.bin', { start: 500_000 })).length, 0, 'a start past the end reads nothing');
      assert.ok((await readAll(s, 'range/f.bin', { start: 99_990, end: 200_000 })).equals(data.subarray(99_990)), 'an end past the end stops at the end');
      await assert.rejects(s.openRead('range/f.bin', { start: -1 }), /start/);
      await assert.rejects(s.openRead('range/f.bin', { start: 10, end: 5 }), /end/);
    });

    test('reading a missing file fails at open with StorageNotFoundError', async () => {
      await assert.rejects(s.openRead('missing/file.asb'), (err: unknown) => {
        assert.ok(err instanceof StorageNotFoundError, String(err));
        assert.match(err.message, /missing\/file\.asb/);
        return true;
      });
    });

    test('list: folders, nesting, recursion and byte order', async () => {
      for (const p of ['L/a/x', 'L/a/b/y', 'L/a/b/z', 'L/a.txt', 'L/ab/q', 'L/root.txt', 'L/a-b', 'L/B']) await writeAll(s, p, Buffer.from(p));
      assert.deepEqual(await listPaths(s, 'L/a', false), ['L/a/x']);
      assert.deepEqual(await listPaths(s, 'L/a/', true), ['L/a/b/y', 'L/a/b/z', 'L/a/x']);
      assert.deepEqual(await listPaths(s, 'L', false), ['L/B', 'L/a-b', 'L/a.txt', 'L/root.txt']);
      // S3 lists keys in byte order: 'B' < 'a', '-' < '.' < '/'.
      const all = await listPaths(s, 'L', true);
      assert.deepEqual(t.listsInByteOrder ? all : [...all].sort(comparePaths), ['L/B', 'L/a-b', 'L/a.txt', 'L/a/b/y', 'L/a/b/z', 'L/a/x', 'L/ab/q', 'L/root.txt']);
      assert.deepEqual(await listPaths(s, 'L/nothing', true), []);
      assert.deepEqual(await listPaths(s, 'L/root.txt', true), [], 'a file is not a folder');
      const root = await listPaths(s, '', true);
      assert.ok(root.includes('L/a/b/y') && root.includes('L/root.txt'));
      const sizes = new Map<string, number>();
      for await (const e of s.list('L/a', { recursive: true })) sizes.set(e.path, e.size);
      assert.equal(sizes.get('L/a/b/y'), 'L/a/b/y'.length);
    });

    test('an unfinished write is invisible until commit', async () => {
      const w = await s.openWrite('pending/file.asb');
      await new Promise<void>((resolve, reject) => w.write(randomBytes(1000), (err) => (err ? reject(err) : resolve())));
      assert.deepEqual(await listPaths(s, 'pending', true), []);
      assert.equal(await s.exists('pending/file.asb'), false);
      const r = await w.commit();
      assert.equal(r.size, 1000);
      assert.deepEqual(await listPaths(s, 'pending', true), ['pending/file.asb']);
    });

    async function abortAfter(path: string, bytes: number): Promise<StorageWriter> {
      const w = await s.openWrite(path);
      const data = randomBytes(bytes);
      for (let off = 0; off < bytes; off += MiB) {
        if (!w.write(data.subarray(off, off + MiB))) await new Promise((resolve) => w.once('drain', resolve));
      }
      await w.abort();
      return w;
    }

    test('a written chunk may be reused once its write callback ran: the file keeps what was written', async () => {
      // One buffer, refilled for every write, as the backup engine recycles its chunks.
      const chunk = Buffer.alloc(256 * 1024);
      const expected: Buffer[] = [];
      const w = await s.openWrite('reused/f.asb');
      const total = Math.ceil((t.partSize * 2.5) / chunk.length);
      for (let i = 0; i < total; i++) {
        chunk.fill(i % 251);
        chunk.writeUInt32BE(i, 0);
        expected.push(Buffer.from(chunk));
        await new Promise<void>((resolve, reject) => w.write(chunk, (err) => (err ? reject(err) : resolve())));
      }
      const r = await w.commit();
      const data = Buffer.concat(expected);
      assert.equal(r.size, data.length);
      assert.equal(r.sha256, sha256(data));
      assert.ok((await readAll(s, 'reused/f.asb')).equals(data), 'stored bytes differ from what was written');
    });

    test('abort leaves nothing behind (small and multi-part)', async () => {
      await abortAfter('aborted/small.asb', 10_000);
      const w = await abortAfter('aborted/large.asb', 3 * t.partSize + 100);
      assert.equal(await s.exists('aborted/small.asb'), false);
      assert.equal(await s.exists('aborted/large.asb'), false);
      assert.deepEqual(await listPaths(s, 'aborted', true), []);
      await t.assertNoLeftovers();
      await assert.rejects(w.commit(), /aborted/);
      await w.abort(); // twice is fine
    });

    test('abort after the stream ended but before commit leaves nothing', async () => {
      const w = await s.openWrite('aborted2/f.asb');
      w.end(randomBytes(t.partSize + 10));
      await new Promise((resolve) => w.once('finish', resolve));
      await w.abort();
      assert.deepEqual(await listPaths(s, 'aborted2', true), []);
      await t.assertNoLeftovers();
    });

    test('a pipeline failing upstream cleans the file up without abort()', async () => {
      const w = await s.openWrite('failed/f.asb');
      async function* source(): AsyncGenerator<Buffer> {
        yield randomBytes(t.partSize);
        yield randomBytes(1000);
        throw new Error('source broke');
      }
      await assert.rejects(pipeline(Readable.from(source()), w), /source broke/);
      await assert.rejects(w.commit(), /source broke|aborted/);
      assert.deepEqual(await listPaths(s, 'failed', true), []);
      await w.abort();
      await t.assertNoLeftovers();
    });

    test('abort after commit keeps the committed file', async () => {
      const w = await s.openWrite('kept/f');
      w.end(Buffer.from('kept'));
      await w.commit();
      await w.abort();
      assert.equal((await readAll(s, 'kept/f')).toString(), 'kept');
    });

    test('remove and removeTree', async () => {
      for (const p of ['T/r/backup/1/data/ns/a.asb', 'T/r/backup/1/data/ns/metadata.yaml', 'T/r/backup/2/data/ns/a.asb', 'T/r2/keep', 'T/rx']) await writeAll(s, p, Buffer.from(p));
      await s.remove('T/rx');
      await s.remove('T/rx'); // already gone: fine
      assert.equal(await s.exists('T/rx'), false);
      await s.removeTree('T/r/backup/1');
      assert.deepEqual(await listPaths(s, 'T', true), ['T/r/backup/2/data/ns/a.asb', 'T/r2/keep']);
      await s.removeTree('T/r/');
      assert.deepEqual(await listPaths(s, 'T', true), ['T/r2/keep'], "'T/r' must not take 'T/r2' with it");
      await s.removeTree('T/does/not/exist');
      await assert.rejects(s.removeTree(''), StoragePathError);
    });

    test('path validation', async () => {
      const bad = ['/etc/passwd', '../outside', 'a/../../b', 'a/./b', 'a//b', 'a/b/', 'a\\b', '', 'C:/x', 'nul\0byte'];
      for (const p of bad) {
        await assert.rejects(s.openWrite(p), StoragePathError, `openWrite('${p}')`);
        await assert.rejects(s.openRead(p), StoragePathError, `openRead('${p}')`);
        await assert.rejects(s.stat(p), StoragePathError, `stat('${p}')`);
        await assert.rejects(s.remove(p), StoragePathError, `remove('${p}')`);
      }
      await assert.rejects(s.openWrite('../x'), /'\.\.' segment/);
      await assert.rejects(s.openWrite('/x'), /absolute/);
      await assert.rejects(listPaths(s, '../', true), StoragePathError);
      await assert.rejects(listPaths(s, '/', true), StoragePathError);
      await assert.rejects(s.removeTree('a/../..'), StoragePathError);
    });

    test('describe() names the location', () => {
      assert.ok(s.describe().length > 0);
    });
  });
}
