/**
 * ABS's `max-parallel-scans`: the scans all running jobs may open on one cluster at once. A job
 * gets what it wants up to the limit; when the cluster is saturated it waits, first come first
 * served, instead of overloading the cluster.
 */
export class ClusterSlots {
  private readonly inUse = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();

  async acquire(cluster: string, want: number, max: number, signal?: AbortSignal): Promise<{ granted: number; release: () => void }> {
    const need = Math.max(1, Math.min(want, max));
    for (;;) {
      signal?.throwIfAborted();
      const used = this.inUse.get(cluster) ?? 0;
      // Partial grants keep a big job from starving behind small ones once some capacity frees.
      const granted = Math.min(need, max - used);
      if (granted >= 1 && (granted === need || (this.waiting.get(cluster)?.length ?? 0) === 0)) {
        this.inUse.set(cluster, used + granted);
        // Capacity left over goes to the next in line, who may need less than what was freed.
        if (max - used - granted > 0) this.waiting.get(cluster)?.shift()?.();
        let released = false;
        return {
          granted,
          release: () => {
            if (released) return;
            released = true;
            this.inUse.set(cluster, (this.inUse.get(cluster) ?? granted) - granted);
            this.waiting.get(cluster)?.shift()?.();
          },
        };
      }
      await new Promise<void>((resolve, reject) => {
        const queue = this.waiting.get(cluster) ?? [];
        this.waiting.set(cluster, queue);
        const wake = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = (): void => {
          const i = queue.indexOf(wake);
          if (i >= 0) queue.splice(i, 1);
          reject(signal!.reason instanceof Error ? signal!.reason : new Error('canceled'));
        };
        queue.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}
