import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Stopping a hook's whole process tree. On POSIX a hook is spawned detached, so it leads its own
 * process group and everything it starts (a shell's children, a script's workers) is in it; one
 * signal to the group reaches them all. Windows has no groups: `taskkill /T` walks the tree.
 */

const isWindows = process.platform === 'win32';

/** Sends `signal` to every process of the group led by `pid`. Never throws. */
export function signalProcessGroup(pid: number, signal: 'SIGTERM' | 'SIGKILL'): void {
  if (isWindows) {
    // taskkill has no gentle variant that console programs honour; /F for both.
    try {
      spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => {});
    } catch {
      // Nothing more we can do; the caller still reports the timeout.
    }
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Whether any process of group `pgid` is still running. A process that has exited but not been
 * reaped yet (a zombie: its parent died and init has not collected it) counts as gone — it runs
 * nothing, holds no files, and some containers' init never reaps.
 */
export function processGroupAlive(pgid: number): boolean {
  if (isWindows) return false;
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return true;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses, so cut at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (Number(fields[2]) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}
