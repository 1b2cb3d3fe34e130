import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { TidemarkService } from '../../electron/core/service/tidemark-service.js';

let tb: TestbedHandle;
let dir: string;

before(async () => {
  tb = await startTestbedWorker({ port: 0, namespaces: ['test'] });
  const client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
  for (let i = 0; i < 20; i++) await client.put(new Aerospike.Key('test', 's', i), { i });
  await client.close();
  dir = mkdtempSync(join(tmpdir(), 'tidemark-startup-'));
});
after(async () => {
  await tb?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('backups already on a storage are listed once the service starts, without waiting for a job', async () => {
  const first = await TidemarkService.open({ configPath: join(dir, 'a', 'config.json') });
  const [host, port] = tb.seed.split(':');
  first.config.replace({
    'aerospike-clusters': { tb: { 'seed-nodes': [{ 'host-name': host!, port: Number(port) }] } },
    storage: { shared: { 'local-storage': { path: join(dir, 'backups') } } },
    'backup-policies': { p: {} },
    'backup-routines': { r: { 'source-cluster': 'tb', storage: 'shared', 'backup-policy': 'p', 'interval-cron': '@yearly', namespaces: ['test'] } },
  });
  const job = await first.triggerBackup('r').done;
  assert.equal(job.status, 'success');
  const profile = first.config.config;
  await first.close();

  // Another Tidemark (its own data folder, an empty catalog) pointed at the same storage.
  const second = await TidemarkService.open({ configPath: join(dir, 'b', 'config.json') });
  try {
    second.config.replace(profile);
    assert.equal(second.catalog.list().total, 0, 'nothing indexed before start');
    second.start();
    await second.catalogReady();
    const listed = second.catalog.list();
    assert.equal(listed.total, 1);
    assert.equal(listed.backups[0]!['record-count'], job.stats?.records);
  } finally {
    await second.close();
  }
});
