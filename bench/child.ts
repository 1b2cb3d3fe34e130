/** Runs one measured workload of children.ts in its own process and returns its measurement. */
import { execFileSync } from 'node:child_process';

export interface Measure {
  records: number;
  ms: number;
  maxRssMb: number;
  /** Peak JS heap in use, and peak Buffer (external) memory, sampled every 100 ms. */
  heapMb: number;
  externalMb: number;
}

export function child(args: string[]): Measure {
  const out = execFileSync(process.execPath, ['--import', 'tsx', new URL('./children.ts', import.meta.url).pathname, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as Measure;
}

export const rate = (m: Measure): number => (m.records / m.ms) * 1000;
export const fmt = (n: number): string => Math.round(n).toLocaleString('en');

/**
 * Runs each workload `rounds` times, interleaved (a, b, c, a, b, c, …) so a burst of outside
 * load hits them alike, and keeps each one's fastest run.
 */
export function bestOf(rounds: number, workloads: string[][]): Measure[] {
  const best: Array<Measure | undefined> = workloads.map(() => undefined);
  for (let r = 0; r < rounds; r++) {
    workloads.forEach((args, i) => {
      const m = child(args);
      const b = best[i];
      if (!b || rate(m) > rate(b)) best[i] = { ...m, maxRssMb: Math.max(m.maxRssMb, b?.maxRssMb ?? 0) };
    });
  }
  return best as Measure[];
}
