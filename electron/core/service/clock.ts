/**
 * Time as the service sees it. Everything that waits (the scheduler, delayed runs, heartbeats)
 * waits through a Clock, so tests drive time instead of sleeping.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` once, `ms` from now. The returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    // Node timers overflow past 2^31-1 ms (~24.8 days); longer waits re-arm.
    const MAX = 2_147_483_647;
    let handle: NodeJS.Timeout;
    const arm = (left: number): void => {
      handle = setTimeout(() => (left > MAX ? arm(left - MAX) : fn()), Math.min(left, MAX));
      handle.unref?.();
    };
    arm(Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};

/** A clock that moves only when told: `advance` fires due timers in time order. */
export class ManualClock implements Clock {
  private timers: Array<{ at: number; seq: number; fn: () => void }> = [];
  private seq = 0;
  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    this.set(this.t + ms);
  }

  /** Jumps to `t` (a machine waking after a sleep fires what fell due, in order). */
  set(t: number): void {
    for (;;) {
      const due = this.timers.filter((x) => x.at <= t).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = t;
  }

  pending(): number {
    return this.timers.length;
  }
}
