/**
 * `npm run demo` is the README's first command: the running product on sample data. As a real
 * child process: the testbed, a demo routine with a full and an incremental backup already
 * taken, serve with the API and the web UI behind a sign-in URL; Ctrl-C stops everything. And
 * `--exit`, the scripted round trip.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = mkdtempSync(join(tmpdir(), 'tidemark-demo-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('the demo runs the product: backups taken, API and web UI served with a sign-in URL, Ctrl-C stops it', async () => {
  const dir = join(root, 'running');
  const child = spawn(process.execPath, ['bin/tidemark.mjs', 'demo', '--port', '0', '--http-port', '0', '--records', '300', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`demo exited (${code}) before listening:\n${out}\n${err}`)));
  });
  try {
    assert.match(out, /full backup: 300 records/);
    assert.match(out, /incremental backup: 100 records/);
    const signIn = /^web UI: (http:\/\/\S+\/ui\/)#token=(\S+)$/m.exec(out);
    assert.ok(signIn, `a sign-in URL is printed:\n${out}`);
    const auth = { authorization: `Bearer ${signIn[2]}` };
    const page = await fetch(signIn[1]!);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">|<script/);
    assert.equal((await fetch(`${base}/v1/backups/full`)).status, 401, 'the API needs the token');
    const fulls = (await (await fetch(`${base}/v1/backups/full/demo`, { headers: auth })).json()) as unknown[];
    assert.equal(fulls.length, 1);
    const routines = (await (await fetch(`${base}/v1/config/routines`, { headers: auth })).json()) as Record<string, { 'incr-interval-cron'?: string }>;
    assert.ok(routines.demo?.['incr-interval-cron'], 'the demo routine has an incremental schedule');
  } finally {
    child.kill('SIGINT');
  }
  const [code] = await exited;
  assert.equal(code, 0, err);
  assert.match(err, /stopped/);
});

test('demo --exit: the scripted backup and point-in-time restore round trip, checked', async () => {
  const child = spawn(process.execPath, ['bin/tidemark.mjs', 'demo', '--exit', '--port', '0', '--records', '200', '--dir', join(root, 'exit')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, out);
  assert.match(out, /namespace bar now holds 300 records \(expected 300/);
});
