/**
 * Tidemark against asbackup/asrestore on a real Aerospike server (`../shared/aerospike/`, or
 * `--cluster HOST:PORT` given), on the same records in the same run: each round runs every
 * workload once, interleaved, and the report gives medians over the rounds — wall time, CPU
 * seconds (user + sys) per million records, peak RSS — and the median of the per-round ratios.
 *
 * Tidemark's figures are its work alone (measured in the child, after Node has started); the
 * tools' are their whole process (a C program starts in milliseconds). Start-up is its own
 * benchmark.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASBACKUP, ASRESTORE, AEROSPIKE_DIR, startRealServer, type RealServer } from '../e2e/real-server.js';
import { child, fmt, type Measure } from './child.js';
import { AsbRecordEncoder, encodeAsbHeader } from '../electron/core/format/asb-writer.js';
import { Particle } from '../electron/core/model/record.js';
import { computeDigest } from '../electron/core/wire/digest.js';

export interface RealOptions {
  records: number;
  rounds: number;
  /** Node counts to run (a real server is started for each); ignored with `cluster`. */
  nodes: number[];
  /** An existing cluster to use instead of starting one. */
  cluster?: string;
  parallel: string;
  /** Restore only: the restore's max-async-batches (its default when absent). */
  maxAsyncBatches?: number;
}

interface Run {
  ms: number;
  cpuS: number;
  rssMb: number;
  /** Tidemark only: peak JS heap and Buffer memory (sampled), to tell what a peak is made of. */
  heapMb?: number;
  externalMb?: number;
}

