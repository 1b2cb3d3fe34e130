import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import Aerospike from 'aerospike';
import { freePort } from '../helpers/loopback.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = ['bin/tidemark.mjs', 'testbed'];

interface Run {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[]): Run {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => stdout.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout, stderr, exit };
}

/** Resolves with the first stdout line; rejects if the process exits first or after 20 s. */
function firstLine(r: Run): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: r.child.stdout! });
    const timer = setTimeout(() => reject(new Error(`no output after 20 s; stderr: ${r.stderr.join('\n')}`)), 20_000);
    rl.once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    void r.exit.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing; stderr: ${r.stderr.join('\n')}`));
    });
  });
}

describe('tidemark testbed CLI', () => {
  test('listens on the requested port, serves the official client, exits 0 on SIGTERM', async (t) => {
    const port = await freePort();
    const r = run(['--port', String(port), '--namespaces', 'test']);
    t.after(() => {
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    });
    assert.equal(await firstLine(r), `testbed listening on 127.0.0.1:${port}`);

    const client = await Aerospike.connect({ hosts: `127.0.0.1:${port}`, log: { level: Aerospike.log.OFF } });
    try {
      const key = new Aerospike.Key('test', 'cli', 1);
      await client.put(key, { via: 'cli' });
      assert.deepEqual((await client.get(key)).bins, { via: 'cli' });
      assert.equal(await client.infoAny('namespaces'), 'namespaces\ttest\n');
    } finally {
      client.close();
    }

    // An idle connection left open must not keep the process alive.
    const sock = connect(port, '127.0.0.1');
    await once(sock, 'connect');
    sock.on('error', () => {});
    r.child.kill('SIGTERM');
    const { code, signal } = await r.exit;
    assert.equal(signal, null);
    assert.equal(code, 0, `stderr: ${r.stderr.join('\n')}`);
    assert.deepEqual(r.stdout, [`testbed listening on 127.0.0.1:${port}`], 'stdout is exactly the listening line');
    sock.destroy();
    // The port is released.
    const again = createServer();
    again.listen(port, '127.0.0.1');
    await once(again, 'listening');
    await new Promise<void>((res) => again.close(() => res()));
  });

  test('--help exits 0 and lists the options', async () => {
    const r = run(['--help']);
    const { code } = await r.exit;
    assert.equal(code, 0);
    const help = r.stdout.join('\n');
    for (const opt of ['--port', '--namespaces', '--nodes', '--user', '--password', '--max-record-size', '--help']) {
      assert.ok(help.includes(opt), `help lacks ${opt}:\n${help}`);
    }
    assert.match(help, /Usage: tidemark testbed/);
  });

  test('bad arguments exit non-zero with a message on stderr', async () => {
    const bad = run(['--port', 'abc']);
    assert.notEqual((await bad.exit).code, 0);
    assert.match(bad.stderr.join('\n'), /--port must be an integer/);

    const half = run(['--port', String(await freePort()), '--user', 'u']);
    assert.equal((await half.exit).code, 1);
    assert.match(half.stderr.join('\n'), /--user and --password go together/);
  });
});
