/**
 * Scheduled verification through the service on an injected clock: at the routine's
 * verify-cron slot the current restore chain is verified, once; verified backups are not
 * verified again at the next slot.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { ManualClock } from '../../electron/core/service/clock.js';
import { TidemarkService } from '../../electron/core/service/tidemark-service.js';
import type { Job } from '../../shared/schemas/job.js';
import { writeDataset } from '../helpers/dataset.js';

const HOUR = 3_600_000;

let tb: TestbedHandle;
let client: Aerospike.Client;
let dir: string;

before(async () => {
  tb = await startTestbedWorker({ port: 0, namespaces: ['test'] });
  client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
  await writeDataset(client, 'test', 30);
  dir = mkdtempSync(join(tmpdir(), 'tidemark-verify-sched-'));
});

after(async () => {
  await client?.close();
  await tb?.close();
  rmSync(dir, { recursive: true, force: true });
});

function verifyJobs(service: TidemarkService, n: number): Promise<Job[]> {
  const seen: Job[] = [];
  return new Promise((resolve) => {
    const off = service.subscribe((e) => {
      if ('job' in e && e.type === 'finished' && e.job.type === 'verify' && seen.push(e.job) === n) {
        off();
        resolve(seen);
      }
    });
  });
}

test('verify-cron verifies the current restore chain at its slot, and only what is not verified yet', async () => {
  const clock = new ManualClock(Date.UTC(2026, 2, 3, 9, 10));
  const s = await TidemarkService.open({ configPath: join(dir, 'config.json'), clock });
  try {
    const [host, port] = tb.seed.split(':');
    s.config.replace({
      'aerospike-clusters': { tb: { 'seed-nodes': [{ 'host-name': host!, port: Number(port) }] } },
      storage: { local: { 'local-storage': { path: 'backups' } } },
      'backup-policies': { p: {} },
      'backup-routines': { r: { 'source-cluster': 'tb', storage: 'local', 'backup-policy': 'p', 'interval-cron': '@yearly', 'verify-cron': '0 0 * * * *', namespaces: ['test'], timezone: 'UTC' } },
    });
    assert.equal((await s.triggerBackup('r').done).status, 'success');
    clock.advance(60_000);
    await client.put(new Aerospike.Key('test', 'people', 'v2'), { v: 2 });
    assert.equal((await s.triggerBackup('r', { type: 'incremental' }).done).status, 'success');
    s.start();

    const two = verifyJobs(s, 2);
    clock.advance(HOUR);
    const jobs = await two;
    assert.deepEqual(jobs.map((j) => [j.status, j.trigger]), [
      ['success', 'schedule'],
      ['success', 'schedule'],
    ]);
    assert.ok(s.catalog.list({ routine: 'r' }).backups.every((b) => b.verification?.ok === true));

    // Nothing new: the next slot verifies nothing.
    const before = s.listJobs({ type: ['verify'] }).length;
    await s.verifyChain('r', 'schedule');
    assert.equal(s.listJobs({ type: ['verify'] }).length, before);
  } finally {
    await s.close();
  }
});
