/** The core's events as the IPC contract's messages (the same names the REST event stream uses). */
import type { CoreEventMessage } from '../../../shared/ipc/contract.js';
import type { ServiceEvent } from '../../core/service/tidemark-service.js';

export function eventMessage(e: ServiceEvent): CoreEventMessage {
  return 'job' in e ? { type: `job-${e.type}`, job: e.job } : { type: e.type };
}

/**
 * Forwards the core's events to a window. Progress of one job is sent at most every
 * `progressEveryMs` (state changes always), so a fast backup cannot flood the renderer.
 */
export function forwardEvents(subscribe: (fn: (e: ServiceEvent) => void) => () => void, send: (m: CoreEventMessage) => void, o: { progressEveryMs?: number; now?: () => number } = {}): () => void {
  const every = o.progressEveryMs ?? 250;
  const now = o.now ?? Date.now;
  const lastProgress = new Map<string, number>();
  return subscribe((e) => {
    if ('job' in e) {
      if (e.type === 'progress') {
        const t = now();
        const last = lastProgress.get(e.job.id);
        if (last !== undefined && t - last < every) return;
        lastProgress.set(e.job.id, t);
      } else if (e.type === 'finished') lastProgress.delete(e.job.id);
    }
    send(eventMessage(e));
  });
}
