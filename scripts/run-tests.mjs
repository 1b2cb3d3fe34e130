// Runs every *.test.ts under test/ and renderer/ with Node's own test runner (through tsx), one process per
// file. Extra arguments narrow the run: `npm test -- testbed` runs files whose path contains it.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const files = [...collect(join(root, 'test')), ...collect(join(root, 'renderer'))].filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(signal ? 1 : (code ?? 1)));
  });
}

// A full run also type-checks and lints, so `npm test` alone tells whether main is healthy.
if (filters.length === 0) {
  const bin = join(root, 'node_modules', '.bin');
  for (const [name, cmd, args] of [
    ['typecheck', join(bin, 'tsc'), ['--noEmit', '-p', 'tsconfig.json']],
    ['typecheck renderer', join(bin, 'tsc'), ['--noEmit', '-p', 'renderer/tsconfig.json']],
    ['lint', join(bin, 'eslint'), ['.']],
  ]) {
    console.log(`== ${name}`);
    const code = await run(cmd, args);
    if (code !== 0) {
      console.error(`${name} failed`);
      process.exit(code);
    }
  }
}

const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files];
process.exit(await run(process.execPath, args));
