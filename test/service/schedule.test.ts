/**
 * The scheduler driving real backups through the service core, on an injected clock: a slot
 * fires a backup, the app closed for days catches up exactly once, a paused routine stays
 * quiet, and the battery rule records a skipped run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { ManualClock } from '../../electron/core/service/clock.js';
import { TidemarkService } from '../../electron/core/service/tidemark-service.js';
import type { Job } from '../../shared/schemas/job.js';
import { writeDataset } from '../helpers/dataset.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 5, 1, 10, 30);

function finished(service: TidemarkService, n: number): Promise<Job[]> {
  const seen: Job[] = [];
  return new Promise((resolve) => {
    const off = service.subscribe((e) => {
      if ('job' in e && e.type === 'finished') {
        seen.push(e.job);
        if (seen.length === n) {
          off();
          resolve(seen);
        }
      }
    });
  });
}

describe('scheduled backups through the service core', () => {
  let tb: TestbedHandle;
  let client: Aerospike.Client;
  let dir: string;
  let configPath: string;
  let onBattery = false;
  const power = { onBattery: () => onBattery };

  const open = (clock: ManualClock): Promise<TidemarkService> => TidemarkService.open({ configPath, clock, power });

  before(async () => {
    tb = await startTestbedWorker({ port: 0, namespaces: ['test'] });
    client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    await writeDataset(client, 'test', 40);
    dir = mkdtempSync(join(tmpdir(), 'tidemark-sched-'));
    configPath = join(dir, 'config.json');
    const s = await open(new ManualClock(T0));
    const [host, port] = tb.seed.split(':');
    s.config.replace({ tidemark: { 'plaintext-secrets': true }, 'aerospike-clusters': { tb: { 'seed-nodes': [{ 'host-name': host!, port: Number(port) }], credentials: { user: 'admin', password: 'not-this-one' } } } });
    // The ways a secret reaches a log in practice: a config object, an error text, a URL.
    s.log.info({ cluster: s.config.config['aerospike-clusters'].tb }, 'cluster configured');
    s.log.error(new Error('login failed for admin with not-this-one'), 'connect failed');
    s.log.warn(`retrying http://admin:not-this-one@127.0.0.1:${port}/`);
    await s.close();
  });

  after(async () => {
    await client?.close();
    await tb?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('hourly slots fire backups; after three days closed, exactly one catch-up; pause and battery rule', async () => {
    let clock = new ManualClock(T0);
    let s = await open(clock);
    s.config.replace({
      ...s.config.config,
      'aerospike-clusters': { tb: { 'seed-nodes': s.config.config['aerospike-clusters'].tb!['seed-nodes'] } },
      storage: { local: { 'local-storage': { path: 'backups' } } },
      'backup-policies': { p: { parallel: 1 } },
      'backup-routines': {
        hourly: { 'source-cluster': 'tb', storage: 'local', 'backup-policy': 'p', 'interval-cron': '0 0 * * * *', namespaces: ['test'], 'skip-on-battery': true, timezone: 'UTC' },
      },
    });
    s.start();
    assert.deepEqual(s.listJobs(), [], 'a brand-new routine owes nothing');
    assert.equal(s.schedule()[0]!.full, Date.UTC(2026, 5, 1, 11, 0));

    let done = finished(s, 1);
    clock.advance(HOUR / 2);
    const [first] = await done;
    assert.equal(first!.status, 'success', first!.error);
    assert.equal(first!.trigger, 'schedule');
    assert.equal(first!['created-at'], Date.UTC(2026, 5, 1, 11, 0));

    onBattery = true;
    done = finished(s, 1);
    clock.advance(HOUR);
    const [onBatteryRun] = await done;
    assert.equal(onBatteryRun!.status, 'skipped');
    assert.equal(onBatteryRun!.reason, 'on battery power');
    onBattery = false;
    await s.close();

    // Closed for three days (72 missed slots): one catch-up run, not 72.
    clock = new ManualClock(T0 + HOUR / 2 + HOUR + 3 * 24 * HOUR + 5 * 60_000);
    s = await open(clock);
    done = finished(s, 1);
    s.start();
    const [catchUp] = await done;
    assert.equal(catchUp!.trigger, 'catch-up');
    assert.equal(catchUp!.status, 'success', catchUp!.error);
    assert.equal(s.listJobs().filter((j) => j.trigger === 'catch-up').length, 1);

    s.pause('hourly');
    clock.advance(2 * HOUR);
    assert.equal(s.listJobs().length, 3, 'no run while paused');
    assert.equal(s.schedule()[0]!.paused, true);
    await s.close();
    s = await open(clock);
    assert.equal(s.schedule()[0]!.paused, true, 'pause survives a restart');
    s.resume('hourly');
    await s.close();
  });

  test('a password set in the config never appears in any log line', async () => {
    const logs = join(dir, 'logs');
    const text = readdirSync(logs)
      .map((f) => readFileSync(join(logs, f), 'utf8'))
      .join('');
    assert.ok(text.includes('connect failed') && text.includes('"job"'), 'the lines were logged');
    assert.doesNotMatch(text, /not-this-one/);
    assert.match(text, /\[REDACTED\]/, 'redacted where it was');
  });
});
