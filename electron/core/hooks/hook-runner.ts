import { isCommandHook, type Hook, type JobFacts } from '../../../shared/schemas/hooks.js';
import type { HookEvent, HookResult } from '../../../shared/schemas/job.js';
import type { Logger } from '../logging/logger.js';
import { displayUrl } from '../logging/redact.js';
import { systemClock, type Clock } from '../service/clock.js';
import { commandTarget, runCommandHook } from './command-hook.js';
import type { HookContext } from './hook-context.js';
import { runWebhookHook } from './webhook-hook.js';

export type { JobFacts } from '../../../shared/schemas/hooks.js';

/** Between SIGTERM and SIGKILL for a command that is stopped. */
export const DEFAULT_KILL_GRACE_MS = 2000;

export interface RunHooksOptions {
  /** Aborting stops the running hook and records the remaining ones as not run. */
  signal?: AbortSignal;
  /** Timeouts and durations are measured on it. Default: the system clock. */
  clock?: Clock;
  /** Each result is logged here, with the hook's output (which the job record only holds the end of). */
  logger?: Logger;
  killGraceMs?: number;
  /** The environment commands inherit. Default: this process's. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs the hooks of one event, one after another in their configured order, and returns what
 * each did. Never throws and never rejects: a hook that cannot start, fails, or hangs past its
 * timeout is a result with ok: false, to be recorded on the job, which it does not fail.
 * A failing hook does not stop the ones after it; they are independent notifications.
 */
export async function runHooks(event: HookEvent, hooks: readonly Hook[], facts: JobFacts, opts: RunHooksOptions = {}): Promise<HookResult[]> {
  const ctx: HookContext = {
    event,
    facts,
    clock: opts.clock ?? systemClock,
    killGraceMs: opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
    baseEnv: opts.env ?? process.env,
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  let log: Logger | undefined;
  try {
    log = opts.logger?.child({ component: 'hooks', event, job: facts.id });
  } catch {
    log = undefined;
  }
  const results: HookResult[] = [];
  // The system clock's timers are unref'd so a pending schedule never keeps the process alive;
  // a hook being timed, stopped or drained must, or a CLI run would exit without its results.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    for (const [index, hook] of hooks.entries()) {
      results.push(await runOne(hook, index, hooks.length, ctx, log));
    }
  } finally {
    clearInterval(keepAlive);
  }
  return results;
}

async function runOne(hook: Hook, index: number, count: number, ctx: HookContext, log: Logger | undefined): Promise<HookResult> {
  const { event } = ctx;
  let result: HookResult;
  let output = '';
  try {
    ({ result, output } = isCommandHook(hook) ? await runCommandHook(hook, ctx) : await runWebhookHook(hook, ctx));
  } catch (err) {
    // The runners resolve on every path they know of; this is the net under a bug in them.
    result = {
      event,
      kind: isCommandHook(hook) ? 'command' : 'webhook',
      target: safeTarget(hook),
      ok: false,
      'duration-ms': 0,
      message: `hook runner error: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  try {
    if (log) {
      const fields = { hook: index, result, ...(output ? { output } : {}) };
      if (result.ok) log.info(fields, `${event} hook ${index + 1} of ${count} ran: ${result.target}`);
      else log.warn(fields, `${event} hook ${index + 1} of ${count} failed: ${result.message ?? result.target}`);
    }
  } catch {
    // Logging must not turn into a failed backup either.
  }
  return result;
}

function safeTarget(hook: Hook): string {
  try {
    return isCommandHook(hook) ? commandTarget(hook.command) : displayUrl(hook.webhook);
  } catch {
    return '(invalid hook)';
  }
}
