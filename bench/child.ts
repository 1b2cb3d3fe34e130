/** Runs one measured workload of children.ts in its own process and returns its measurement. */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

export interface Measure {
  records: number;
  ms: number;
  /** CPU seconds (user + sys) of the measured work, without the process's start-up. */
  cpuS?: number;
  maxRssMb: number;
  /** Peak JS heap in use, and peak Buffer (external) memory, sampled every 100 ms. */
  heapMb: number;
  externalMb: number;
}

let built: string | null | undefined;

/**
 * The workloads bundled into one plain ES module (esbuild, which tsx brings along; packages stay
 * external), so a child runs as a built CLI would: without tsx's loader, which alone adds about
 * 40 MB to a process's RSS and compiles every module at start. Null when bundling fails (the
 * children then run through tsx, and say so).
 */
function bundled(): string | null {
  if (built !== undefined) return built;
  built = null;
  if (process.env.TIDEMARK_BENCH_TSX === '1') return built;
  try {
    const out = join(fileURLToPath(new URL('../node_modules/.cache/tidemark-bench/', import.meta.url)), 'children.mjs');
    mkdirSync(dirname(out), { recursive: true });
    buildSync({ entryPoints: [fileURLToPath(new URL('./children.ts', import.meta.url))], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error' });
    built = out;
  } catch (e) {
    console.error(`bench: could not bundle the workloads (${(e as Error).message.split('\n')[0]}); running them through tsx`);
  }
  return built;
}

export function child(args: string[]): Measure {
  const file = bundled();
  const argv = file ? [file, ...args] : ['--import', 'tsx', fileURLToPath(new URL('./children.ts', import.meta.url)), ...args];
  const out = execFileSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 1 << 20 });
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
