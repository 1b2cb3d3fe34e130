import { hostname as osHostname } from 'node:os';

/** A registered process, as the `instances` table records it. */
export interface InstanceInfo {
  id: string;
  pid: number;
  hostname: string;
  /** Unix ms. */
  'started-at': number;
  /** Unix ms of the last heartbeat. */
  'last-seen': number;
}

export interface LivenessOptions {
  /** How often a registered process refreshes `last-seen`. */
  heartbeatMs: number;
  /** A heartbeat older than this means the process is gone (or hung), whatever its pid says. */
  staleMs: number;
  pid: number;
  hostname: string;
  /** Whether a process with this pid exists on this host. */
  isProcessAlive(pid: number): boolean;
}

export const DEFAULT_HEARTBEAT_MS = 5_000;
export const DEFAULT_STALE_MS = 60_000;

export function defaultLiveness(): LivenessOptions {
  return {
    heartbeatMs: DEFAULT_HEARTBEAT_MS,
    staleMs: DEFAULT_STALE_MS,
    pid: process.pid,
    hostname: osHostname(),
    isProcessAlive: processExists,
  };
}

/** Signal 0 checks without signalling; EPERM means it exists but belongs to another user. */
export function processExists(pid: number): boolean {
  // 0 and negative pids address process groups: never a single instance.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type DeathCause = 'exited' | 'stale';

/**
 * Why `info` is dead, or undefined while it may be alive. Either signal is enough:
 * - same host and no such pid: it certainly exited (caught at once, no waiting for staleness);
 * - heartbeat older than `staleMs`: covers other hosts, a hung process, and pid reuse — after a
 *   crash the OS may give the pid to an unrelated process, which a pid check alone would take for
 *   ours forever; the heartbeat bounds that mistake to `staleMs`.
 * `judgeFrom` is when the judging process last woke from a sleep of its own: nobody could beat
 * while the machine slept, so heartbeat age counts from then, not from before the sleep.
 */
export function deathCause(info: InstanceInfo, now: number, judgeFrom: number, opts: LivenessOptions): DeathCause | undefined {
  if (info.hostname === opts.hostname && !opts.isProcessAlive(info.pid)) return 'exited';
  if (now - Math.max(info['last-seen'], judgeFrom) > opts.staleMs) return 'stale';
  return undefined;
}
