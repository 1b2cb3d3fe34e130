import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

const fixture = new URL('./fixtures/stdout-logger.ts', import.meta.url).pathname;
const SECRET = 'stdout-secret-4411';

function start(dataDir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir, SECRET], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return { child, stderr: () => stderr };
}

function fileLines(dataDir: string): string[] {
  const logs = join(dataDir, 'logs');
  return readdirSync(logs).flatMap((f) => readFileSync(join(logs, f), 'utf8').split('\n').filter(Boolean));
}

test('stdout: true echoes the same redacted lines that go to the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-log-stdout-'));
  try {
    const { child, stderr } = start(dir);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stdin.end(`first ${SECRET}\nsecond\n`);
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0, stderr());
    const echoed = out.split('\n').filter(Boolean);
    assert.deepEqual(
      echoed.map((l) => (JSON.parse(l) as { msg: string }).msg),
      ['first [REDACTED]', 'second'],
    );
    assert.deepEqual(echoed, fileLines(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stdout nobody reads any more (EPIPE) neither crashes the process nor stops the file log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-log-stdout-'));
  try {
    const { child, stderr } = start(dir);
    // The reader goes away before anything is written, like `tidemark … | head -0`.
    child.stdout.destroy();
    for (let i = 0; i < 200; i++) child.stdin.write(`line ${i} ${'x'.repeat(500)}\n`);
    child.stdin.end('last\n');
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0, stderr());
    assert.match(stderr(), /onError: stdout: .*EPIPE.*; lines go to the log file only/);
    assert.match(stderr(), /closed\n$/);
    const lines = fileLines(dir);
    assert.equal(lines.length, 201);
    assert.equal((JSON.parse(lines.at(-1)!) as { msg: string }).msg, 'last');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
