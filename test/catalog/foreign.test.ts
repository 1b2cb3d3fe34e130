/**
 * Foreign and ABS-made backups on a local storage, through the service's catalog: encrypted
 * asbackup output registered with its key, ABS's single-full (RemoveAll) layout with zstd files,
 * the restore planner seeing registrations, and deleting a registered backup.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listBackups } from '../../electron/core/catalog/catalog.js';
import { planPointInTime } from '../../electron/core/catalog/restore-plan.js';
import { keyHashFromPemFile } from '../../electron/core/format/encryption-key.js';
import { TidemarkService } from '../../electron/core/service/tidemark-service.js';
import { LocalStorage } from '../../electron/core/storage/local-storage.js';

const FIXTURES = 'test/data/asbackup';
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as { recordCount: number };

describe('catalog: foreign and ABS-made backups', () => {
  let dir: string;
  let root: string;
  let service: TidemarkService;

  const importFixture = (name: string, as: string): void => {
    mkdirSync(join(root, as), { recursive: true });
    for (const f of readdirSync(join(FIXTURES, name))) copyFileSync(join(FIXTURES, name, f), join(root, as, f));
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-foreign-'));
    root = join(dir, 'backups');
    mkdirSync(root);
    service = await TidemarkService.open({ configPath: join(dir, 'config.json'), logStdout: false });
    service.config.put('storage', 'local', { 'local-storage': { path: 'backups' } });
  });

  after(async () => {
    await service?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('encrypted asbackup output needs its key to register; with it the mode is detected and verify passes', async () => {
    importFixture('aes256', 'imports/enc');
    await assert.rejects(service.catalog.registerForeign('local', 'imports/enc', 'legacy'), /looks encrypted: give the key/);
    assert.equal(existsSync(join(root, 'legacy')), false, 'a refused registration writes nothing');
    const keyHash = await keyHashFromPemFile(join(FIXTURES, 'key.pem'));
    const b = await service.catalog.registerForeign('local', 'imports/enc', 'legacy', { keyHash, createdMs: 1_600_000_000_000 });
    assert.deepEqual([b.encryption, b.compression, b['record-count'], b.namespace], ['aes256', 'none', expected.recordCount, 'test']);
    const cannot = await service.catalog.verify('local', 'imports/enc').done;
    assert.equal(cannot.status, 'failure');
    assert.match(cannot.error ?? '', /give the key/);
    assert.equal(service.catalog.get('local', 'imports/enc')?.verification, undefined, 'a missing key says nothing about the backup');
    const ok = await service.catalog.verify('local', 'imports/enc', { keyHash }).done;
    assert.equal(ok.status, 'success', ok.error);
    assert.equal(service.catalog.get('local', 'imports/enc')?.verification?.records, expected.recordCount);
  });

  test("ABS's single-full layout (RemoveAll) is listed with its time from metadata and its compression sniffed", async () => {
    const key = 'absr/backup/data/test';
    mkdirSync(join(root, key), { recursive: true });
    copyFileSync(join(FIXTURES, 'zstd', 'test_00000.asb'), join(root, key, 'test_1.asb'));
    writeFileSync(join(root, key, 'metadata.yaml'), `created: 2024-05-01T10:00:00.123+02:00\nnamespace: test\nrecord-count: ${expected.recordCount}\nfile-count: 1\n`);
    const r = await service.catalog.refresh('local');
    assert.deepEqual(r.problems, []);
    const b = service.catalog.find(key);
    assert.deepEqual([b.kind, b.timestamp, b.compression, b.encryption, b.foreign], ['full', Date.parse('2024-05-01T08:00:00.123Z'), 'zstd', 'none', false]);
    const v = await service.catalog.verify('local', key).done;
    assert.equal(v.status, 'success', v.error);
  });

  test('the restore planner sees registrations; retention listings do not', async () => {
    importFixture('plain', 'imports/plain');
    await service.catalog.registerForeign('local', 'imports/plain', 'legacy', { createdMs: 1_700_000_000_000 });
    const storage = new LocalStorage(root);
    const plan = await planPointInTime(storage, 'legacy', 1_700_000_000_000);
    assert.deepEqual(plan.steps.map((s) => s.key), ['imports/plain']);
    assert.deepEqual((await planPointInTime(storage, 'legacy', 1_650_000_000_000)).steps.map((s) => s.key), ['imports/enc']);
    assert.deepEqual(await listBackups(storage, 'legacy'), [], 'retention never removes what it did not write');
    const tl = service.catalog.timeline('legacy', { atMs: 1_700_000_000_001, storage: 'local' });
    assert.deepEqual(tl.points.map((p) => p.key), ['imports/enc', 'imports/plain']);
    assert.equal(tl.plan?.effective, 1_700_000_000_000);
  });

  test('a verify job marks the backup in use while it reads it', async () => {
    importFixture('split', 'imports/split');
    await service.catalog.registerForeign('local', 'imports/split', 'split', { createdMs: 1_710_000_000_000 });
    const seen: boolean[] = [];
    const off = service.subscribe((e) => {
      if ('job' in e && e.type === 'progress' && e.job.type === 'verify') seen.push(service.jobs.inUse('local', 'imports/split'));
    });
    const job = await service.catalog.verify('local', 'imports/split').done;
    off();
    assert.equal(job.status, 'success', job.error);
    assert.equal(seen.length, 4, 'progress after each of the 4 files');
    assert.ok(seen.every(Boolean), 'in use during the whole read');
    assert.equal(service.jobs.inUse('local', 'imports/split'), false, 'released when done');
  });

  test('deleting a registered backup removes its registration and its .asb files, nothing else', async () => {
    writeFileSync(join(root, 'imports/plain/NOTES.txt'), 'kept');
    const plan = await service.catalog.planDelete('local', 'imports/plain');
    assert.deepEqual(plan.backups.map((b) => b.key), ['imports/plain'], 'later fulls are not part of it');
    const job = await (await service.catalog.delete('local', 'imports/plain', plan.confirmation)).done;
    assert.equal(job.status, 'success', job.error);
    assert.deepEqual(readdirSync(join(root, 'imports/plain')), ['NOTES.txt']);
    assert.equal(existsSync(join(root, 'legacy/foreign/1700000000000')), false);
    assert.equal(service.catalog.get('local', 'imports/plain'), undefined);
    assert.equal((await service.catalog.refresh('local')).removed, 0, 'the index was already up to date');
  });
});
