/**
 * The catalog on loopback S3 storage, and the catalog CLI commands (`ls`, `show`, `timeline`,
 * `verify KEY`, `rm`) run as real child processes on the same config and state database.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { S3Storage } from '../../electron/core/storage/s3-storage.js';
import { TidemarkService } from '../../electron/core/service/tidemark-service.js';
import type { CatalogBackup, CatalogPage, Timeline } from '../../shared/schemas/catalog.js';
import type { Job } from '../../shared/schemas/job.js';
import { startS3, type TestS3 } from '../helpers/s3.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tidemark(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/tidemark.mjs', ...args], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('catalog on S3 and through the CLI', () => {
  let tb: TestbedHandle;
  let s3: TestS3;
  let dir: string;
  let configPath: string;
  let service: TidemarkService;
  let full: Job;
  let inc: Job;
  let cloud: Job;
  const keyOf = (j: Job): string => (j.details?.keys as string[])[0]!;

  before(async () => {
    tb = await startTestbedWorker({ port: 0, namespaces: ['test'] });
    const client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    for (let i = 0; i < 150; i++) await client.put(new Aerospike.Key('test', 'cat', i), { i, s: `v${i}` });
    s3 = await startS3();
    process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
    dir = mkdtempSync(join(tmpdir(), 'tidemark-catalog-cli-'));
    configPath = join(dir, 'config.json');
    service = await TidemarkService.open({ configPath, logStdout: false });
    const [host, port] = tb.seed.split(':');
    const c = service.config;
    c.put('aerospike-clusters', 'tb', { 'seed-nodes': [{ 'host-name': host!, port: Number(port) }] });
    c.put('storage', 'local', { 'local-storage': { path: 'backups' } });
    c.put('storage', 's3', { 's3-storage': { bucket: s3.bucket, path: 'cat', 's3-region': 'us-east-1', 's3-endpoint-override': s3.endpoint, 's3-credentials-source': 'env' } });
    c.put('backup-policies', 'p', { parallel: 2 });
    c.put('backup-routines', 'daily', { 'source-cluster': 'tb', storage: 'local', 'backup-policy': 'p', 'interval-cron': '@daily', namespaces: ['test'] });
    c.put('backup-routines', 'cloud', { 'source-cluster': 'tb', storage: 's3', 'backup-policy': 'p', 'interval-cron': '@daily', namespaces: ['test'] });
    full = await service.triggerBackup('daily', { label: 'cli label' }).done;
    await client.put(new Aerospike.Key('test', 'cat', 'new'), { i: -1 });
    inc = await service.triggerBackup('daily', { type: 'incremental' }).done;
    cloud = await service.triggerBackup('cloud').done;
    for (const j of [full, inc, cloud]) assert.equal(j.status, 'success', j.error);
    await client.close();
  });

  after(async () => {
    await service?.close();
    await tb?.close();
    await s3?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('S3 storage: indexed, unchanged on a second refresh without reading metadata, a removal seen', async () => {
    // The backup job refreshed its storage before it reported done.
    const b = service.catalog.find(keyOf(cloud), 's3');
    assert.equal(b['record-count'], cloud.stats?.records);
    assert.equal(b.routine, 'cloud');
    const gets = s3.requests.length;
    const again = await service.catalog.refresh('s3');
    assert.deepEqual({ read: again['metadata-read'], unchanged: again.unchanged }, { read: 0, unchanged: 1 });
    assert.ok(!s3.requests.slice(gets).some((r) => r.startsWith('GET') && r.includes('metadata.yaml')), 'no metadata object fetched');
    const t = service.catalog.timeline('cloud', { atMs: b.timestamp });
    assert.deepEqual(t.plan?.steps.map((s) => s.key), [keyOf(cloud)]);
    const storage = new S3Storage({ bucket: s3.bucket, prefix: 'cat', region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { source: 'static', ...s3.credentials } });
    await storage.remove(`${keyOf(cloud)}/metadata.yaml`);
    const gone = await service.catalog.refresh('s3');
    assert.equal(gone.removed, 1);
    assert.equal(service.catalog.list({ storage: 's3' }).total, 0);
    await service.close();
  });

  test('tidemark ls, show and timeline', async () => {
    const ls = await tidemark(['ls', '--config', configPath, '--json']);
    assert.equal(ls.code, 0, ls.stderr);
    const page = JSON.parse(ls.stdout) as CatalogPage;
    assert.deepEqual(page.backups.map((b) => b.key), [keyOf(inc), keyOf(full)]);
    const text = await tidemark(['ls', '--config', configPath, '--routine', 'daily', '--type', 'full']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^CREATED\s+ROUTINE\s+NAMESPACE\s+TYPE/);
    assert.ok(text.stdout.includes(keyOf(full)) && !text.stdout.includes(keyOf(inc)));
    assert.match(text.stdout, /cli label/);
    const bad = await tidemark(['ls', '--config', configPath, '--type', 'weekly']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /'weekly' is not full or incremental/);

    const show = await tidemark(['show', keyOf(full), '--config', configPath, '--json']);
    assert.equal(show.code, 0, show.stderr);
    const b = JSON.parse(show.stdout) as CatalogBackup;
    assert.deepEqual([b.label, b['record-count'], b.storage], ['cli label', full.stats?.records, 'local']);
    const missing = await tidemark(['show', 'daily/backup/1/data/test', '--config', configPath]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no backup 'daily\/backup\/1\/data\/test'/);

    const at = b.timestamp + 1;
    const tl = await tidemark(['timeline', 'daily', '--config', configPath, '--at', new Date(at).toISOString()]);
    assert.equal(tl.code, 0, tl.stderr);
    assert.match(tl.stdout, /restore to .* applies 1 backup\(s\)/);
    assert.match(tl.stdout, /warning: .* has not been verified/);
    const tlJson = JSON.parse((await tidemark(['timeline', 'daily', '--config', configPath, '--json'])).stdout) as Timeline;
    assert.deepEqual(tlJson.points.map((p) => p.key), [keyOf(full), keyOf(inc)]);
    const early = await tidemark(['timeline', 'daily', '--config', configPath, '--at', String(b.timestamp - 1)]);
    assert.equal(early.code, 1);
    assert.match(early.stdout, /no full backup of routine 'daily' at or before/);
  });

  test('tidemark verify by catalog key stores the result; by path as before', async () => {
    const v = await tidemark(['verify', keyOf(full), '--config', configPath]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`${keyOf(full)} \\(storage 'local'\\): OK — \\d+ files \\(uncompressed, not encrypted\\), ${full.stats?.records} records`));
    const b = JSON.parse((await tidemark(['show', keyOf(full), '--config', configPath, '--json'])).stdout) as CatalogBackup;
    assert.equal(b.verification?.ok, true);
    const byPath = await tidemark(['verify', join(dir, 'backups', keyOf(inc))]);
    assert.equal(byPath.code, 0, byPath.stderr);
    assert.match(byPath.stdout, /OK — .* checksums match/);
    const unknown = await tidemark(['verify', 'daily/backup/1/data/test', '--config', configPath]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no configured storage holds this key/);
  });

  test('tidemark rm lists what goes, needs --yes without a terminal, then deletes the full with its incremental', async () => {
    const refused = await tidemark(['rm', keyOf(full), '--config', configPath]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /removes:\n.*full.*\n.*incremental/);
    assert.match(refused.stderr, /not confirmed: .* add --yes/);
    assert.ok(existsSync(join(dir, 'backups', keyOf(full))), 'nothing deleted');
    const rm = await tidemark(['rm', keyOf(full), '--config', configPath, '--yes']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, /deleted 2 backup\(s\)/);
    assert.equal(existsSync(join(dir, 'backups', keyOf(full))), false);
    assert.equal(existsSync(join(dir, 'backups', keyOf(inc))), false);
    const ls = JSON.parse((await tidemark(['ls', '--config', configPath, '--json'])).stdout) as CatalogPage;
    assert.equal(ls.total, 0);
    const jobs = await tidemark(['jobs', '--config', configPath, '--type', 'delete', '--json']);
    assert.equal((JSON.parse(jobs.stdout) as Job[]).length, 1, 'the delete is in the job history');
  });
});
