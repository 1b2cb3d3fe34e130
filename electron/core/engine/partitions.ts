/** Partition lists: parsing users' specs, splitting work, and describing ranges compactly. */
import { N_PARTITIONS } from '../wire/digest.js';

/** "0-1023" / "7" specs → sorted unique ids; no specs means every partition. */
export function expandPartitions(specs: readonly string[]): number[] {
  if (specs.length === 0) return [...Array(N_PARTITIONS).keys()];
  const set = new Set<number>();
  for (const spec of specs) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(spec.trim());
    if (!m) throw new Error(`partition '${spec}': expected an id or an inclusive range like 0-1023`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a > b || b >= N_PARTITIONS) throw new Error(`partition '${spec}': ids run from 0 to ${N_PARTITIONS - 1}`);
    for (let p = a; p <= b; p++) set.add(p);
  }
  return [...set].sort((x, y) => x - y);
}

/** Splits ids into at most `n` contiguous, nearly equal slices (one per worker). */
export function splitPartitions(pids: readonly number[], n: number): number[][] {
  const k = Math.max(1, Math.min(n, pids.length));
  const out: number[][] = [];
  for (let i = 0; i < k; i++) out.push(pids.slice(Math.floor((i * pids.length) / k), Math.floor(((i + 1) * pids.length) / k)));
  return out.filter((s) => s.length > 0);
}

/** Sorted ids → ["0-99", "150", …]. */
export function toRanges(pids: Iterable<number>): string[] {
  const sorted = [...pids].sort((a, b) => a - b);
  const out: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out;
}
