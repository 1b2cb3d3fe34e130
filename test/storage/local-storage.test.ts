import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage, isTempName } from '../../electron/core/storage/local-storage.js';
import { StorageError } from '../../electron/core/storage/storage.js';
import { MiB, listPaths, readAll, storageContract, writeAll } from './contract.js';

/** Every file under dir, including hidden temp files, relative to dir. */
function filesUnder(dir: string, rel = ''): string[] {
  let names: string[];
  try {
    names = readdirSync(join(dir, rel));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const p = rel ? `${rel}/${n}` : n;
    return statSync(join(dir, p)).isDirectory() ? filesUnder(dir, p) : [p];
  });
}

storageContract('local', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-storage-local-'));
  return {
    storage: new LocalStorage(dir),
    partSize: 5 * MiB,
    listsInByteOrder: true,
    async assertNoLeftovers() {
      const temps = filesUnder(dir).filter((p) => isTempName(p.split('/').pop()!));
      assert.deepEqual(temps, [], 'temporary files left behind');
    },
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

test('local: the temp file sits next to the final one while writing, and is never listed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-storage-local-'));
  try {
    const s = new LocalStorage(dir);
    const w = await s.openWrite('r/backup/1/data/ns/ns_1.asb');
    await new Promise<void>((resolve, reject) => w.write(Buffer.alloc(100), (e) => (e ? reject(e) : resolve())));
    const onDisk = readdirSync(join(dir, 'r/backup/1/data/ns'));
    assert.equal(onDisk.length, 1);
    assert.ok(isTempName(onDisk[0]!), onDisk[0]);
    assert.deepEqual(await listPaths(s, '', true), []);
    await w.commit();
    assert.deepEqual(readdirSync(join(dir, 'r/backup/1/data/ns')), ['ns_1.asb']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('local: relative roots resolve against the working directory; describe() is the folder', () => {
  const s = new LocalStorage('some/rel');
  assert.equal(s.describe(), join(process.cwd(), 'some/rel'));
});

test('local: an unwritable location fails at openWrite naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-storage-local-'));
  try {
    writeFileSync(join(dir, 'blocker'), 'a file where a folder is needed');
    const s = new LocalStorage(dir);
    await assert.rejects(s.openWrite('blocker/x.asb'), (err: unknown) => err instanceof StorageError && /blocker/.test(err.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('local: committing onto a folder fails and leaves no temp file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-storage-local-'));
  try {
    mkdirSync(join(dir, 'f', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'f', 'sub', 'x'), 'x');
    const s = new LocalStorage(dir);
    await assert.rejects(writeAll(s, 'f/sub', Buffer.from('data')), StorageError);
    assert.deepEqual(filesUnder(dir).sort(), ['f/sub/x']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('local: files written by others are read and listed (storage is just a folder)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-storage-local-'));
  try {
    mkdirSync(join(dir, 'abs', 'backup', '1700000000000', 'data', 'test'), { recursive: true });
    writeFileSync(join(dir, 'abs', 'backup', '1700000000000', 'data', 'test', 'metadata.yaml'), 'namespace: test\n');
    const s = new LocalStorage(dir);
    assert.deepEqual(await listPaths(s, 'abs/backup', true), ['abs/backup/1700000000000/data/test/metadata.yaml']);
    assert.equal((await readAll(s, 'abs/backup/1700000000000/data/test/metadata.yaml')).toString(), 'namespace: test\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
