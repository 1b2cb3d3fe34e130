/** Token bucket for the bandwidth limit: callers wait until their bytes fit the budget. */
export class RateLimiter {
  private available: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    // One second of burst: enough to keep writes batched, small enough to honour the limit.
    this.available = perSecond;
    this.last = now();
  }

  async take(n: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const t = this.now();
      this.available = Math.min(this.perSecond, this.available + ((t - this.last) / 1000) * this.perSecond);
      this.last = t;
      if (this.available >= n || (this.available >= this.perSecond && n > this.perSecond)) {
        this.available -= n;
        return;
      }
      const waitMs = Math.ceil(((Math.min(n, this.perSecond) - this.available) / this.perSecond) * 1000);
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          clearTimeout(timer);
          reject(signal!.reason instanceof Error ? signal!.reason : new Error('cancelled'));
        };
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, waitMs);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}
