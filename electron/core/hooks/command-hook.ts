import { spawn, type ChildProcess } from 'node:child_process';
import type { CommandHook } from '../../../shared/schemas/hooks.js';
import type { HookResult } from '../../../shared/schemas/job.js';
import { hookEnvironment } from './hook-env.js';
import { abortText, type HookContext } from './hook-context.js';
import { OutputTail } from './output-tail.js';
import { processGroupAlive, signalProcessGroup } from './process-group.js';

/** Output kept per command; the logs get all of it, the job record a short tail. */
export const OUTPUT_KEEP_BYTES = 8 * 1024;
/** Characters of output tail in the recorded message. */
export const MESSAGE_TAIL_CHARS = 500;
/** How often a group being stopped is checked for survivors. */
const GROUP_POLL_MS = 50;
/** How long after SIGKILL the group may take to disappear before we report anyway. */
const KILL_SETTLE_MS = 2000;
/**
 * After the program exits, how long its output pipes may stay open. A program that started a
 * background process which inherited them would otherwise hold the hook until its timeout.
 */
const PIPE_CLOSE_WAIT_MS = 250;

/** Shown as the job's hook target: argv quoted as a POSIX shell would need it, or the script. */
export function commandTarget(command: string[] | string): string {
  if (typeof command === 'string') return command;
  return command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

export interface CommandOutcome {
  result: HookResult;
  /** The last OUTPUT_KEEP_BYTES of output, for the log. */
  output: string;
}

/**
 * Runs one command hook to completion. Never rejects: a program that cannot start, fails, hangs
 * or is stopped becomes a result with ok: false.
 */
export function runCommandHook(hook: CommandHook, ctx: HookContext): Promise<CommandOutcome> {
  const { clock } = ctx;
  const started = clock.now();
  const target = commandTarget(hook.command);
  const tail = new OutputTail(OUTPUT_KEEP_BYTES);

  const result = (fields: Partial<HookResult> & { ok: boolean }): CommandOutcome => ({
    result: { event: ctx.event, kind: 'command', target, 'duration-ms': Math.max(0, Math.round(clock.now() - started)), ...fields },
    output: tail.text(),
  });

  if (ctx.signal?.aborted) return Promise.resolve(result({ ok: false, message: `not run: ${abortText(ctx.signal)}` }));

  let child: ChildProcess;
  try {
    const options = {
      env: hookEnvironment(ctx.event, ctx.facts, hook.env, ctx.baseEnv),
      stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout can stop everything it started.
      detached: process.platform !== 'win32',
      windowsHide: true,
    };
    child = typeof hook.command === 'string' ? spawn(hook.command, { ...options, shell: true }) : spawn(hook.command[0]!, hook.command.slice(1), options);
  } catch (err) {
    return Promise.resolve(result({ ok: false, message: `could not start: ${errorText(err)}` }));
  }

  return new Promise<CommandOutcome>((resolve) => {
    let done = false;
    let exited = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let pipesClosed = false;
    let stopping: 'timeout' | 'abort' | undefined;
    let groupGone = false;
    let killed = false;
    const cancels: Array<() => void> = [];

    child.stdout?.on('data', (b: Buffer) => tail.push(b));
    child.stderr?.on('data', (b: Buffer) => tail.push(b));

    const finish = (outcome: CommandOutcome): void => {
      if (done) return;
      done = true;
      for (const c of cancels) c();
      ctx.signal?.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(outcome);
    };

    const report = (): void => {
      const out = tail.tail(MESSAGE_TAIL_CHARS);
      const withOutput = (head: string): string => (out ? `${head}: ${out}` : head);
      const code = exitCode === null ? {} : { 'exit-code': exitCode };
      if (stopping === 'timeout') {
        const how = killed ? 'killed after it ignored SIGTERM' : 'stopped';
        finish(result({ ok: false, 'timed-out': true, ...code, message: withOutput(`timed out after ${hook.timeout} ms; ${how}`) }));
      } else if (stopping === 'abort') {
        finish(result({ ok: false, ...code, message: withOutput(`stopped: ${abortText(ctx.signal)}`) }));
      } else if (exitCode === 0) {
        finish(result({ ok: true, 'exit-code': 0, ...(out ? { message: out } : {}) }));
      } else if (exitCode !== null) {
        finish(result({ ok: false, 'exit-code': exitCode, message: withOutput(`exited with code ${exitCode}`) }));
      } else {
        finish(result({ ok: false, message: withOutput(`killed by ${exitSignal ?? 'a signal'}`) }));
      }
    };

    const maybeReport = (): void => {
      if (done || !exited) return;
      if (stopping && !groupGone) return;
      if (!pipesClosed) return;
      report();
    };

    // Stopping: SIGTERM to the group, SIGKILL to what is left after the grace, and report only
    // once nothing of the group runs any more (or it could not be confirmed in time).
    const stop = (why: 'timeout' | 'abort'): void => {
      // Exited in time and only waiting for its pipes: not a timeout.
      if (stopping || done || exited) return;
      stopping = why;
      const pid = child.pid;
      if (pid === undefined) return;
      signalProcessGroup(pid, 'SIGTERM');
      const deadline = clock.now() + ctx.killGraceMs;
      const poll = (): void => {
        if (done) return;
        if (!processGroupAlive(pid)) {
          groupGone = true;
          maybeReport();
          return;
        }
        if (!killed && clock.now() >= deadline) {
          killed = true;
          signalProcessGroup(pid, 'SIGKILL');
          cancels.push(
            clock.setTimer(KILL_SETTLE_MS, () => {
              // Unkillable (e.g. stuck in the kernel on a dead NFS mount): report rather than hang.
              groupGone = true;
              exited = true;
              pipesClosed = true;
              maybeReport();
            }),
          );
        }
        cancels.push(clock.setTimer(GROUP_POLL_MS, poll));
      };
      cancels.push(clock.setTimer(GROUP_POLL_MS, poll));
    };

    const onAbort = (): void => stop('abort');
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    cancels.push(clock.setTimer(hook.timeout, () => stop('timeout')));

    child.on('error', (err) => {
      // Without a pid the program never started (ENOENT, EACCES); later errors (a failed kill)
      // change nothing about the outcome.
      if (child.pid === undefined) finish(result({ ok: false, message: `could not start: ${errorText(err)}` }));
    });
    child.on('exit', (code, signal) => {
      exited = true;
      exitCode = code;
      exitSignal = signal;
      if (!pipesClosed) {
        cancels.push(
          clock.setTimer(PIPE_CLOSE_WAIT_MS, () => {
            pipesClosed = true;
            maybeReport();
          }),
        );
      }
      maybeReport();
    });
    child.on('close', () => {
      pipesClosed = true;
      maybeReport();
    });
  });
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${err.message} (no such program)`;
  if (code === 'EACCES') return `${err.message} (permission denied: is it executable?)`;
  return err.message;
}
