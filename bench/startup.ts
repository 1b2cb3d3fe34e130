/**
 * CLI start-up (issue 13, Deliver 3): `tidemark --version` and a backup of a 10-record set, as
 * users run it (`bin/tidemark.mjs`, TypeScript compiled by tsx at every start) and from a bundle
 * of the CLI (esbuild, packages external: what a build step would give). Medians of `--runs`
 * (default 5), interleaved. Targets: --version < 150 ms, 10-record backup < 300 ms.
 * Against a real server from ../shared/aerospike/ (or `--cluster`), else the testbed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildSync } from 'esbuild';
import Aerospike from 'aerospike';
import { realServerUnavailable, startRealServer } from '../e2e/real-server.js';
import { startTestbedWorker } from '../e2e/testbed/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function bundleCli(): string {
  const out = join(root, 'node_modules', '.cache', 'tidemark-bench', 'cli.mjs');
  mkdirSync(dirname(out), { recursive: true });
  buildSync({
    stdin: { contents: "import { main } from './electron/cli/main.ts';\nprocess.exitCode = await main(process.argv);\n", resolveDir: root, loader: 'ts', sourcefile: 'cli-entry.ts' },
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function timeMs(args: string[]): number {
  const t0 = performance.now();
  execFileSync(process.execPath, args, { cwd: root, stdio: 'pipe' });
  return performance.now() - t0;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { runs: { type: 'string', default: '5' }, cluster: { type: 'string' } } });
  const runs = Number(values.runs);
  const unavailable = values.cluster ? null : realServerUnavailable();
  const real = unavailable === null && !values.cluster ? await startRealServer() : undefined;
  const tb = unavailable === null ? undefined : await startTestbedWorker({ port: 0, namespaces: ['test'] });
  const seed = values.cluster ?? real?.seed ?? tb!.seed;
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-startup-'));
  try {
    const client = await Aerospike.connect({ hosts: seed, log: { level: Aerospike.log.OFF } });
    for (let i = 0; i < 10; i++) await client.put(new Aerospike.Key('test', 'tiny', i), { i, s: `tiny ${i}` });
    await client.close();
    const bundle = bundleCli();
    const forms: Array<[string, string[]]> = [
      ['bin/tidemark.mjs (tsx)', [join(root, 'bin', 'tidemark.mjs')]],
      ['bundled CLI (no tsx)', [bundle]],
    ];
    const results = forms.map(() => ({ version: [] as number[], backup: [] as number[] }));
    for (let r = 0; r < runs; r++) {
      forms.forEach(([, cmd], i) => {
        results[i]!.version.push(timeMs([...cmd, '--version']));
        results[i]!.backup.push(timeMs([...cmd, 'backup', '--cluster', seed, '--namespace', 'test', '--set', 'tiny', '--storage', join(dir, `b${r}-${i}`)]));
      });
    }
    const where = values.cluster ? `the cluster at ${values.cluster}` : real ? 'a real Aerospike server' : `the testbed (no real server: ${unavailable})`;
    console.log(`CLI start-up against ${where}, medians of ${runs} interleaved runs (targets: --version < 150 ms, 10-record backup < 300 ms)`);
    forms.forEach(([label], i) => {
      console.log(`  ${label.padEnd(26)} --version ${median(results[i]!.version).toFixed(0).padStart(5)} ms   backup of 10 records ${median(results[i]!.backup).toFixed(0).padStart(5)} ms`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await real?.stop();
    await tb?.close();
  }
}
