import type { HookEvent } from '../../../shared/schemas/job.js';
import type { JobFacts } from '../../../shared/schemas/hooks.js';
import type { Clock } from '../service/clock.js';

/** What one hook run needs besides the hook itself. */
export interface HookContext {
  event: HookEvent;
  facts: JobFacts;
  clock: Clock;
  /** Stops a running hook (and marks later ones not run) when aborted. */
  signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL when a command is stopped. */
  killGraceMs: number;
  /** The environment commands inherit. */
  baseEnv: NodeJS.ProcessEnv;
}

/** Why a hook was stopped, from the abort signal's reason. */
export function abortText(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  if (typeof reason === 'string' && reason) return reason;
  return 'canceled';
}