/** Backups go to memory-backed storage when there is some: the tools are measured, not the disk. */
function benchDir(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** asbackup / asrestore under GNU time: wall, user + sys and peak RSS of the whole process. */
function tool(bin: string, args: string[]): Run & { out: string } {
  const timeFile = join(tmpdir(), `tidemark-time-${process.pid}`);
  const haveTime = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = haveTime
    ? spawnSync('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, bin, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })
    : spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  const out = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}):\n${out.slice(-2000)}`);
  if (!haveTime) return { ms, cpuS: NaN, rssMb: NaN, out };
  const [u, s, kb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(/\s+/).map(Number);
  rmSync(timeFile, { force: true });
  return { ms, cpuS: u! + s!, rssMb: Math.round(kb! / 1024), out };
}

function tidemark(args: string[], records: number): Run {
  const m: Measure = child(args);
  if (m.records !== records) throw new Error(`tidemark ${args[0]} handled ${m.records} records, expected ${records}`);
  return { ms: m.ms, cpuS: m.cpuS ?? NaN, rssMb: m.maxRssMb, heapMb: m.heapMb, externalMb: m.externalMb };
}

/**
 * An `.asb` file of `n` records of about 190 bytes (text) in one set, loaded with asrestore:
 * quicker than any client, and the records are the same every run.
 */
export function writeLoadFile(path: string, set: string, n: number): void {
  const enc = new AsbRecordEncoder({}, 1 << 20);
  const parts: Buffer[] = [encodeAsbHeader({ namespace: 'test', firstFile: true })];
  const key = Buffer.alloc(8);
  for (let i = 0; i < n; i++) {
    key.writeBigInt64BE(BigInt(i));
    enc.append({
      namespace: 'test',
      digest: computeDigest(set, Particle.INTEGER, key),
      set,
      key: null,
      generation: 1,
      voidTime: 0,
      bins: [
        { name: 'i', type: Particle.INTEGER, data: Buffer.from(key) },
        { name: 's', type: Particle.STRING, data: Buffer.from(`user-${i}@example.com`) },
        { name: 'd', type: Particle.FLOAT, data: doubleBytes(i * 0.5) },
        { name: 'p', type: Particle.STRING, data: Buffer.from(`payload ${i} `.padEnd(48, 'x')) },
      ],
    });
    if (enc.pending > 1 << 20) parts.push(enc.take());
  }
  parts.push(enc.take());
  writeFileSync(path, Buffer.concat(parts));
}

function doubleBytes(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return b;
}

function asinfo(port: number, command: string): string {
  const r = spawnSync(join(AEROSPIKE_DIR, 'bin', 'asinfo'), ['-p', String(port), command], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`asinfo ${command} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Master records of `ns` over all nodes. */
function masterObjects(server: { port: number; nodes: number }, ns: string): number {
  let n = 0;
  for (let i = 0; i < server.nodes; i++) {
    const m = /(?:^|;)master_objects=(\d+)/.exec(asinfo(server.port + 10 * i, `namespace/${ns}`));
    n += Number(m?.[1] ?? 0);
  }
  return n;
}

/** Empties `ns` and waits until every node reports it empty. */
async function truncate(server: { port: number; nodes: number }, ns: string): Promise<void> {
  asinfo(server.port, `truncate-namespace:namespace=${ns}`);
  for (let i = 0; i < 600 && masterObjects(server, ns) > 0; i++) await new Promise((r) => setTimeout(r, 50));
  if (masterObjects(server, ns) > 0) throw new Error(`namespace ${ns} did not empty after truncate`);
  // Records restored in the same millisecond as the truncate would count as truncated.
  await new Promise((r) => setTimeout(r, 20));
}

function line(label: string, runs: Run[], records: number): string {
  const perM = 1e6 / records;
  const rounds = runs.map((r) => (r.ms / 1000).toFixed(2)).join(' ');
  return `  ${label.padEnd(30)} ${(median(runs.map((r) => r.ms)) / 1000).toFixed(2).padStart(6)} s   ${(median(runs.map((r) => r.cpuS)) * perM).toFixed(2).padStart(6)} CPU-s/M   ${String(Math.max(...runs.map((r) => r.rssMb))).padStart(5)} MB peak RSS   (rounds: ${rounds} s)`;
}

/** Peak RSS at both sizes, plain and zstd (flat memory: the same peak), and what it is made of. */
function memoryLine(small: number, smallPlain: Run, smallZstd: Run, total: number, plain: Run[], zstd: Run[]): string {
  const peak = (rs: Run[], k: 'rssMb' | 'heapMb' | 'externalMb'): number => Math.max(...rs.map((r) => r[k] ?? 0));
  const part = (label: string, s: Run, big: Run[]): string =>
    `${label} ${s.rssMb} → ${peak(big, 'rssMb')} MB (ratio ${(peak(big, 'rssMb') / s.rssMb).toFixed(2)}; heap ${s.heapMb} → ${peak(big, 'heapMb')} MB, Buffers ${s.externalMb} → ${peak(big, 'externalMb')} MB)`;
  return `  Tidemark peak RSS, ${fmt(small)} → ${fmt(total)} records: ${part('plain', smallPlain, plain)}, ${part('zstd', smallZstd, zstd)} (target: ratio ≤ 1.20, ≤ 150 MB)`;
}

function ratio(label: string, ours: Run[], theirs: Run[]): string {
  const wall = median(ours.map((o, i) => o.ms / theirs[i]!.ms));
  const cpu = median(ours.map((o, i) => o.cpuS / theirs[i]!.cpuS));
  return `  ${label.padEnd(30)} wall ${wall.toFixed(2)}  CPU ${cpu.toFixed(2)}  RSS ${(Math.max(...ours.map((r) => r.rssMb)) / Math.max(...theirs.map((r) => r.rssMb))).toFixed(1)}  (Tidemark / tool; target wall ≤ 1.00, RSS ≤ 150 MB)`;
}

async function withServer(opts: RealOptions, nodes: number, fn: (s: { seed: string; host: string; port: number; nodes: number }) => Promise<void>): Promise<void> {
  if (opts.cluster) {
    const [host, port] = opts.cluster.split(':');
    return fn({ seed: opts.cluster, host: host!, port: Number(port ?? 3000), nodes: 1 });
  }
  const server: RealServer = await startRealServer({ nodes, dataSize: '2G' });
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

async function load(s: { host: string; port: number }, dir: string, set: string, n: number): Promise<void> {
  const file = join(dir, `${set}.asb`);
  writeLoadFile(file, set, n);
  tool(ASRESTORE, ['-h', s.host, '-p', String(s.port), '-i', file]);
  rmSync(file, { force: true });
}

export async function backupVsAsbackup(opts: RealOptions): Promise<void> {
  for (const nodes of opts.cluster ? [1] : opts.nodes) {
    await withServer(opts, nodes, async (s) => {
      const dir = mkdtempSync(join(benchDir(), 'tidemark-real-'));
      try {
        const total = opts.records;
        const small = Math.floor(total / 5);
        await load(s, dir, 'big', total);
        await load(s, dir, 'small', small);
        const smallPlain = tidemark(['backup', s.seed, 'small', join(dir, 's'), 'none', opts.parallel], small);
        const smallZstd = tidemark(['backup', s.seed, 'small', join(dir, 'sz'), 'zstd', opts.parallel], small);
        const runs: Record<string, Run[]> = { tmPlain: [], asPlain: [], tmZstd: [], asZstd: [] };
        const asb = (zstd: boolean): Run => {
          const out = join(dir, 'asb');
          const r = tool(ASBACKUP, ['-h', s.host, '-p', String(s.port), '-n', 'test', '-s', 'big', '-d', out, ...(zstd ? ['-z', 'zstd'] : [])]);
          rmSync(out, { recursive: true, force: true });
          return r;
        };
        const tm = (zstd: boolean): Run => {
          const out = join(dir, 'tm');
          const r = tidemark(['backup', s.seed, 'big', out, zstd ? 'zstd' : 'none', opts.parallel], total);
          rmSync(out, { recursive: true, force: true });
          return r;
        };
        for (let r = 0; r < opts.rounds; r++) {
          runs.tmPlain!.push(tm(false));
          runs.asPlain!.push(asb(false));
          runs.tmZstd!.push(tm(true));
          runs.asZstd!.push(asb(true));
        }
        console.log(`backup vs asbackup: real Aerospike ${opts.cluster ? `at ${opts.cluster}` : `(${nodes} node${nodes > 1 ? 's' : ''})`}, ${fmt(total)} records, Tidemark parallel ${opts.parallel}, medians of ${opts.rounds} interleaved rounds`);
        console.log(line('Tidemark backup, plain', runs.tmPlain!, total));
        console.log(line('asbackup, plain', runs.asPlain!, total));
        console.log(line('Tidemark backup, zstd', runs.tmZstd!, total));
        console.log(line('asbackup, zstd', runs.asZstd!, total));
        console.log(ratio('plain', runs.tmPlain!, runs.asPlain!));
        console.log(ratio('zstd', runs.tmZstd!, runs.asZstd!));
        console.log(memoryLine(small, smallPlain, smallZstd, total, runs.tmPlain!, runs.tmZstd!));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

export async function restoreVsAsrestore(opts: RealOptions): Promise<void> {
  for (const nodes of opts.cluster ? [1] : opts.nodes) {
    await withServer(opts, nodes, async (s) => {
      const dir = mkdtempSync(join(benchDir(), 'tidemark-real-'));
      try {
        const total = opts.records;
        const small = Math.floor(total / 5);
        await load(s, dir, 'big', total);
        await load(s, dir, 'small', small);
        // The same backups for both tools: asbackup's own output, plain and zstd.
        for (const [name, set, extra] of [
          ['plain', 'big', []],
          ['zstd', 'big', ['-z', 'zstd']],
          ['small', 'small', []],
          ['smallz', 'small', ['-z', 'zstd']],
        ] as const) {
          tool(ASBACKUP, ['-h', s.host, '-p', String(s.port), '-n', 'test', '-s', set, '-d', join(dir, name), ...extra]);
        }
        const tm = async (key: string, n: number): Promise<Run> => {
          await truncate(s, 'bar');
          const r = tidemark(['restore', s.seed, dir, key, 'bar', ...(opts.maxAsyncBatches ? [String(opts.maxAsyncBatches)] : [])], n);
          return r;
        };
        const asr = async (key: string, zstd: boolean): Promise<Run> => {
          await truncate(s, 'bar');
          const r = tool(ASRESTORE, ['-h', s.host, '-p', String(s.port), '-d', join(dir, key), '--namespace', 'test,bar', ...(zstd ? ['-z', 'zstd'] : [])]);
          const n = masterObjects(s, 'bar');
          if (n !== total) throw new Error(`asrestore left ${n} records in bar, expected ${total}`);
          return r;
        };
        const smallPlain = await tm('small', small);
        const smallZstd = await tm('smallz', small);
        const runs: Record<string, Run[]> = { tmPlain: [], asPlain: [], tmZstd: [], asZstd: [] };
        for (let r = 0; r < opts.rounds; r++) {
          runs.tmPlain!.push(await tm('plain', total));
          runs.asPlain!.push(await asr('plain', false));
          runs.tmZstd!.push(await tm('zstd', total));
          runs.asZstd!.push(await asr('zstd', true));
        }
        console.log(
          `restore vs asrestore: real Aerospike ${opts.cluster ? `at ${opts.cluster}` : `(${nodes} node${nodes > 1 ? 's' : ''})`}, ${fmt(total)} records (asbackup's files), medians of ${opts.rounds} interleaved rounds` +
            (opts.maxAsyncBatches ? `, Tidemark max-async-batches ${opts.maxAsyncBatches}` : ''),
        );
        console.log(line('Tidemark restore, plain', runs.tmPlain!, total));
        console.log(line('asrestore, plain', runs.asPlain!, total));
        console.log(line('Tidemark restore, zstd', runs.tmZstd!, total));
        console.log(line('asrestore, zstd', runs.asZstd!, total));
        console.log(ratio('plain', runs.tmPlain!, runs.asPlain!));
        console.log(ratio('zstd', runs.tmZstd!, runs.asZstd!));
        console.log(memoryLine(small, smallPlain, smallZstd, total, runs.tmPlain!, runs.tmZstd!));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}
