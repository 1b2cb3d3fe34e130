import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { keyHashFromPem } from '../../electron/core/format/encryption-key.js';
import { createPrivateKey } from 'node:crypto';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tidemark(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/tidemark.mjs', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('tidemark backup and verify (CLI)', () => {
  let tb: TestbedHandle;
  let dir: string;

  before(async () => {
    tb = await startTestbedWorker({ port: 0, namespaces: ['test'] });
    const client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    for (let i = 0; i < 500; i++) await client.put(new Aerospike.Key('test', 'cli', i), { i, s: `v${i}` });
    await client.close();
    dir = mkdtempSync(join(tmpdir(), 'tidemark-cli-'));
  });
  after(async () => {
    await tb?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('backs up with plain progress lines, prints the key and counts, and verify accepts it', async () => {
    const r = await tidemark(['backup', '--cluster', tb.seed, '--namespace', 'test', '--storage', dir, '--routine', 'cli', '--compress', 'zstd']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^backup: \d+% [\d,]+\/[\d,]+ records/m, 'plain progress lines when not a terminal');
    const m = /^backup (cli\/backup\/\d+\/data\/test): 500 records, (\d+) files, \d+ bytes, 0 indexes, 0 UDFs$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    const v = await tidemark(['verify', join(dir, m[1]!)]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /OK — \d+ files \(zstd, not encrypted\), 500 records, 0 indexes, 0 UDFs; checksums match/);
  });

  test('AES-256 with the key from an environment variable, as asbackup reads it', async () => {
    const der = createPrivateKey(readFileSync('test/data/asbackup/key.pem')).export({ format: 'der', type: 'pkcs1' });
    const env = { TM_KEY: der.toString('base64') };
    const r = await tidemark(['backup', '--cluster', tb.seed, '--namespace', 'test', '--storage', dir, '--routine', 'enc', '--encrypt', 'aes256', '--key-env', 'TM_KEY'], env);
    assert.equal(r.code, 0, r.stderr);
    const key = /^backup (\S+):/m.exec(r.stdout)![1]!;
    const withPem = await tidemark(['verify', join(dir, key), '--key-file', 'test/data/asbackup/key.pem']);
    assert.equal(withPem.code, 0, withPem.stderr);
    assert.match(withPem.stdout, /aes256/);
    const noKey = await tidemark(['verify', join(dir, key)]);
    assert.equal(noKey.code, 1);
    assert.match(noKey.stderr, /encrypted \(aes256\): give the key/);
    assert.ok(!noKey.stderr.includes(env.TM_KEY.slice(0, 20)), 'key material never printed');
    assert.equal(keyHashFromPem(readFileSync('test/data/asbackup/key.pem')).length, 32);
  });

  test('verify reports a damaged file by name', async () => {
    const r = await tidemark(['backup', '--cluster', tb.seed, '--namespace', 'test', '--storage', dir, '--routine', 'tamper']);
    assert.equal(r.code, 0, r.stderr);
    const key = /^backup (\S+):/m.exec(r.stdout)![1]!;
    const folder = join(dir, key);
    const file = readdirSync(folder).find((f) => f.endsWith('.asb'))!;
    const bytes = readFileSync(join(folder, file));
    bytes[bytes.length - 3]! ^= 0x01;
    writeFileSync(join(folder, file), bytes);
    const v = await tidemark(['verify', folder]);
    assert.equal(v.code, 1);
    assert.match(v.stderr, new RegExp(`damaged: .*${file}: checksum mismatch`));
  });

  test('bad input gets a clear error naming the option, and a non-zero exit', async () => {
    const p = await tidemark(['backup', '--cluster', tb.seed, '--namespace', 'test', '--storage', dir, '--parallel', '0']);
    assert.notEqual(p.code, 0);
    assert.match(p.stderr, /--parallel must be an integer ≥ 1, got '0'/);
    const ns = await tidemark(['backup', '--cluster', tb.seed, '--namespace', 'nope', '--storage', dir, '--routine', 'bad']);
    assert.equal(ns.code, 1);
    assert.match(ns.stderr, /namespace 'nope' does not exist on the cluster/);
    const enc = await tidemark(['backup', '--cluster', tb.seed, '--namespace', 'test', '--storage', dir, '--encrypt', 'aes128']);
    assert.equal(enc.code, 2);
    assert.match(enc.stderr, /encryption: encryption needs exactly one of key-file or key-env/);
    const inc = await tidemark(['backup', '--cluster', tb.seed, '--namespace', 'test', '--storage', dir, '--routine', 'never-full', '--incremental']);
    assert.equal(inc.code, 1);
    assert.match(inc.stderr, /routine 'never-full' has no full backup .* run a full backup first/);
    const down = await tidemark(['backup', '--cluster', '127.0.0.1:1', '--namespace', 'test', '--storage', dir]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /could not connect/);
  });

  test('every subcommand has --help', async () => {
    for (const cmd of ['backup', 'verify', 'testbed']) {
      const r = await tidemark([cmd, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`Usage: tidemark ${cmd}`));
    }
  });
});
