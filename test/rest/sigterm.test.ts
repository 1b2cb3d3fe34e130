/**
 * SIGTERM to `tidemark serve` in the middle of a backup: the server stops taking requests, the
 * backup is cancelled and removes what it wrote, and the process exits within its grace period;
 * the history records the job as cancelled (not interrupted) and the storage holds nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { listBackups } from '../../electron/core/catalog/catalog.js';
import { LocalStorage } from '../../electron/core/storage/local-storage.js';
import { TidemarkService } from '../../electron/core/service/tidemark-service.js';
import type { Job } from '../../shared/schemas/job.js';
import { writeDataset } from '../helpers/dataset.js';
import { EventReader, http, startServe } from './helpers.js';

const GRACE_MS = 10_000;
/** serve's own margin for closing after the grace period. */
const MARGIN_MS = 5_000;

let tb: TestbedHandle;
let client: Aerospike.Client;
let dir: string;

before(async () => {
  tb = await startTestbedWorker({ port: 0, namespaces: ['test'] });
  client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
  await writeDataset(client, 'test', 100);
  dir = mkdtempSync(join(tmpdir(), 'tidemark-rest-term-'));
});

after(async () => {
  await client?.close();
  await tb?.close();
  rmSync(dir, { recursive: true, force: true });
});

function filesUnder(d: string): string[] {
  if (!existsSync(d)) return [];
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(d, e.name)) : [join(d, e.name)]));
}

test('SIGTERM during a running backup: exits within its grace period, no half-written backup', async () => {
  const [host, port] = tb.seed.split(':');
  const configPath = join(dir, 'config.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      'aerospike-clusters': { tb: { 'seed-nodes': [{ 'host-name': host, port: Number(port) }] } },
      storage: { local: { 'local-storage': { path: 'backups' } } },
      // 100+ records at 5 per second: the backup is still running when the signal comes.
      'backup-policies': { slow: { parallel: 1, 'records-per-second': 5 } },
      'backup-routines': { slow: { 'source-cluster': 'tb', storage: 'local', 'backup-policy': 'slow', 'interval-cron': '@yearly', namespaces: ['test'] } },
    }),
  );
  const serve = await startServe(configPath, ['--grace-ms', String(GRACE_MS)]);
  const events = new EventReader(serve.base);
  await events.ready;
  const started = await http(serve.base, 'POST', '/v1/backups/full/slow');
  assert.equal(started.status, 202);
  const id = (started.json as Job).id;
  await events.next((e) => e.event === 'job-progress' && (e.data as Job).id === id && ((e.data as Job).progress?.['done-records'] ?? 0) > 0);
  const backups = join(dir, 'backups');
  assert.ok(filesUnder(backups).length > 0, 'the backup has written files');

  const t0 = Date.now();
  const [code, signal] = await serve.stop('SIGTERM');
  const took = Date.now() - t0;
  events.close();
  assert.equal(signal, null, `serve exits by itself (stderr: ${serve.stderr()})`);
  assert.equal(code, 0, serve.stderr());
  assert.ok(took < GRACE_MS + MARGIN_MS, `exited in ${took} ms`);
  assert.match(serve.stderr(), /SIGTERM: shutting down, cancelling 1 running job/);

  assert.deepEqual(filesUnder(backups), [], 'nothing of the cancelled backup is left');
  assert.deepEqual(await listBackups(new LocalStorage(backups), 'slow'), []);
  const after = await TidemarkService.open({ configPath, logStdout: false });
  try {
    const job = after.getJob(id);
    assert.equal(job?.status, 'canceled');
    assert.equal(job?.interrupted, undefined, 'it was cancelled cleanly, not cut off');
  } finally {
    await after.close();
  }
});
