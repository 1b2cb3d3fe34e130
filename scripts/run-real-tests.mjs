// `npm run test:real`: the opt-in compatibility suite against a real Aerospike server and
// asbackup/asrestore from ../shared/aerospike/ (test/real/*.real.ts; `npm test` never runs them,
// it only collects *.test.ts). Each file starts and stops its own server. Without the server or
// when its binaries do not run, says so and exits 0 (`--require` makes that a failure).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const shared = join(root, '..', 'shared', 'aerospike');
const args = process.argv.slice(2);
const require = args.includes('--require');
const filters = args.filter((a) => a !== '--require');

function unavailable() {
  if (!existsSync(join(shared, 'start'))) return `${shared} does not exist`;
  for (const bin of ['asbackup', 'asrestore']) {
    try {
      execFileSync(join(shared, 'bin', bin), ['--version'], { stdio: 'pipe', timeout: 10_000 });
    } catch (e) {
      return `${bin} does not run (${String(e.message).split('\n')[0]})`;
    }
  }
  return null;
}

const why = unavailable();
if (why) {
  console.log(`test:real SKIPPED: no usable real Aerospike server: ${why}`);
  process.exit(require ? 1 : 0);
}

const dir = join(root, 'test', 'real');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.real.ts'))
  .sort()
  .map((f) => join('test', 'real', f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`no real-server test files match ${filters.join(' ')}`);
  process.exit(1);
}
console.log(`test:real: ${files.length} file(s) against the real server in ${shared}`);
// One file at a time: each starts servers of its own (about 0.5 GB per node).
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
