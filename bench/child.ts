/** Runs one measured workload of children.ts in its own process and returns its measurement. */
import { execFileSync } from 'node:child_process';

export interface Measure {
  records: number;
  ms: number;
  maxRssMb: number;
}

export function child(args: string[]): Measure {
  const out = execFileSync(process.execPath, ['--import', 'tsx', new URL('./children.ts', import.meta.url).pathname, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as Measure;
}

export const rate = (m: Measure): number => (m.records / m.ms) * 1000;
export const fmt = (n: number): string => Math.round(n).toLocaleString('en');
