/**
 * A real Aerospike server (CE) and asbackup/asrestore from `../shared/aerospike/` next to the
 * checkout, for the opt-in compatibility suite (`npm run test:real`) and the benchmarks. Each
 * start gets its own state folder and ports on 127.0.0.1; `stop()` (and, as a last resort, the
 * process's exit) stops exactly the nodes it started.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const AEROSPIKE_DIR = resolve(fileURLToPath(new URL('../../shared/aerospike/', import.meta.url)));
export const ASBACKUP = join(AEROSPIKE_DIR, 'bin', 'asbackup');
export const ASRESTORE = join(AEROSPIKE_DIR, 'bin', 'asrestore');

/** Null when the server and tools are there and run; otherwise why not. */
export function realServerUnavailable(): string | null {
  if (!existsSync(join(AEROSPIKE_DIR, 'start'))) return `${AEROSPIKE_DIR} does not exist`;
  for (const bin of [ASBACKUP, ASRESTORE]) {
    try {
      execFileSync(bin, ['--version'], { stdio: 'pipe', timeout: 10_000 });
    } catch (e) {
      return `${bin} does not run: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  return null;
}

export interface RealServer {
  /** `127.0.0.1:PORT`, the first node's service port. */
  seed: string;
  host: string;
  port: number;
  nodes: number;
  stop(): Promise<void>;
}

const running = new Set<string>();
let exitHook = false;

function stopSync(dir: string): void {
  try {
    execFileSync(join(AEROSPIKE_DIR, 'stop'), [dir], { stdio: 'ignore', timeout: 30_000 });
  } catch {
    // best effort on the way out
  }
  rmSync(dir, { recursive: true, force: true });
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 1 << 22 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, out: `${stdout}${stderr}` });
    });
  });
}

/**
 * Starts `nodes` nodes (namespaces test and bar) on free ports and waits until clients can use
 * them. Tries a few port ranges when one is taken.
 */
export async function startRealServer(options: { nodes?: number; namespaces?: string[]; dataSize?: string } = {}): Promise<RealServer> {
  const nodes = options.nodes ?? 1;
  if (!exitHook) {
    exitHook = true;
    // A crash or Ctrl-C must not leave servers behind.
    process.on('exit', () => {
      for (const dir of running) stopSync(dir);
    });
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        for (const dir of running) stopSync(dir);
        running.clear();
        process.exit(130);
      });
    }
  }
  let last = '';
  for (let attempt = 0; attempt < 6; attempt++) {
    // Node i uses port + 10i .. + 10i + 3.
    const port = 20000 + Math.floor(Math.random() * 2000) * 10;
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-asd-'));
    const args = ['--port', String(port), '--nodes', String(nodes), '--dir', dir, '--namespaces', (options.namespaces ?? ['test', 'bar']).join(',')];
    if (options.dataSize) args.push('--data-size', options.dataSize);
    running.add(dir);
    const r = await run(join(AEROSPIKE_DIR, 'start'), args, 120_000);
    if (r.code === 0) {
      let stopped = false;
      return {
        seed: `127.0.0.1:${port}`,
        host: '127.0.0.1',
        port,
        nodes,
        stop: async () => {
          if (stopped) return;
          stopped = true;
          await run(join(AEROSPIKE_DIR, 'stop'), [dir], 60_000);
          running.delete(dir);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    last = r.out.trim().split('\n').slice(-15).join('\n');
    stopSync(dir);
    running.delete(dir);
    if (!/already in use/.test(r.out)) break;
  }
  throw new Error(`could not start the real Aerospike server:\n${last}`);
}

/** Runs asbackup/asrestore; rejects with its output when it fails. */
export async function runTool(bin: string, args: string[], timeoutMs = 600_000): Promise<string> {
  const r = await run(bin, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.code}):\n${r.out.slice(-3000)}`);
  return r.out;
}
