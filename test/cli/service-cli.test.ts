/**
 * The service-backed CLI end to end, each command a real child process on one config file:
 * building a config without editing JSON, running routines as jobs, the history, cancel from
 * another process, the schedule, and profiles moved to a second config.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import type { Job } from '../../shared/schemas/job.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['bin/tidemark.mjs', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

function finish(child: ChildProcess): Promise<Run> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('tidemark config / run / jobs / cancel / schedule / profile (CLI)', () => {
  let tb: TestbedHandle;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const tm = (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Run> => finish(start(args, { ...env, ...extra }));

  before(async () => {
    tb = await startTestbedWorker({ port: 0, namespaces: ['test'] });
    const client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    for (let i = 0; i < 300; i++) await client.put(new Aerospike.Key('test', 'cli', i), { i });
    await client.close();
    dir = mkdtempSync(join(tmpdir(), 'tidemark-svc-cli-'));
    env = { TIDEMARK_CONFIG: join(dir, 'config.json') };
  });
  after(async () => {
    await tb?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a config is built with set-… commands; mistakes are refused naming the field; nothing half-written', async () => {
    for (const args of [
      ['config', 'set-cluster', 'tb', '--seeds', tb.seed, '--max-parallel-scans', '4'],
      ['config', 'set-storage', 'disk', '--path', 'backups'],
      ['config', 'set-policy', 'p', '--compress', 'zstd', '--retention-full', '2'],
      ['config', 'set-policy', 'slow', '--parallel', '1', '--records-per-second', '10'],
      ['config', 'set-routine', 'nightly', '--cluster', 'tb', '--storage', 'disk', '--policy', 'p', '--cron', '0 0 2 * * ?', '--incr-cron', '0 */15 * * * *', '--namespace', 'test'],
      ['config', 'set-routine', 'slow', '--cluster', 'tb', '--storage', 'disk', '--policy', 'slow', '--cron', '@yearly', '--namespace', 'test'],
    ]) {
      const r = await tm(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    const before = readFileSync(join(dir, 'config.json'), 'utf8');
    const bad = await tm(['config', 'set-routine', 'other', '--cluster', 'nope', '--storage', 'disk', '--policy', 'p', '--cron', 'often']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /backup-routines\.other\.source-cluster: cluster 'nope' is not defined/);
    assert.match(bad.stderr, /backup-routines\.other\.interval-cron: interval-cron "often"/);
    const inUse = await tm(['config', 'delete', 'cluster', 'tb']);
    assert.equal(inUse.code, 2);
    assert.match(inUse.stderr, /used by routines 'nightly', 'slow'/);
    assert.equal(readFileSync(join(dir, 'config.json'), 'utf8'), before);
    const show = await tm(['config', 'show', '--json']);
    assert.equal(JSON.parse(show.stdout)['backup-policies'].p.retention.full, 2);
    assert.equal((await tm(['config', 'validate'])).code, 0);
  });

  test('run takes a labelled full and an incremental as jobs; jobs lists them with filters', async () => {
    const full = await tm(['run', 'nightly', '--wait', '--label', 'first']);
    assert.equal(full.code, 0, full.stderr);
    assert.match(full.stdout, /full backup of 'nightly' done in [\d.]+ s: 300 records/);
    const incr = await tm(['run', 'nightly', '--incremental', '--json']);
    assert.equal(incr.code, 0, incr.stderr);
    const job = JSON.parse(incr.stdout) as Job;
    assert.equal(job['backup-type'], 'incremental');
    assert.equal(job.status, 'success');
    const jobs = JSON.parse((await tm(['jobs', '--json', '--routine', 'nightly'])).stdout) as Job[];
    assert.deepEqual(
      jobs.map((j) => [j['backup-type'], j.status, j.label]),
      [
        ['incremental', 'success', undefined],
        ['full', 'success', 'first'],
      ],
    );
    const text = (await tm(['jobs', '--status', '!success'])).stdout;
    assert.equal(text, 'no jobs match\n');
  });

  test('cancel from another process stops a running job; the history says canceled', async () => {
    const running = start(['run', 'slow', '--json'], env);
    const result = finish(running);
    // The run prints its job id on stderr once the job exists.
    const id = await new Promise<string>((resolve) => {
      let buf = '';
      running.stderr!.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /job ([0-9a-f-]{36})/.exec(buf);
        if (m) resolve(m[1]!);
      });
    });
    const c = await tm(['cancel', id]);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, new RegExp(`cancel requested: job ${id}`));
    const r = await result;
    assert.equal(r.code, 130, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Job).status, 'canceled');
  });

  test('schedule shows next runs; pause and resume persist', async () => {
    assert.equal((await tm(['schedule', 'pause', 'nightly'])).code, 0);
    const paused = JSON.parse((await tm(['schedule', '--json'])).stdout) as Array<{ routine: string; paused: boolean; full?: number }>;
    const nightly = paused.find((r) => r.routine === 'nightly')!;
    assert.equal(nightly.paused, true);
    assert.equal(new Date(nightly.full!).getSeconds(), 0);
    assert.equal((await tm(['schedule', 'resume', 'nightly'])).code, 0);
    assert.match((await tm(['schedule'])).stdout, /nightly\s+\S+ \S+\s+\S+ \S+\s+active/);
    const unknown = await tm(['schedule', 'pause', 'nope']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /routine 'nope' is not defined/);
  });

  test('a profile moves the config to another machine; a wrong passphrase is refused', async () => {
    const file = join(dir, 'profile.yaml');
    const out = await tm(['profile', 'export', file, '--format', 'yaml', '--routine', 'nightly', '--passphrase-env', 'PP'], { PP: 'correct horse battery' });
    assert.equal(out.code, 0, out.stderr);
    const other = { TIDEMARK_CONFIG: join(dir, 'other', 'config.json') };
    const wrong = await tm(['profile', 'import', file, '--passphrase-env', 'PP'], { ...other, PP: 'wrong horse battery' });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /passphrase/);
    const dry = await tm(['profile', 'import', file, '--dry-run', '--passphrase-env', 'PP'], { ...other, PP: 'correct horse battery' });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /added\s+backup-routines 'nightly'/);
    const imp = await tm(['profile', 'import', file, '--passphrase-env', 'PP'], { ...other, PP: 'correct horse battery' });
    assert.equal(imp.code, 0, imp.stderr);
    const shown = JSON.parse((await tm(['config', 'show', '--json'], other)).stdout);
    assert.deepEqual(Object.keys(shown['backup-routines']), ['nightly'], 'only the chosen routine and what it uses');
    assert.deepEqual(Object.keys(shown['backup-policies']), ['p']);
  });
});
