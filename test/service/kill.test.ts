/**
 * A real `tidemark run` child process, killed with SIGKILL in the middle of a backup. While it
 * lives, another process sees its job running (never interrupted) and the overlap rule holds
 * across processes; after the kill the next process marks the job interrupted, the catalog holds
 * no backup from it and its partial files are removed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { listBackups } from '../../electron/core/catalog/catalog.js';
import { LocalStorage } from '../../electron/core/storage/local-storage.js';
import { TidemarkService } from '../../electron/core/service/tidemark-service.js';
import { writeDataset } from '../helpers/dataset.js';

let tb: TestbedHandle;
let client: Aerospike.Client;
let dir: string;
let child: ChildProcess | undefined;

before(async () => {
  tb = await startTestbedWorker({ port: 0, namespaces: ['test'] });
  client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
  await writeDataset(client, 'test', 100);
  dir = mkdtempSync(join(tmpdir(), 'tidemark-kill-'));
});

after(async () => {
  child?.kill('SIGKILL');
  await client?.close();
  await tb?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves once a file appears anywhere under `folder` (created on demand). */
function firstFileUnder(folder: string): Promise<void> {
  return new Promise((resolve) => {
    const w = watch(folder, { recursive: true }, () => {
      const has = (d: string): boolean => readdirSync(d, { withFileTypes: true }).some((e) => (e.isDirectory() ? has(join(d, e.name)) : true));
      if (has(folder)) {
        w.close();
        resolve();
      }
    });
  });
}

test('SIGKILL mid-backup: interrupted job, no restore point, partial files removed; live jobs are never marked', async () => {
  const configPath = join(dir, 'config.json');
  const setup = await TidemarkService.open({ configPath });
  const [host, port] = tb.seed.split(':');
  setup.config.put('aerospike-clusters', 'tb', { 'seed-nodes': [{ 'host-name': host!, port: Number(port) }] });
  setup.config.put('storage', 'local', { 'local-storage': { path: 'backups' } });
  // Slow enough that the kill lands mid-backup: 100+ records at 5 per second.
  setup.config.put('backup-policies', 'slow', { parallel: 1, 'records-per-second': 5 });
  setup.config.put('backup-routines', 'slow', { 'source-cluster': 'tb', storage: 'local', 'backup-policy': 'slow', 'interval-cron': '@yearly', namespaces: ['test'] });
  await setup.close();

  const backups = join(dir, 'backups');
  mkdirSync(backups, { recursive: true });
  const written = firstFileUnder(backups);
  child = spawn(process.execPath, ['bin/tidemark.mjs', 'run', 'slow', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  await written;

  // Another process on the same config: it sees the job running and may not start the routine.
  const other = await TidemarkService.open({ configPath });
  try {
    const running = other.listJobs({ routine: 'slow' });
    assert.equal(running.length, 1);
    assert.equal(running[0]!.status, 'running');
    assert.equal(running[0]!.interrupted, undefined, 'a job of a live process is never marked interrupted');
    const second = await other.triggerBackup('slow').done;
    assert.equal(second.status, 'skipped', 'the overlap rule holds across processes');
    assert.match(second.reason ?? '', /busy/);
  } finally {
    await other.close();
  }

  child.kill('SIGKILL');
  const [code, signal] = await exited;
  assert.equal(signal, 'SIGKILL', `the child was killed (exit code ${String(code)})`);
  child = undefined;

  const after = await TidemarkService.open({ configPath });
  try {
    const jobs = after.listJobs({ routine: 'slow', type: ['backup'] });
    const killed = jobs.find((j) => j.status !== 'skipped')!;
    assert.equal(killed.status, 'failure');
    assert.equal(killed.interrupted, true);
    assert.match(killed.error ?? '', /interrupted/);
    assert.deepEqual(await listBackups(new LocalStorage(backups), 'slow'), [], 'no restore point from the killed run');
    const root = join(backups, killed.details!.root as string);
    assert.equal(existsSync(root), false, 'its partial files were removed');
    // And the routine is free again: the dead process's lock does not block it.
    const next = await after.triggerBackup('slow', { type: 'full' });
    after.cancelJob(next.job.id);
    assert.notEqual((await next.done).status, 'skipped');
  } finally {
    await after.close();
  }
});
