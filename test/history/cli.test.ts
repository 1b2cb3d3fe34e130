/**
 * `tidemark examine`, `tidemark cp` and `tidemark merge` end to end, each a real child process on
 * one config file, against backups made by `tidemark run`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import type { Job } from '../../shared/schemas/job.js';
import type { RecordHistory, RecordVersion } from '../../shared/schemas/record-history.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('tidemark examine / cp / merge (CLI)', () => {
  let tb: TestbedHandle;
  let client: Aerospike.Client;
  let dir: string;
  const tm = (args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, ['bin/tidemark.mjs', ...args], { env: { ...process.env, TIDEMARK_CONFIG: join(dir, 'config.json') }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const ok = async (args: string[]): Promise<Run> => {
    const r = await tm(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const key = new Aerospike.Key('test', 'cli', 7);
  const replace = new Aerospike.WritePolicy({ key: Aerospike.policy.key.SEND, exists: Aerospike.policy.exists.CREATE_OR_REPLACE });
  const examine = ['examine', '--routine', 'hist', '--set', 'cli', '--key', '7', '--key-type', 'integer'];

  before(async () => {
    tb = await startTestbedWorker({ port: 0, namespaces: ['test', 'bar'] });
    client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    for (let i = 0; i < 100; i++) await client.put(new Aerospike.Key('test', 'cli', i), { i, v: 1 }, {}, replace);
    dir = mkdtempSync(join(tmpdir(), 'tidemark-history-cli-'));
    await ok(['config', 'set-cluster', 'tb', '--seeds', tb.seed]);
    await ok(['config', 'set-storage', 'disk', '--path', 'backups']);
    await ok(['config', 'set-storage', 'other', '--path', 'elsewhere']);
    await ok(['config', 'set-policy', 'p', '--compress', 'zstd']);
    await ok(['config', 'set-routine', 'hist', '--cluster', 'tb', '--storage', 'disk', '--policy', 'p', '--cron', '@daily', '--namespace', 'test']);
    await ok(['run', 'hist']);
    await client.put(key, { i: 7, v: 2, note: 'second' }, {}, replace);
    await ok(['run', 'hist', '--incremental']);
    await client.put(new Aerospike.Key('test', 'cli', 8), { i: 8, v: 2 }, {}, replace);
    await ok(['run', 'hist', '--incremental']);
  });
  after(async () => {
    await client?.close();
    await tb?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('examine shows the versions, builds indexes, exports and restores one version', async () => {
    const history = JSON.parse((await ok([...examine, '--json'])).stdout) as RecordHistory;
    assert.deepEqual(history.versions.map((v) => v.bins.find((b) => b.name === 'v')?.value), [2, 1]);
    assert.deepEqual(history.absent.map((a) => a.meaning), ['unchanged-in-incremental']);
    assert.deepEqual(history.searched, { indexed: 0, scanned: 3, 'stale-index': 0 });

    const text = await ok([...examine, '--build-index']);
    assert.match(text.stdout, /2 versions in 3 backups/);
    assert.match(text.stdout, /note \(string\) = "second"/);
    assert.match(text.stdout, /searched 3 backups by index, 0 by scanning/);

    const oldest = history.versions[1]!;
    const file = join(dir, 'v1.json');
    await ok([...examine, '--export', file, '--backup', oldest.backup]);
    const exported = JSON.parse(readFileSync(file, 'utf8')) as RecordVersion;
    assert.equal(exported.backup, oldest.backup);
    assert.deepEqual(exported.bins, oldest.bins);

    await ok([...examine, '--restore-to', 'tb', '--namespace', 'bar', '--backup', oldest.backup]);
    assert.deepEqual((await client.get(new Aerospike.Key('bar', 'cli', 7))).bins, { i: 7, v: 1 });

    const bad = await tm(['examine', '--routine', 'hist', '--set', 'cli']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /give --key \(with --set\) or --digest/);
  });

  test('cp copies a full backup with its incrementals; merge folds the chain into a full backup', async () => {
    const full = JSON.parse((await ok([...examine, '--json'])).stdout) as RecordHistory;
    const fullKey = full.versions.find((v) => v.kind === 'full')!.backup;
    const cp = JSON.parse((await ok(['cp', fullKey, '--to', 'other', '--json'])).stdout) as Job;
    assert.equal(cp.type, 'copy');
    assert.equal(cp.status, 'success');
    assert.equal((cp.details?.keys as string[]).length, 3);
    for (const k of cp.details!.keys as string[]) assert.ok(existsSync(join(dir, 'elsewhere', k, 'metadata.yaml')), k);
    const again = await tm(['cp', fullKey, '--to', 'other']);
    assert.equal(again.code, 1);
    assert.match(again.stdout, /failure: destination: .* already exists/);

    const merge = await ok(['merge', 'hist']);
    assert.match(merge.stdout, /merged 3 backups into a full backup of 100 records/);
    const after = JSON.parse((await ok([...examine, '--json'])).stdout) as RecordHistory;
    // The merged full backup holds the newest version, and is the newest full of the routine.
    assert.equal(after.versions.length, 3);
    assert.equal(after.versions.filter((v) => v.kind === 'full')[0]!.bins.find((b) => b.name === 'note')?.value, 'second');
  });
});
