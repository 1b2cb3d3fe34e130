/**
 * CLI start-up (issue 13): `tidemark --version`, `--help` and a backup of a 10-record set, all
 * through bin/tidemark.mjs as users run it — from the CLI build (scripts/build-cli.mjs →
 * dist/cli/, made fresh here first; `--version` alone bin answers itself) and, as the baseline,
 * from the sources compiled by tsx at every start (TIDEMARK_FROM_SOURCE=1). `--help` shows the
 * build's own start: commander and every command's definition, no command loaded. Node's own
 * start (`node -e 0`) is the floor. Medians of `--runs` (default 5), interleaved, after an
 * untimed round; a build sample during which a source changed (another edit) is rebuilt and
 * taken again, so the build numbers are never tsx's. Targets: --version < 150 ms, 10-record
 * backup < 300 ms. Against a real server from ../shared/aerospike/ (or `--cluster`), else the
 * testbed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Aerospike from 'aerospike';
import { realServerUnavailable, startRealServer } from '../e2e/real-server.js';
import { startTestbedWorker } from '../e2e/testbed/index.js';
import { checkBuild } from '../bin/fresh-build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'tidemark.mjs');
const TARGETS = { version: 150, backup: 300 };

const isFresh = (): boolean => checkBuild().fresh;

function buildCli(): void {
  execFileSync(process.execPath, [join(root, 'scripts', 'build-cli.mjs')], { cwd: root, stdio: 'pipe' });
  if (!isFresh()) throw new Error('the CLI build is stale right after building it: are sources being edited?');
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function timeMs(args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  execFileSync(process.execPath, args, { cwd: root, stdio: 'pipe', env });
  return performance.now() - t0;
}

/** One sample from the build: taken again (after a rebuild) when a source changed meanwhile. */
function timeFromBuild(args: string[], env: NodeJS.ProcessEnv): number {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (!isFresh()) buildCli();
    const ms = timeMs(args, env);
    if (isFresh()) return ms;
  }
  throw new Error('sources keep changing: no sample ran from a fresh build');
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
    buildCli();
    const { TIDEMARK_FROM_SOURCE: _, ...plain } = process.env;
    const forms: Array<{ label: string; time: (args: string[]) => number }> = [
      { label: 'from sources (tsx)', time: (args) => timeMs([bin, ...args], { ...plain, TIDEMARK_FROM_SOURCE: '1' }) },
      { label: 'from the build (dist/cli)', time: (args) => timeFromBuild([bin, ...args], plain) },
    ];
    // One untimed round first: files in the page cache, the server past its start-up work.
    forms.forEach((form) => ['--version', '--help'].forEach((arg) => form.time([arg])));
    forms.forEach((form, i) => form.time(['backup', '--cluster', seed, '--namespace', 'test', '--set', 'tiny', '--storage', join(dir, `warm-${i}`)]));
    const floor: number[] = [];
    const results = forms.map(() => ({ version: [] as number[], help: [] as number[], backup: [] as number[] }));
    for (let r = 0; r < runs; r++) {
      floor.push(timeMs(['-e', '0'], plain));
      forms.forEach((form, i) => {
        results[i]!.version.push(form.time(['--version']));
        results[i]!.help.push(form.time(['--help']));
        results[i]!.backup.push(form.time(['backup', '--cluster', seed, '--namespace', 'test', '--set', 'tiny', '--storage', join(dir, `b${r}-${i}`)]));
      });
    }
    const where = values.cluster ? `the cluster at ${values.cluster}` : real ? 'a real Aerospike server' : `the testbed (no real server: ${unavailable})`;
    const ms = (x: number): string => `${x.toFixed(0).padStart(5)} ms`;
    console.log(`CLI start-up through bin/tidemark.mjs against ${where}, medians of ${runs} interleaved runs`);
    console.log(`  ${'node -e 0 (the floor)'.padEnd(27)} ${ms(median(floor))}`);
    forms.forEach(({ label }, i) => {
      const r = results[i]!;
      console.log(`  ${label.padEnd(27)} --version ${ms(median(r.version))}   --help ${ms(median(r.help))}   backup of 10 records ${ms(median(r.backup))}`);
    });
    const built = results[1]!;
    const verdict = (what: string, value: number, target: number): string => `${what} ${value.toFixed(0)} ms ${value < target ? '<' : '≥'} ${target} ms: ${value < target ? 'met' : 'NOT met'}`;
    console.log(`targets from the build: ${verdict('--version', median(built.version), TARGETS.version)}; ${verdict('backup', median(built.backup), TARGETS.backup)}`);
    const tsx = results[0]!;
    console.log(`the build starts ${(median(tsx.version) / median(built.version)).toFixed(1)}x faster (--version), backs up ${(median(tsx.backup) / median(built.backup)).toFixed(1)}x faster`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await real?.stop();
    await tb?.close();
  }
}
