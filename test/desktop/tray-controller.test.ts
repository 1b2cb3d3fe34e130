/**
 * The tray controller over a real TidemarkService (no Electron): the tray starts from the core's
 * state and follows its events — pause and resume, a backup that fails, a config change — and is
 * re-rendered only when an event changes what it shows.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TidemarkService } from '../../electron/core/service/tidemark-service.js';
import { TrayController } from '../../electron/main/tray/tray-controller.js';
import { trayIconState, trayMenu, type TrayState } from '../../electron/main/tray/tray-model.js';

let dir: string;
let service: TidemarkService;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tidemark-tray-'));
  service = await TidemarkService.open({ configPath: join(dir, 'config.json'), logStdout: false });
  // Port 1 on loopback refuses at once: a backup of this cluster fails quickly.
  service.config.put('aerospike-clusters', 'gone', { 'seed-nodes': [{ 'host-name': '127.0.0.1', port: 1 }], 'conn-timeout': 500 } as never);
  service.config.put('storage', 'local', { 'local-storage': { path: join(dir, 'backups') } });
  service.config.put('backup-policies', 'p', {});
  service.config.put('backup-routines', 'nightly', { 'source-cluster': 'gone', storage: 'local', 'backup-policy': 'p', 'interval-cron': '0 0 3 * * *', namespaces: ['test'] });
});

after(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

const labels = (state: TrayState): string[] => trayMenu(state, { timeZone: 'UTC' }).flatMap((i) => [i.label, ...(i.submenu ?? []).map((s) => s.label)]);

test('the tray follows the core: idle, paused, resumed, a failed backup, a new routine', async () => {
  const shown: TrayState[] = [];
  const tray = new TrayController(service, { update: (s) => shown.push(s) });
  try {
    assert.equal(shown.length, 1, 'rendered once at start');
    assert.equal(trayIconState(shown[0]!), 'idle');
    assert.equal(shown[0]!.next?.routine, 'nightly');
    assert.ok(labels(shown[0]!).includes('Pause all schedules'));

    service.pause();
    assert.equal(trayIconState(shown.at(-1)!), 'paused');
    assert.ok(labels(shown.at(-1)!).includes('Resume all schedules'));
    service.resume();
    assert.equal(trayIconState(shown.at(-1)!), 'idle');

    const { done } = service.triggerBackup('nightly', { type: 'full' });
    const job = await done;
    assert.equal(job.status, 'failure');
    const last = shown.at(-1)!;
    assert.equal(trayIconState(last), 'failed');
    assert.equal(last.running.length, 0);
    const nightly = trayMenu(last, { timeZone: 'UTC' }).find((i) => i.submenu && i.label.includes('nightly'));
    assert.ok(nightly, JSON.stringify(trayMenu(last, { timeZone: 'UTC' })));
    assert.ok(nightly.submenu!.some((i) => /fail/i.test(i.label)), JSON.stringify(nightly.submenu));

    // A change the tray shows (a new routine) re-renders; re-reading an unchanged schedule does not need to.
    const before = shown.length;
    service.config.put('backup-routines', 'weekly', { 'source-cluster': 'gone', storage: 'local', 'backup-policy': 'p', 'interval-cron': '0 0 4 ? * SUN', namespaces: ['test'] });
    assert.ok(shown.length > before);
    assert.ok(shown.at(-1)!.routines.some((r) => r.name === 'weekly'));
  } finally {
    tray.dispose();
  }
  const count = shown.length;
  service.pause();
  service.resume();
  assert.equal(shown.length, count, 'nothing after dispose');
});
