import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { HookSchema, type Hook, type JobFacts } from '../../shared/schemas/hooks.js';
import { HookResultSchema } from '../../shared/schemas/job.js';
import { runHooks } from '../../electron/core/hooks/hook-runner.js';
import { ENV_VALUE_MAX, TRUNCATED_MARK, hookEnvironment } from '../../electron/core/hooks/hook-env.js';

const node = process.execPath;
const posix = process.platform !== 'win32';

const facts: JobFacts = {
  id: 'job-42',
  type: 'backup',
  'backup-type': 'incremental',
  routine: 'nightly',
  trigger: 'schedule',
  status: 'success',
  records: 1234,
  bytes: 56789,
  'duration-ms': 4200,
  'backup-keys': ['nightly/incremental/1700000000000/test', 'nightly/incremental/1700000000000/bar'],
};

function hook(input: unknown): Hook {
  return HookSchema.parse(input);
}

/** Whether a process has ended: no longer there, or a zombie nobody has reaped yet. */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tidemark-hooks-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('command hooks', () => {
  test('a command that succeeds is recorded with exit code 0 and its output', async () => {
    const [r, ...rest] = await runHooks('success', [hook({ command: [node, '-e', "console.log('notified ops')"] })], facts);
    assert.equal(rest.length, 0);
    assert.equal(r!.ok, true, r!.message);
    assert.equal(r!.kind, 'command');
    assert.equal(r!.event, 'success');
    assert.equal(r!['exit-code'], 0);
    assert.equal(r!.message, 'notified ops');
    assert.ok(r!.target.startsWith(node), r!.target);
    assert.ok(r!.target.includes(`-e 'console.log('\\''notified ops'\\'')'`), r!.target);
    assert.ok(Number.isInteger(r!['duration-ms']) && r!['duration-ms'] >= 0);
    // Exactly what the job record takes: nothing more, nothing malformed.
    assert.deepEqual(HookResultSchema.parse(r), r);
  });

  test('the command sees the job facts as TIDEMARK_* variables, its own env, and no stale TIDEMARK_*', async () => {
    const out = join(dir, 'env.json');
    const script = `require('fs').writeFileSync(process.argv[1], JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('TIDEMARK_') || k === 'HOOK_VAR'))))`;
    const [r] = await runHooks('failure', [hook({ command: [node, '-e', script, out], env: { HOOK_VAR: 'from the hook' } })], { ...facts, status: 'failure', error: 'cluster unreachable' }, {
      env: { PATH: process.env.PATH, TIDEMARK_STALE: 'from a parent tidemark' },
    });
    assert.equal(r!.ok, true, r!.message);
    const env = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
    assert.equal(env.TIDEMARK_EVENT, 'failure');
    assert.equal(env.TIDEMARK_JOB_ID, 'job-42');
    assert.equal(env.TIDEMARK_JOB_TYPE, 'backup');
    assert.equal(env.TIDEMARK_BACKUP_TYPE, 'incremental');
    assert.equal(env.TIDEMARK_ROUTINE, 'nightly');
    assert.equal(env.TIDEMARK_TRIGGER, 'schedule');
    assert.equal(env.TIDEMARK_STATUS, 'failure');
    assert.equal(env.TIDEMARK_ERROR, 'cluster unreachable');
    assert.equal(env.TIDEMARK_RECORDS, '1234');
    assert.equal(env.TIDEMARK_BYTES, '56789');
    assert.equal(env.TIDEMARK_DURATION_MS, '4200');
    assert.equal(env.TIDEMARK_BACKUP_KEYS, 'nightly/incremental/1700000000000/test\nnightly/incremental/1700000000000/bar');
    assert.deepEqual(JSON.parse(env.TIDEMARK_JOB_JSON!), { event: 'failure', job: { ...facts, status: 'failure', error: 'cluster unreachable' } });
    assert.equal(env.HOOK_VAR, 'from the hook');
    // A fact the job lacks is unset, not empty; an inherited TIDEMARK_* never leaks through.
    assert.equal('TIDEMARK_LABEL' in env, false);
    assert.equal('TIDEMARK_STALE' in env, false);
  });

  test('huge facts are cut to what the OS accepts, marked, and the program still starts', async () => {
    const huge = { ...facts, error: 'x'.repeat(300_000) + '\0end' };
    const [r] = await runHooks('failure', [hook({ command: [node, '-e', 'console.log(process.env.TIDEMARK_ERROR.length)'] })], huge);
    assert.equal(r!.ok, true, r!.message);
    assert.equal(r!.message, String(ENV_VALUE_MAX));
    const env = hookEnvironment('failure', huge, undefined, {});
    assert.equal(env.TIDEMARK_ERROR!.length, ENV_VALUE_MAX);
    assert.ok(env.TIDEMARK_ERROR!.endsWith(TRUNCATED_MARK));
    assert.equal('TIDEMARK_JOB_JSON' in env, false);
    assert.equal(hookEnvironment('start', { ...facts, error: 'a\0b' }, undefined, {}).TIDEMARK_ERROR, 'a\uFFFDb');
  });

  test('a non-zero exit is a failed hook with its code and the end of its output', async () => {
    const [r] = await runHooks('start', [hook({ command: [node, '-e', "console.log('starting'); console.error('disk full'); process.exit(3)"] })], facts);
    assert.equal(r!.ok, false);
    assert.equal(r!['exit-code'], 3);
    assert.match(r!.message!, /^exited with code 3: /);
    assert.match(r!.message!, /disk full/);
    assert.equal(r!['timed-out'], undefined);
  });

  test('a shell command runs through the shell when it says shell: true', { skip: !posix }, async () => {
    const out = join(dir, 'shell.txt');
    const [r] = await runHooks('failure', [hook({ command: `echo "job $TIDEMARK_JOB_ID failed" >> '${out}'; echo oops >&2; exit 2`, shell: true })], facts);
    assert.equal(r!.ok, false);
    assert.equal(r!['exit-code'], 2);
    assert.equal(r!.message, 'exited with code 2: oops');
    assert.equal(readFileSync(out, 'utf8'), 'job job-42 failed\n');
  });

  test('a program that does not exist is a failed hook saying so', async () => {
    const missing = join(dir, 'no-such-program');
    const [r] = await runHooks('start', [hook({ command: [missing, '--x'] })], facts);
    assert.equal(r!.ok, false);
    assert.equal(r!['exit-code'], undefined);
    assert.match(r!.message!, /^could not start: .*ENOENT.*\(no such program\)$/);
  });

  test('a hanging command is stopped at its timeout, with every process it started', { skip: !posix }, async () => {
    const pids = join(dir, 'hang.pids');
    const h = hook({ command: `echo $$ > '${pids}'; sleep 30 & echo $! >> '${pids}'; wait`, shell: true, timeout: 300 });
    const [r] = await runHooks('start', [h], facts, { killGraceMs: 5000 });
    assert.equal(r!.ok, false);
    assert.equal(r!['timed-out'], true);
    assert.match(r!.message!, /^timed out after 300 ms; stopped$/);
    assert.deepEqual(HookResultSchema.parse(r), r);
    // SIGTERM was enough: the result came well before the kill grace.
    assert.ok(r!['duration-ms'] >= 300 && r!['duration-ms'] < 5000, String(r!['duration-ms']));
    const [shellPid, sleepPid] = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    assert.ok(shellPid && sleepPid, 'both processes started');
    assert.equal(isGone(shellPid), true, 'the shell is gone');
    assert.equal(isGone(sleepPid), true, 'its background child is gone');
  });

  test('a command that ignores SIGTERM is killed after the grace, children included', { skip: !posix }, async () => {
    const pids = join(dir, 'stubborn.pids');
    // An ignored signal stays ignored in children, so both the shell and sleep shrug off SIGTERM.
    const h = hook({ command: `trap '' TERM; echo $$ > '${pids}'; sleep 30 & echo $! >> '${pids}'; wait; wait`, shell: true, timeout: 300 });
    const [r] = await runHooks('start', [h], facts, { killGraceMs: 300 });
    assert.equal(r!['timed-out'], true);
    assert.equal(r!.ok, false);
    assert.match(r!.message!, /^timed out after 300 ms; killed after it ignored SIGTERM$/);
    assert.ok(r!['duration-ms'] >= 600, String(r!['duration-ms']));
    const [shellPid, sleepPid] = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    assert.equal(isGone(shellPid!), true, 'the shell is gone');
    assert.equal(isGone(sleepPid!), true, 'its background child is gone');
  });

  test('a program that exits but leaves a background process holding its output is not waited for', { skip: !posix }, async () => {
    const pidFile = join(dir, 'daemon.pid');
    const [r] = await runHooks('success', [hook({ command: `sleep 30 & echo $! > '${pidFile}'; echo started`, shell: true, timeout: 20_000 })], facts);
    try {
      assert.equal(r!.ok, true, r!.message);
      assert.equal(r!.message, 'started');
      assert.ok(r!['duration-ms'] < 20_000);
    } finally {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    }
  });

  test('output is kept bounded: the message holds a short tail, the log the last few KB', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (s: string) => lines.push(s) });
    const script = "for (let i = 0; i < 5000; i++) console.log('line ' + i + ' ' + 'x'.repeat(40)); console.log('FINAL WORDS'); process.exitCode = 1";
    const [r] = await runHooks('failure', [hook({ command: [node, '-e', script] })], facts, { logger });
    assert.equal(r!.ok, false);
    assert.ok(r!.message!.length <= 600, String(r!.message!.length));
    assert.match(r!.message!, /FINAL WORDS$/);
    assert.match(r!.message!, /^exited with code 1: …/);
    const logged = lines.map((l) => JSON.parse(l) as { output?: string; result?: { ok: boolean }; msg: string }).find((l) => l.output !== undefined);
    assert.ok(logged, 'the hook result is logged with its output');
    assert.equal(logged.result?.ok, false);
    assert.ok(logged.output!.length <= 8 * 1024 && logged.output!.length > 4 * 1024, String(logged.output!.length));
    assert.ok(/line 4999 x+\nFINAL WORDS\n$/.test(logged.output!), logged.output!.slice(-200));
    assert.match(logged.msg, /^failure hook 1 of 1 failed: exited with code 1/);
  });

  test('hooks of one event run in order, and a failing one does not stop the next', async () => {
    const out = join(dir, 'order.txt');
    const append = (text: string) => [node, '-e', `require('fs').appendFileSync(process.argv[1], process.argv[2] + '\\n')`, out, text];
    const results = await runHooks('success', [hook({ command: append('first') }), hook({ command: [node, '-e', 'process.exit(9)'] }), hook({ command: append('third') })], facts);
    assert.deepEqual(
      results.map((r) => [r.ok, r['exit-code']]),
      [
        [true, 0],
        [false, 9],
        [true, 0],
      ],
    );
    assert.equal(readFileSync(out, 'utf8'), 'first\nthird\n');
  });

  test('aborting stops the running hook and records the rest as not run', { skip: !posix }, async () => {
    const ctrl = new AbortController();
    const started = join(dir, 'abort.started');
    const never = join(dir, 'abort.never');
    const hooks = [
      hook({ command: `echo $$ > '${started}'; sleep 30`, shell: true, timeout: 60_000 }),
      hook({ command: `touch '${never}'`, shell: true }),
    ];
    const running = runHooks('start', hooks, facts, { signal: ctrl.signal });
    // Abort once the first hook is really running: wait for the file it writes, through fs.watch.
    await waitForFile(started);
    ctrl.abort(new Error('the job was canceled'));
    const [first, second] = await running;
    assert.equal(first!.ok, false);
    assert.equal(first!['timed-out'], undefined);
    assert.equal(first!.message, 'stopped: the job was canceled');
    assert.equal(isGone(Number(readFileSync(started, 'utf8'))), true);
    assert.equal(second!.ok, false);
    assert.equal(second!.message, 'not run: the job was canceled');
    assert.equal(existsSync(never), false);
  });
});

async function waitForFile(path: string): Promise<void> {
  const { watch } = await import('node:fs');
  const { dirname, basename } = await import('node:path');
  await new Promise<void>((resolve) => {
    const w = watch(dirname(path), (_e, name) => {
      if (name === basename(path) && existsSync(path) && readFileSync(path, 'utf8').endsWith('\n')) {
        w.close();
        resolve();
      }
    });
    if (existsSync(path) && readFileSync(path, 'utf8').endsWith('\n')) {
      w.close();
      resolve();
    }
  });
}
